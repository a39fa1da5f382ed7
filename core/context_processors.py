from django.conf import settings

from core.caching import CSRF_PLACEHOLDER, RENDERING_FOR_CACHE
from core.money import currency_for_request


def platform(request):
    context = {
        "currency": currency_for_request(request),
        "currencies": settings.CURRENCIES,
    }
    if getattr(request, RENDERING_FOR_CACHE, False):
        # A page rendered for the shared cache carries a placeholder that every response
        # replaces with the visitor's own token (core.caching); this processor runs after
        # Django's built-in CSRF one, so its value wins.
        context["csrf_token"] = CSRF_PLACEHOLDER
    return context
