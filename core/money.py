"""Money: the rounding rule, display in the reader's locale, and the currency of a request.
Amounts themselves are always ``Decimal``."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.core import Locale
from babel.numbers import format_currency, get_currency_symbol
from django.conf import settings
from django.utils import translation

from core.cldr import NUMBERING, locale_for

# Minor units per ISO 4217: yen has none, the others have cents/fen.
MINOR_UNITS = {"CNY": 2, "USD": 2, "EUR": 2, "JPY": 0}
CURRENCY_SESSION_KEY = "currency"


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """The platform's one rounding rule for a single amount: half up to the currency's
    minor unit."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def _locale(language: str) -> Locale:
    return locale_for(language)


def format_money(amount, currency: str, language: str | None = None) -> str:
    """An amount as the reader's locale writes it, from CLDR data (Babel): ``$1,234.50`` in
    English, ``1.234,50 US$`` in Spanish, ``￥4,200`` in Japanese; the currency's own minor
    units (none for yen). A new language needs no code here. Empty for a missing amount."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    locale = _locale(language)
    shown = format_currency(round_money(value, currency), currency, locale=locale, numbering_system=NUMBERING)
    return _isolated_symbol(shown, currency, locale)


def _isolated_symbol(shown: str, currency: str, locale: Locale) -> str:
    """In a right-to-left locale a Latin symbol such as ``US$`` is wrapped in a left-to-right
    isolate (U+2066 ... U+2069): otherwise the bidi algorithm moves the ``$`` to the wrong
    side of ``US`` and the reader sees "$US". Plain text, so it works in e-mails too."""
    if locale.text_direction != "rtl":
        return shown
    symbol = get_currency_symbol(currency, locale=locale)
    if not any("a" <= ch.lower() <= "z" for ch in symbol):
        return shown
    return shown.replace(symbol, f"\u2066{symbol}\u2069", 1)


def currency_for_request(request) -> str:
    """``?currency=`` beats the session's choice, which beats the learner's language."""
    candidate = (request.GET.get("currency") or "").upper()
    if candidate in settings.CURRENCIES:
        if hasattr(request, "session"):
            request.session[CURRENCY_SESSION_KEY] = candidate
        return candidate
    stored = request.session.get(CURRENCY_SESSION_KEY) if hasattr(request, "session") else None
    if stored in settings.CURRENCIES:
        return stored
    lang = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return settings.CURRENCY_BY_LANGUAGE.get(lang, settings.DEFAULT_CURRENCY)


def country_name(code: str, language: str | None = None) -> str:
    """A country's name in the reader's language from CLDR (``ES`` -> "España" in Spanish,
    "西班牙" in Chinese); the code itself when CLDR does not know it."""
    if not code:
        return ""
    locale = _locale(language or translation.get_language() or settings.LANGUAGE_CODE)
    return locale.territories.get(code.upper(), code)


def allocate_largest_remainder(total: Decimal, weights: list, currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so the parts sum exactly to ``total``
    (largest-remainder rounding): every part is first rounded down to the currency's minor
    unit, then the minor units left over go one each to the parts with the largest
    remainders (ties to the earlier part). Zero weights get nothing; all-zero weights give
    an empty split (``[]``) that the caller must handle."""
    weights = [Decimal(str(weight)) for weight in weights]
    whole = sum(weights, Decimal("0"))
    if not weights or whole <= 0:
        return []
    unit = quantum(currency)
    units = int((Decimal(total) / unit).to_integral_value())
    exact = [Decimal(units) * weight / whole for weight in weights]
    floors = [int(value) for value in exact]  # the weights are not negative: int() floors
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += 1
    return [Decimal(count) * unit for count in floors]
