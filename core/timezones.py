"""Time zones: IANA names checked against zoneinfo, a market's default zone, local days.

The platform stores every instant in UTC. Two kinds of people see local time: a campaign's
metrics are counted in local days of its reporting time zone, and learners and partner
admins see times in their own zone (``core.middleware.UserTimeZoneMiddleware``)."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_ZONE = "UTC"
# The reporting zone of a campaign aimed at a market; a country with several zones gets
# its most populous business zone. Markets not listed report in UTC.
MARKET_TIME_ZONES = {
    "CN": "Asia/Shanghai",
    "HK": "Asia/Hong_Kong",
    "TW": "Asia/Taipei",
    "SG": "Asia/Singapore",
    "JP": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "IT": "Europe/Rome",
    "GB": "Europe/London",
    "US": "America/New_York",
    "MX": "America/Mexico_City",
    "AR": "America/Argentina/Buenos_Aires",
    "CO": "America/Bogota",
}
MAX_NAME_LENGTH = 64
INVALID_ZONE_MESSAGE = _("Choose a time zone such as Asia/Shanghai or Europe/Madrid.")


@cache
def _names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_is_valid(name: str | None) -> bool:
    return bool(name) and len(name) <= MAX_NAME_LENGTH and name in _names()


def zone_get(name: str | None) -> ZoneInfo:
    """The zone of an IANA name; UTC for an empty or unknown one (stored values are
    validated, so this only guards against a zone removed from the tz database)."""
    if zone_is_valid(name):
        try:
            return ZoneInfo(name)
        except ZoneInfoNotFoundError:
            pass
    return ZoneInfo(DEFAULT_ZONE)


def validate_time_zone(value: str) -> None:
    if not zone_is_valid(value):
        raise ValidationError(
            _("Choose a time zone such as Asia/Shanghai or Europe/Madrid."), code="time_zone"
        )


@cache
def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone for a select box, "Area/City" names only (no legacy aliases)."""
    names = sorted(n for n in _names() if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/")))
    return [(name, name.replace("_", " ")) for name in [DEFAULT_ZONE, *names]]


def zone_for_market(countries: Iterable[str] | None) -> str:
    """The reporting zone of a campaign aimed at ``countries``: the first with a known zone."""
    for country in countries or ():
        zone = MARKET_TIME_ZONES.get(str(country).upper())
        if zone:
            return zone
    return DEFAULT_ZONE


def local_today(zone: str, *, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), zone_get(zone)).date()


def local_date(value: datetime, zone: str) -> date:
    return timezone.localtime(value, zone_get(zone)).date()


def local_day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The instants a local day of ``zone`` starts and ends (a DST day lasts 23 or 25 hours)."""
    tz = zone_get(zone)
    # In UTC: Python subtracts two times of one zone by the wall clock, ignoring the change.
    start = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return start, end


# Where the middleware finds a person's zone: the profile's choice copied into the session
# at sign-in and on saving the profile (so no request pays a query for it), else the zone the
# browser reported once in this cookie (static/js/time-zone.js), else UTC.
SESSION_KEY = "time_zone"
COOKIE_NAME = "zq_tz"


def request_zone_name(request) -> str:
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else ""
    if zone_is_valid(chosen):
        return chosen
    detected = request.COOKIES.get(COOKIE_NAME, "")
    return detected if zone_is_valid(detected) else DEFAULT_ZONE
