"""Numbers, percentages, dates and times as the reader's locale writes them, from CLDR
(Babel): one home for every human-facing format, so a new language needs no code here.

Each function takes the language (default: the active one) and formats instants in the
active time zone, which ``core.middleware.UserTimeZoneMiddleware`` sets to the viewer's
zone. Digits follow the locale's default numbering system in CLDR (Latin digits for ``ar``
in current CLDR; a locale that defaults to Arabic-Indic digits gets them)."""

import copy
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.core import Locale, UnknownLocaleError
from django.conf import settings
from django.utils import timezone, translation

LENGTHS = ("short", "medium", "long", "full")
NUMBERING = "default"


@lru_cache(maxsize=64)
def locale_for(language: str | None = None) -> Locale:
    """The Babel locale of a Django language code (``zh-hans`` -> ``zh_Hans``); the default
    language's for an unknown code."""
    try:
        return Locale.parse(translation.to_locale(language or settings.LANGUAGE_CODE))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(translation.to_locale(settings.LANGUAGE_CODE))


def current_locale(language: str | None = None) -> Locale:
    return locale_for(language or translation.get_language() or settings.LANGUAGE_CODE)


def as_decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def _half_up(number: Decimal, digits: int | None) -> Decimal:
    """Half up, like the money rule and Django's floatformat (Babel alone rounds half to
    even: a 4.25 rating would read 4.2)."""
    return number if digits is None else number.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def _fixed(pattern_text: str, locale: Locale, digits: int | None):
    """The locale's pattern with exactly ``digits`` fraction digits (None: the pattern's own)."""
    pattern = babel_numbers.parse_pattern(pattern_text)
    if digits is not None:
        pattern = copy.copy(pattern)
        pattern.frac_prec = (digits, digits)
    return pattern


def format_number(value, digits: int | None = None, language: str | None = None) -> str:
    """``1234.5`` as ``1,234.5`` (en), ``1.234,5`` (es); ``digits`` fixes the fraction
    digits (``4.5`` with 1 -> ``4.5``, with 2 -> ``4.50``). Empty for a missing value."""
    number = as_decimal(value)
    if number is None:
        return ""
    locale = current_locale(language)
    pattern = _fixed(locale.decimal_formats[None].pattern, locale, digits)
    return pattern.apply(_half_up(number, digits), locale, numbering_system=NUMBERING)


def format_percent(ratio, digits: int = 0, language: str | None = None) -> str:
    """A ratio (``0.256``) as the locale writes a percentage: ``26%`` (en), ``26 %`` (es),
    ``٪26`` where the locale puts the sign first; ``digits`` fraction digits."""
    number = as_decimal(ratio)
    if number is None:
        return ""
    locale = current_locale(language)
    pattern = _fixed(locale.percent_formats[None].pattern, locale, digits)
    return pattern.apply(_half_up(number * 100, digits) / 100, locale, numbering_system=NUMBERING)


def _length(length: str) -> str:
    return length if length in LENGTHS else "medium"


def _local(value):
    """An aware datetime in the active (viewer's) time zone; naive ones are taken as UTC."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return timezone.localtime(value)


def format_date(value, length: str = "medium", language: str | None = None) -> str:
    """A date (or the viewer's local day of an instant): ``Mar 5, 2026`` (en, medium),
    ``2026年3月5日`` (zh), ``5 mar 2026`` (es)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return babel_dates.format_date(value, _length(length), locale=current_locale(language))


def format_time(value, length: str = "short", language: str | None = None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return babel_dates.format_time(value, _length(length), tzinfo=None, locale=current_locale(language))


def format_datetime(value, length: str = "medium", language: str | None = None) -> str:
    """An instant in the viewer's zone: the locale's date of ``length`` joined to its short
    time by the locale's own pattern (``Mar 5, 2026, 8:05 PM``; seconds are noise here)."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, length, language) if isinstance(value, date) else ""
    locale = current_locale(language)
    local = _local(value)
    length = _length(length)
    shown_date = babel_dates.format_date(local.date(), length, locale=locale)
    shown_time = babel_dates.format_time(local.time(), "short", locale=locale)
    joiner = str(babel_dates.get_datetime_format(length, locale=locale))
    return joiner.replace("{1}", shown_date).replace("{0}", shown_time)


def format_month(value, language: str | None = None) -> str:
    """A year and month: ``March 2026`` (en), ``2026年3月`` (zh), ``marzo de 2026`` (es)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return babel_dates.format_skeleton("yMMMM", value, locale=current_locale(language))


def format_day_month(value, language: str | None = None) -> str:
    """A short day of a chart's axis: ``3/5`` (en), ``5/3`` (es), ``3月5日`` (ja)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return babel_dates.format_skeleton("Md", value, locale=current_locale(language))


__all__ = [
    "format_date",
    "format_datetime",
    "format_day_month",
    "format_month",
    "format_number",
    "format_percent",
    "format_time",
    "locale_for",
]
