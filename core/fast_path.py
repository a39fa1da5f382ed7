"""Anonymous cached GETs served before the middleware stack runs (issue 9).

A cache hit of a shared catalog page or API answer (``core.caching``) used to pay the whole
stack first: sessions, locale, time zone, CSRF, authentication, messages, CSP, DRF's
negotiation and authentication classes, URL resolving. ``AnonymousFastPathMiddleware`` is
the first middleware: for a GET that carries no credential and no session it computes a key
from everything the shared answer depends on (scheme, host, path and query, the language
LocaleMiddleware would choose, the time zone cookie, the Accept header) and reads that key
and the namespace versions in one Redis round trip (MGET). A current entry is answered at
once; anything else goes down the stack as before.

Entries are only ever written from a response the full stack made for a request with the
same key: ``core.caching`` marks a response that is exactly a shared cached answer
(``SHARED``), and this middleware copies it (body with the CSRF placeholder, headers, the
namespace versions it was built under) when the request was anonymous and the response set
no cookie but the CSRF one. So whatever the stack would refuse, redirect or personalise
(an HTTP request under SECURE_SSL_REDIRECT, a disallowed host, a visitor with a session
holding a cart, a search) never gets an entry. An edit bumps the namespace version
(``core.caching.namespace_bump``): the next read sees the entry is stale and the stack
rebuilds it. Pages with a form still get the visitor's own CSRF token (and cookie), and
conditional GETs answer 304 as the stack does."""

from __future__ import annotations

import hashlib
import json
import re
import time
from functools import cached_property

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation

from core.caching import (
    CSRF_PLACEHOLDER,
    SHARED,
    cache,
    cache_seconds,
    etag_for,
    not_modified,
    version_key,
)
from core.csrf_tokens import csrf_token
from core.timezones import request_zone_name

# The namespaces whose entries may be served here: their versions are read with every entry.
FAST_NAMESPACES = ("catalog",)
_VERSION_KEYS = [version_key(name) for name in FAST_NAMESPACES]
_PLACEHOLDER = CSRF_PLACEHOLDER.encode()
# Paths that never have a shared anonymous entry (tracking links and landing pages record a
# touch per visit; static files, the admin, the partner API, the doors): they skip the
# fast path's Redis read.
_NEVER = re.compile(
    r"^/(?:t/|r/|static/|media/|admin/|i18n/|healthz|readyz|api/partner/|api/schema|api/docs"
    r"|accounts/|[^/]+/(?:c|accounts|partner|partners)/)"
)
# Headers computed per response, not copied from the stored one.
_PER_RESPONSE = {"content-length", "etag", "set-cookie"}
# What a 304 keeps of the page's headers (the stack's 304 has no body headers, no validators).
_NOT_ON_304 = {"content-type", "content-length", "etag", "last-modified", "cache-control"}


class _FastResponse(HttpResponse):
    """An answer from the fast path; ``data`` (what DRF's test client reads on an API
    answer) is decoded only if someone asks."""

    @cached_property
    def data(self):
        return json.loads(self.content)


def fast_key(request) -> str | None:
    """The entry key of an anonymous GET, or ``None`` when the request may not be served
    from the fast path (credentials, a session, a pending message, a currency switch)."""
    if request.method != "GET" or _NEVER.match(request.path_info):
        return None
    meta = request.META
    # DRF's test client's force_authenticate() signs a request in without any header.
    if "HTTP_AUTHORIZATION" in meta or getattr(request, "_force_auth_user", None) is not None:
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return None
    if "currency" in request.GET:
        return None
    try:
        host = request.get_host()
    except DisallowedHost:  # the stack answers it (400)
        return None
    # The language LocaleMiddleware will activate (path prefix, cookie, Accept-Language);
    # ``?lang=`` is part of the full path.
    language = translation.get_language_from_request(request, check_path=True)
    raw = "|".join(
        (
            request.scheme,
            host,
            request.get_full_path(),
            language,
            request_zone_name(request),
            meta.get("HTTP_ACCEPT", ""),
        )
    )
    return "zq:fast:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


class AnonymousFastPathMiddleware:
    """First in MIDDLEWARE. See the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Only its cookie reading and setting are used, the same code the stack runs.
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        key = fast_key(request)
        if key is None:
            return self.get_response(request)
        found = cache.get_many([key, *_VERSION_KEYS])
        entry = found.get(key)
        if entry is not None:
            versions = [found.get(name) for name in _VERSION_KEYS]
            if entry["versions"] == versions and None not in versions:
                return self._serve(request, entry)
        response = self.get_response(request)
        self._remember(request, response, key)
        return response

    def _serve(self, request, entry: dict) -> HttpResponse:
        content: bytes = entry["content"]
        etag = entry["etag"]
        if entry["has_form"]:
            # As core.caching._from_entry: the visitor's token (a new cookie if they have
            # none), and an ETag that is only current for the CSRF secret it was sent with.
            self.csrf.process_request(request)
            content = content.replace(_PLACEHOLDER, csrf_token(request).encode())
            etag = etag_for(entry["content"], request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""))
        response = None
        if entry["conditional"]:
            unchanged = not_modified(request, etag=etag, last_modified=entry["built"])
            if unchanged is not None:
                response = HttpResponseNotModified()
                for name, value in entry["headers"]:
                    if name.lower() not in _NOT_ON_304:
                        response.headers[name] = value
        if response is None:
            response = _FastResponse(content)
            for name, value in entry["headers"]:
                response.headers[name] = value
            if entry["conditional"]:
                response.headers["ETag"] = etag
            if entry["content_length"]:
                response.headers["Content-Length"] = str(len(content))
        if entry["has_form"]:
            response = self.csrf.process_response(request, response)
        return response

    def _remember(self, request, response, key: str) -> None:
        shared = getattr(response, SHARED, None)
        if shared is None or response.status_code != 200 or getattr(response, "streaming", False):
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return
        if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
            return
        namespaces, version = shared["namespaces"], shared["version"]
        if tuple(namespaces) != FAST_NAMESPACES:
            return
        versions = version.split(".")
        headers = [
            (name, value) for name, value in response.headers.items() if name.lower() not in _PER_RESPONSE
        ]
        entry = {
            "versions": versions,
            "content": shared["content"],
            "has_form": _PLACEHOLDER in shared["content"],
            "etag": response.headers.get("ETag"),
            "built": shared["built"],
            "conditional": shared["conditional"],
            "headers": headers,
            "content_length": response.has_header("Content-Length"),
        }
        # No longer than the shared entry it copies lives: counters that change without an
        # edit (enrollments, seats) are as fresh as before.
        left = cache_seconds() - (time.time() - shared["built"])
        if left >= 1:
            cache.set(key, entry, timeout=int(left))
