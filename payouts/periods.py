"""Statement months: calendar months in ``STATEMENT_TIME_ZONE`` (the platform's accounting
zone), as aware datetimes so ledger timestamps compare exactly."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings


def zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "STATEMENT_TIME_ZONE", "UTC"))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(start: date) -> date:
    return date(start.year + (start.month == 12), start.month % 12 + 1, 1)


def month_end(start: date) -> date:
    """The last day of the month that begins on ``start``."""
    return date.fromordinal(next_month(start).toordinal() - 1)


def month_bounds(start: date) -> tuple[datetime, datetime]:
    """``[start, next start)`` of a month as aware datetimes in the statement zone."""
    tz = zone()
    return datetime.combine(start, time.min, tz), datetime.combine(next_month(start), time.min, tz)


def local_today(now: datetime) -> date:
    return now.astimezone(zone()).date()
