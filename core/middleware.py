import re

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.input_guard import bad_request
from core.outages import is_outage, outage_response
from core.timezones import request_zone_name, zone_get

# A BCP 47-like tag (``zh-hans``, ``ja-JP``); anything else is not a language at all.
LANGUAGE_TAG = re.compile(r"[a-z]{1,8}(?:[-_][a-z0-9]{1,8}){0,3}")


class QueryLanguageMiddleware:
    """``?lang=xx`` chooses the language of a request (the API honours it beside
    Accept-Language). It accepts the codes of ``LANGUAGES`` and their regional variants
    (``zh-CN`` -> ``zh-hans``, ``ja-JP`` -> ``ja``), like Accept-Language does. An unknown
    code is ignored on pages: the request keeps the language LocaleMiddleware chose from the
    URL prefix, the cookie or Accept-Language, and English when none of them names one; on
    the APIs it is a 400.

    Runs after LocaleMiddleware; API paths are outside ``i18n_patterns``, so there
    LocaleMiddleware's choice comes from the cookie or Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        lang = self._supported(request.GET.get("lang", ""))
        if not lang and "lang" in request.GET and request.path.startswith("/api/"):
            # An API client that names a language it cannot have is told so (the schema lists
            # the codes); a browser following an old link to a page still gets the page.
            return bad_request(
                request,
                gettext("lang must be one of: %(codes)s.")
                % {"codes": ", ".join(code for code, _name in settings.LANGUAGES)},
            )
        # A page's language prefix (/ja/...) wins: i18n_patterns resolve the path in the
        # active language, so /en/...?lang=ja would otherwise be a 404.
        if lang and not translation.get_language_from_path(request.path_info):
            translation.activate(lang)
            request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    @staticmethod
    def _supported(value: str) -> str:
        # Only codes of settings.LANGUAGES come back (with a catalog for each).
        value = value.strip().lower()
        if not LANGUAGE_TAG.fullmatch(value):
            return ""
        try:
            return translation.get_supported_language_variant(value)
        except LookupError:
            return ""


class ServiceOutageMiddleware:
    """A view that fails because Redis or the broker is down answers 503 (a localized page,
    or the API error shape) instead of 500; see ``core.outages``. Errors raised by other
    middleware (a cache-backed session, say) reach ``core.views.server_error``, which
    makes the same decision."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            return outage_response(request)
        return None


class UserTimeZoneMiddleware:
    """Shows times in the visitor's own zone: the learner's or partner admin's profile
    choice, else the zone their browser reported, else UTC (``core.timezones``). Templates
    and the API then render in it (``|local_time`` names the zone; the API writes ISO 8601
    with the offset). Reads the session and a cookie only: no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request_zone_name(request)
        request.time_zone = name
        timezone.activate(zone_get(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
