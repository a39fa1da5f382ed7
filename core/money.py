"""Currency choice for a request. Amounts themselves are always ``Decimal``."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

# Minor units per ISO 4217: yen has none, the others have cents/fen.
MINOR_UNITS = {"CNY": 2, "USD": 2, "EUR": 2, "JPY": 0}
CURRENCY_SESSION_KEY = "currency"


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """The platform's one rounding rule for a single amount: half up to the currency's
    minor unit."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


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
