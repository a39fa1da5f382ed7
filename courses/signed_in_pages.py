"""A signed-in learner's cached catalog pages (home, catalog, course page) served before URL
resolution and the rest of the middleware stack.

``core.caching.anonymous_page_cache`` caches these pages per learner under ``catalog``,
``learner:<id>`` and ``user:<id>``; serving a repeat through the whole stack still cost
three Redis round trips (session, user, page) plus URL resolution, the CSRF, auth,
messages, MFA and axes middleware and the view's decorator: about 4 ms of CPU against
0.7 ms for the bare endpoint (``bench/cpu_per_request.py --only learner``). This middleware answers a
repeat from the session the stack has already read and one ``MGET`` of the cached user,
the page and the three namespace versions, and falls through to the full stack whenever
anything is not exactly as the full stack would serve it from the cache: no entry (first
visit, a search, a page that is not cached per learner), a stale version, a pending
message, a currency switch, a second factor not done, a session whose user is not the
cached one or whose password hash no longer matches (the full stack then signs it out).

The answer is the cached page with the CSRF placeholder filled in and the headers the
skipped middleware would add (CSRF cookie, ``X-Frame-Options``, ``Content-Length``);
``tests/courses/test_signed_in_fast_path.py`` compares it with the full stack's answer."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare

from accounts import mfa
from accounts.auth_cache import user_key
from core.caching import (
    CSRF_PLACEHOLDER,
    cache,
    entry_key,
    etag_for,
    not_modified,
    set_validators,
    signed_in_page_parts,
    user_namespace,
    version_key,
)
from core.csrf_tokens import csrf_token
from core.money import currency_for_request

from .catalog_cache import CATALOG, learner_namespace

# Only this backend reads its users from accounts.auth_cache (see accounts/backends.py).
CACHED_BACKEND = "accounts.backends.AttemptLimitedModelBackend"


def _no_response(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("the fast path only borrows process_request/process_response")


def _answer(request: HttpRequest, entry: dict) -> HttpResponse:
    """``core.caching``'s answer from a cached page (the visitor's CSRF token in place of the
    placeholder, ETag / Last-Modified, 304 when current), with the cheaper token."""
    content: bytes = entry["content"]
    placeholder = CSRF_PLACEHOLDER.encode()
    has_form = placeholder in content
    if has_form:
        content = content.replace(placeholder, csrf_token(request).encode())
    # A page with a form is only current for the CSRF secret it was sent with.
    etag = etag_for(entry["content"], request.COOKIES.get(settings.CSRF_COOKIE_NAME, "") if has_form else "")
    unchanged = not_modified(request, etag=etag, last_modified=entry["built"])
    if unchanged is not None:
        return unchanged
    response = HttpResponse(content, content_type=entry["content_type"])
    return set_validators(response, etag=etag, last_modified=entry["built"])


class SignedInPageMiddleware:
    """Serves a signed-in learner's cached page (see the module docstring). Sits after
    ``UserTimeZoneMiddleware`` (the session, language and time zone are known) and before
    everything that needs the resolved URL or the user."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Django's own CSRF cookie handling and frame header, exactly as the skipped
        # middleware would apply them.
        self.csrf = CsrfViewMiddleware(_no_response)
        self.frames = XFrameOptionsMiddleware(_no_response)
        self.enabled = CACHED_BACKEND in settings.AUTHENTICATION_BACKENDS
        # The pages cached per learner (courses/views/catalog.py): home, catalog, course page.
        # Anything else would only cost a lookup that always misses.
        languages = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
        self.pages = re.compile(rf"^/(?:{languages})/(?:courses/(?:[^/]+/)?)?$")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.cached_answer(request) if self.enabled else None
        return response if response is not None else self.get_response(request)

    def cached_answer(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or "messages" in request.COOKIES:
            return None
        if settings.SESSION_COOKIE_NAME not in request.COOKIES or not self.pages.match(request.path_info):
            return None
        # A currency switch is stored in the session; a search is never cached.
        if "currency" in request.GET or request.GET.get("q"):
            return None
        session = getattr(request, "session", None)
        if session is None:
            return None
        user_id = session.get(SESSION_KEY)
        if user_id is None or session.get(BACKEND_SESSION_KEY) != CACHED_BACKEND:
            return None
        # A session whose second factor is due, or not decided yet, gets MfaMiddleware.
        state = mfa.session_state(request)
        if state is None or state in mfa.PENDING:
            return None
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        namespaces = (CATALOG, learner_namespace(user_id), user_namespace(user_id))
        zone = timezone.get_current_timezone_name()
        parts = signed_in_page_parts(translation.get_language(), currency_for_request(request), zone, user_id)
        # cached_page's key: "page", the parts, then where the page was asked for.
        key = entry_key(
            namespaces, "page", *parts, request.scheme, request.get_host(), request.get_full_path(), zone
        )
        ukey = user_key(user_id)
        version_keys = [version_key(name) for name in namespaces]
        found = cache.get_many([ukey, key, *version_keys])
        if any(found.get(name) is None for name in version_keys):
            return None
        entry = found.get(key)
        version = ".".join(str(found[name]) for name in version_keys)
        if not (isinstance(entry, tuple) and entry[0] == version):
            return None
        user = found.get(ukey)
        if user is None or user.pk != user_id or not user.is_active:
            return None
        session_hash = session.get(HASH_SESSION_KEY)
        if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
            return None
        # What AuthenticationMiddleware would have given the request.
        request.user = request._cached_user = user
        self.csrf.process_request(request)
        response = _answer(request, entry[1])
        response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
        if not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        self.csrf.process_response(request, response)
        return self.frames.process_response(request, response)
