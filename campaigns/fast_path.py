"""A new visitor's campaign landing page and tracking-link click served before the
middleware stack runs (issue 9), the way ``core.fast_path`` serves cached catalog pages.

Both pages record a touch per visit, so ``core.fast_path`` skips them. For an anonymous GET
(no credential, no session, no pending message, no visitor cookie yet, no conditional
headers, no ``?currency=``; a landing page also no ``?code=``, whose check is rate limited)
``CampaignFastPathMiddleware`` answers with ONE Redis round trip: a Lua script
(``touch_buffer.touch_buffer_push_if_current``) that checks the ``landing`` namespace
version is still the one this process read the campaign (or link) under, pushes the touch
and the new visitor's assignment to the touch buffer, asks for a flush when the buffer is
long, and reads the cached landing page. The variant is drawn as ``visitor_assign`` draws
it for a new visitor (``_pick_variant``, no lookup). So the guarantees of the touch buffer
hold unchanged: the touch is in Redis before the answer leaves, and it is flushed once.

What this process keeps between requests: the campaign / link with its variants, per
``landing`` version (a bump from any process is seen by the script, which then pushes
nothing and the request goes down the stack), and the headers the stack gave the same kind
of answer in the same language (security headers, CSP, Vary, Cache-Control...), learnt from
a stack answer to an eligible request. Until both are known, or when anything is unusual
(campaign paused or not started, a page not cached yet or with a form), the stack answers as
before; if the touch was pushed already, the request carries it (``PRERECORDED``) and the
view records nothing twice."""

from __future__ import annotations

import re
import time

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils import translation
from django.utils.http import http_date
from redis.exceptions import RedisError

from core.caching import CSRF_PLACEHOLDER, entry_key, etag_for, version_key
from core.timezones import request_zone_name

from . import touch_buffer
from .landing_cache import CATALOG, LANDING
from .models import Touch
from .services import campaign_is_live, new_visitor_id, visitor_id_clean
from .services.tracking import _pick_variant, touch_buffer_values, touch_build
from .views import PRERECORDED, UTM_KEYS, VISITOR_COOKIE, _country, _landing_url, _remember_visitor

# The token converter of campaigns.tracking_urls, as the view reads it (token[:32]).
_TRACKING = re.compile(r"^/t/([A-Za-z0-9_-]{1,32})$")
_LANDING = re.compile(r"^/([A-Za-z-]{2,12})/c/([-a-zA-Z0-9_]+)/$")
# Computed per answer, never copied from the learnt headers.
_PER_RESPONSE = {"content-length", "etag", "last-modified", "expires", "set-cookie", "location"}
_MEMO_LIMIT = 2000
_PLACEHOLDER = CSRF_PLACEHOLDER.encode()


def _soft():
    return caches["soft"]


