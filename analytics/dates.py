"""The one reporting-range rule of every metrics surface (portal page, CSV, partner API):
both ends inclusive, at most ``MAX_DAYS`` days, and by default the campaign's run so far.
Dates are local days of the campaign's reporting time zone."""

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from core.exceptions import ApplicationError
from core.timezones import local_date, local_today

MAX_DAYS = 366


def default_range(*, campaign: Campaign) -> tuple[date, date]:
    """From the campaign's start (or 29 days ago) to today or its end, at most MAX_DAYS, in
    local days of the campaign's reporting time zone (the days its metric rows are kept by)."""
    zone = campaign.reporting_time_zone
    today = local_today(zone)
    start = local_date(campaign.starts_at, zone) if campaign.starts_at else today - timedelta(days=29)
    end = min(today, local_date(campaign.ends_at, zone)) if campaign.ends_at else today
    if start > end:
        start = end
    if (end - start).days >= MAX_DAYS:
        start = end - timedelta(days=MAX_DAYS - 1)
    return start, end


def _parse(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        message = _("%(name)s must be a date as YYYY-MM-DD.") % {"name": name}
        raise ApplicationError(message, code="invalid_date") from exc


def parse_range(
    date_from: str | None, date_to: str | None, *, campaign: Campaign, strict: bool
) -> tuple[date, date]:
    """``?from=&to=`` as dates. A missing end takes the default's. An unreadable or
    impossible range raises ``invalid_date`` when ``strict`` (the API) and falls back to the
    default range otherwise (a page always renders)."""
    default_from, default_to = default_range(campaign=campaign)
    try:
        start = _parse(date_from, "from") or default_from
        end = _parse(date_to, "to") or default_to
        if start > end:
            raise ApplicationError(_("`from` must not be after `to`."), code="invalid_date")
        if (end - start).days >= MAX_DAYS:
            raise ApplicationError(_("Ask for at most 366 days at once."), code="invalid_date")
    except ApplicationError:
        if strict:
            raise
        return default_from, default_to
    return start, end
