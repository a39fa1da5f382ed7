from django.conf import settings

from core.money import currency_for_request


def platform(request):
    return {
        "currency": currency_for_request(request),
        "currencies": settings.CURRENCIES,
    }