class CampaignFastPathMiddleware:
    """Right after ``core.fast_path.AnonymousFastPathMiddleware``. See the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Only its cookie reading and setting are used, the same code the stack runs.
        self.csrf = CsrfViewMiddleware(get_response)
        # (kind, slug or token) -> (raw landing version, decoded version, value)
        self.memo: dict[tuple[str, str], tuple[bytes, str, object]] = {}
        # (kind, language) -> [(header, value)] of a stack answer; "has Content-Length", "has Expires"
        self.headers: dict[tuple[str, str], tuple[list, bool, bool]] = {}

    # -- eligibility -------------------------------------------------------------------
    def _eligible(self, request) -> tuple[str, str, str] | None:
        """``(kind, slug or token, language)`` of a request the fast path may answer."""
        if request.method != "GET":
            return None
        path = request.path_info
        if path.startswith("/t/"):
            match, kind = _TRACKING.match(path), "link"
        elif "/c/" in path:
            match, kind = _LANDING.match(path), "campaign"
        else:
            return None
        if match is None or not touch_buffer.enabled():
            return None
        meta = request.META
        if (
            "HTTP_AUTHORIZATION" in meta
            or "HTTP_IF_NONE_MATCH" in meta
            or "HTTP_IF_MODIFIED_SINCE" in meta
            or getattr(request, "_force_auth_user", None) is not None
        ):
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        # A returning visitor's variant is looked up: the stack does that.
        if visitor_id_clean(cookies.get(VISITOR_COOKIE)):
            return None
        # ``?lang=`` switches the language after LocaleMiddleware (core.middleware).
        if "currency" in request.GET or "lang" in request.GET:
            return None
        if kind == "campaign" and "code" in request.GET:
            return None
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return None
        try:
            request.get_host()
        except DisallowedHost:
            return None
        # The language LocaleMiddleware will activate (the path prefix for a landing page).
        language = translation.get_language_from_request(request, check_path=True)
        if kind == "campaign" and translation.get_language_from_path(path) != match.group(1):
            return None
        return kind, match.group(2 if kind == "campaign" else 1), language

    def __call__(self, request):
        found = self._eligible(request)
        if found is None:
            return self.get_response(request)
        kind, name, language = found
        template = self.headers.get((kind, language))
        response = None
        if template is not None:
            try:
                response = self._serve(request, kind, name, language, template)
            except RedisError:
                # Redis down: the stack answers as it does then (ServiceOutageMiddleware).
                response = None
        if response is None:
            response = self.get_response(request)
            self._learn(request, kind, language, response)
        return response

    # -- what this process keeps -------------------------------------------------------
    def _known(self, kind: str, name: str):
        found = self.memo.get((kind, name))
        if found is not None:
            return found
        soft = _soft()
        client = soft.client
        guard = client.make_key(version_key(LANDING))
        entry = client.make_key(entry_key((LANDING,), kind, name))
        raw_version, raw_entry = client.get_client(write=False).mget([guard, entry])
        if raw_version is None or raw_entry is None:
            return None  # the stack builds them
        version = str(client.decode(raw_version))
        stored = client.decode(raw_entry)
        if not (isinstance(stored, tuple) and stored[0] == version) or stored[1] == "missing":
            return None
        if len(self.memo) >= _MEMO_LIMIT:
            self.memo.clear()
        found = self.memo[(kind, name)] = (raw_version, version, stored[1])
        return found

    def _learn(self, request, kind: str, language: str, response) -> None:
        expected = 302 if kind == "link" else 200
        cookies = set(response.cookies) - {settings.CSRF_COOKIE_NAME}
        if response.status_code != expected or cookies != {VISITOR_COOKIE}:
            return
        if getattr(request, PRERECORDED, None) is not None:
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _PER_RESPONSE]
        self.headers[(kind, language)] = (
            headers,
            response.has_header("Content-Length"),
            response.has_header("Expires"),
        )

    # -- the answer ----------------------------------------------------------------------
    def _serve(self, request, kind: str, name: str, language: str, template) -> HttpResponse | None:
        known = self._known(kind, name)
        if known is None:
            return None
        raw_version, version, value = known
        if kind == "link":
            link, variants = value
            campaign, preferred = link.campaign, link.variant
        else:
            link, campaign, preferred = None, value, None
            variants = list(campaign.variants.all())
        if not campaign_is_live(campaign):
            return None  # ended or paused: the stack's answer (404, the home page)
        visitor_id = new_visitor_id()
        variant, is_holdout = _pick_variant(variants, campaign.holdout_share, visitor_id, preferred)
        touch_language = (link.language or language) if link else language
        touch = touch_build(
            campaign=campaign,
            kind=Touch.Kind.CLICK if link else Touch.Kind.LANDING_VIEW,
            visitor_id=visitor_id,
            variant=variant,
            is_holdout=is_holdout,
            link=link,
            language=touch_language,
            country=_country(request),
            utm={key: request.GET.get(key, "")[:80] for key in UTM_KEYS if request.GET.get(key)},
        )
        client = _soft().client
        read_keys = []
        if link is None:
            currency = settings.CURRENCY_BY_LANGUAGE.get(language, settings.DEFAULT_CURRENCY)
            code = campaign.landing_public_code if not is_holdout else None
            parts = (
                ("landing", campaign.pk, variant.pk if variant else "", is_holdout, language, currency),
                ("code", code.pk if code else ""),
            )
            # core.caching.cached_page's key, as the view asks for it.
            where = (request.scheme, request.get_host(), request.get_full_path(), request_zone_name(request))
            read_keys = [
                client.make_key(entry_key((CATALOG, LANDING), "page", *parts, *where)),
                client.make_key(version_key(CATALOG)),
            ]
        reply = touch_buffer.touch_buffer_push_if_current(
            touch=touch_buffer_values(touch),
            assignment={
                "campaign_id": campaign.pk,
                "visitor_id": visitor_id,
                "variant_id": variant.pk if variant else None,
                "is_holdout": is_holdout,
            },
            guard_key=client.make_key(version_key(LANDING)),
            guard_raw=raw_version,
            read_keys=read_keys,
        )
        if reply is None:
            # An edit since this process read the campaign: nothing was pushed.
            self.memo.pop((kind, name), None)
            return None
        headers, has_length, has_expires = template
        if link is not None:
            response = HttpResponseRedirect(
                _landing_url(campaign, touch_language, code=request.GET.get("code", "")[:40].strip())
            )
        else:
            raw_page, raw_catalog = reply
            entry = None
            if raw_page is not None and raw_catalog is not None:
                stored = client.decode(raw_page)
                current = f"{client.decode(raw_catalog)}.{version}"
                if isinstance(stored, tuple) and stored[0] == current:
                    entry = stored[1]
            if entry is None:
                # The touch is in the buffer: the stack renders the page and records nothing.
                setattr(request, PRERECORDED, (visitor_id, variant, is_holdout))
                return self.get_response(request)
            content = entry["content"]
            has_form = _PLACEHOLDER in content
            if has_form:
                # As core.caching._from_entry: the visitor's own CSRF token (and cookie), and
                # an ETag that is only current for the CSRF secret it was sent with.
                self.csrf.process_request(request)
                content = content.replace(_PLACEHOLDER, get_token(request).encode())
            response = HttpResponse(content, content_type=entry["content_type"])
            secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "") if has_form else ""
            response.headers["ETag"] = etag_for(entry["content"], secret)
            response.headers["Last-Modified"] = http_date(int(entry["built"]))
        for header, value in headers:
            response.headers[header] = value
        if has_expires:
            response.headers["Expires"] = http_date(time.time())
        if has_length:
            response.headers["Content-Length"] = str(len(response.content))
        _remember_visitor(request, response, visitor_id)
        if link is None and has_form:
            response = self.csrf.process_response(request, response)
        return response
