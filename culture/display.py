"""Market figures as the reader's locale writes them (CLDR through Babel)."""

from babel import Locale, UnknownLocaleError
from babel.numbers import format_percent
from django.conf import settings
from django.utils import translation

from core.money import country_name


def _locale() -> Locale:
    try:
        return Locale.parse(translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def share(value) -> str:
    """A 0..1 share as a percent ("12%", "12 %" in Spanish); a dash when there is none."""
    return "—" if value is None else format_percent(value, locale=_locale())


def language_label(code: str) -> str:
    names = dict(settings.LANGUAGES)
    return str(translation.gettext(names[code])) if code in names else (code or "—")


def market_display(row: dict) -> dict:
    """The figures of one market row (``selectors.market_rows``, maybe suppressed) as text."""
    shown = dict(row)
    shown["language_label"] = language_label(row["language"])
    shown["country_label"] = country_name(row["country"]) if row["country"] else "—"
    for name in ("positive_share", "completion_rate", "refund_rate"):
        shown[f"{name}_text"] = share(row.get(name))
    rating = row.get("average_rating")
    shown["rating_text"] = "—" if rating is None else f"★ {rating:.1f}"
    return shown
