"""Shared, versioned caches for what many visitors read alike (catalog pages and payloads,
landing pages) and conditional GETs.

A *namespace* (``"catalog"``, ``"landing"``) has a version token in the cache; every entry
is stored with the tokens it was built under and read together with the current ones (one
round trip), so one ``namespace_bump`` (on any edit) makes every entry of the namespace stale
at once in every process, without scanning keys. The entries
themselves also expire (``CATALOG_CACHE_SECONDS``), which bounds what changes without an
edit (enrollment counts, seats taken).

Anonymous pages are cached whole. Their forms still need the visitor's own CSRF token, so
the cached HTML holds a placeholder that each response replaces with a fresh token."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date


class _SoftCache:
    """The ``soft`` cache alias (settings: a Redis outage reads as a miss, so catalog pages
    are built from the database instead of failing), looked up per call because cache
    handles are per thread."""

    def __getattr__(self, name: str):
        return getattr(caches["soft"], name)


cache = _SoftCache()
CSRF_PLACEHOLDER = "__zq-csrf-token__"
# Set on a request while its page is rendered for the cache (see core.context_processors).
RENDERING_FOR_CACHE = "_zq_rendering_for_cache"
# Set on a response that is exactly a shared cached answer, the same for every anonymous
# visitor with the same URL, language and time zone: ``core.fast_path`` keeps a copy it can
# serve before the middleware stack runs. A dict: namespaces, version, content (with the
# CSRF placeholder), built, conditional.
SHARED = "_zq_shared"


def version_key(namespace: str) -> str:
    return f"zq:ns:{namespace}"


def _tokens(found: dict, keys: list[str]) -> str:
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            # No token yet (or evicted): start one; a concurrent starter may win, and
            # either way the entries built under the losing token are simply rebuilt.
            cache.add(key, uuid.uuid4().hex[:12], timeout=None)
            token = cache.get(key) or "0"
        tokens.append(str(token))
    return ".".join(tokens)


def namespace_version(*namespaces: str) -> str:
    """The current version tokens of ``namespaces``, joined (one cache round trip)."""
    keys = [version_key(name) for name in namespaces]
    return _tokens(cache.get_many(keys), keys)


def namespace_bump(*namespaces: str) -> None:
    """Invalidate every entry of ``namespaces`` at once (a new token; nothing is deleted)."""
    cache.set_many({version_key(name): uuid.uuid4().hex[:12] for name in namespaces}, timeout=None)


def cache_seconds() -> int:
    return settings.CATALOG_CACHE_SECONDS


def entry_key(namespaces: Iterable[str], *parts: Any) -> str:
    """The key of one entry of ``namespaces``; long parts are hashed."""
    raw = "|".join(str(part) for part in parts)
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"zq:{'+'.join(namespaces)}:{digest}"


def lookup(namespaces: Iterable[str], *parts: Any) -> tuple[str, str, Any]:
    """``(key, version, value)``: the entry is read with the namespace versions in one round
    trip and stored with the versions it was built under, so ``value`` is ``None`` unless
    it was built under the current ones."""
    namespaces = tuple(namespaces)
    key = entry_key(namespaces, *parts)
    version_keys = [version_key(name) for name in namespaces]
    found = cache.get_many([key, *version_keys])
    version = _tokens(found, version_keys)
    entry = found.get(key)
    value = entry[1] if isinstance(entry, tuple) and entry[0] == version else None
    return key, version, value


def store(key: str, version: str, value: Any) -> None:
    cache.set(key, (version, value), timeout=cache_seconds())


def lookup_many(namespaces: Iterable[str], entries: list[tuple]) -> tuple[str, list[str], list[Any]]:
    """``lookup`` of several entries (each given by its parts) in one round trip:
    ``(version, keys, values)``, a value ``None`` unless built under the current versions."""
    namespaces = tuple(namespaces)
    keys = [entry_key(namespaces, *parts) for parts in entries]
    version_keys = [version_key(name) for name in namespaces]
    found = cache.get_many([*keys, *version_keys])
    version = _tokens(found, version_keys)
    values = []
    for key in keys:
        entry = found.get(key)
        values.append(entry[1] if isinstance(entry, tuple) and entry[0] == version else None)
    return version, keys, values


def store_many(version: str, values: dict[str, Any]) -> None:
    """``store`` of several entries (key -> value) in one round trip."""
    if values:
        cache.set_many({key: (version, value) for key, value in values.items()}, timeout=cache_seconds())


def cached(namespaces: Iterable[str], parts: Iterable[Any], build: Callable[[], Any]) -> Any:
    """``build()`` once per version of ``namespaces`` and ``parts``; ``None`` is not cached."""
    key, version, value = lookup(namespaces, *parts)
    if value is None:
        value = build()
        if value is not None:
            store(key, version, value)
    return value


def etag_for(*chunks: bytes | str) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for chunk in chunks:
        digest.update(chunk if isinstance(chunk, bytes) else chunk.encode())
    return f'"{digest.hexdigest()}"'


def not_modified(request: HttpRequest, *, etag: str, last_modified: float | None) -> HttpResponse | None:
    """A 304 when the client's copy (``If-None-Match`` / ``If-Modified-Since``) is current."""
    return get_conditional_response(
        request, etag=etag, last_modified=int(last_modified) if last_modified is not None else None
    )


def set_validators(response: HttpResponse, *, etag: str, last_modified: float | None) -> HttpResponse:
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(int(last_modified))
    # Shared pages may be stored by the browser but must be revalidated before reuse:
    # an edit shows at the next request, and an unchanged page costs a 304.
    response.headers.setdefault("Cache-Control", "max-age=0, must-revalidate")
    return response


def page_is_cacheable(request: HttpRequest) -> bool:
    """Anonymous GETs that change nothing: no pending messages, no currency switch (it is
    stored in the session), no preview parameters."""
    if request.method not in ("GET", "HEAD"):
        return False
    if "messages" in request.COOKIES or "currency" in request.GET:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # A visitor whose session holds something the page shows (the cart: its count in the
    # header, "In cart" on cards) gets their own page, never the shared one.
    session = getattr(request, "session", None)
    keys = getattr(settings, "PAGE_CACHE_BYPASS_SESSION_KEYS", ())
    return not (session is not None and any(session.get(key) for key in keys))


def user_namespace(user_id: int) -> str:
    """What a signed-in visitor's cached pages show of the account itself (the name in the
    header, the partner-portal link): bumped when the user or their partner membership is
    saved."""
    return f"user:{user_id}"


def user_namespace_bump(user_id: int) -> None:
    """Invalidate a signed-in visitor's cached pages now and again at commit (so no request
    caches the old rows between the change and its commit): the header's cart count, unread
    notices, name."""
    from django.db import transaction

    namespace = user_namespace(user_id)
    namespace_bump(namespace)
    transaction.on_commit(lambda: namespace_bump(namespace))


def signed_in_page_is_cacheable(request: HttpRequest) -> bool:
    """A signed-in visitor's GET that changes nothing and shows no pending message (Django's
    message storage reads the session only when the cookie says more wait there, so the
    cookie is the sign of a pending message)."""
    if request.method not in ("GET", "HEAD") or "currency" in request.GET:
        return False
    if "messages" in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def signed_in_page_parts(language: str, currency: str, zone: str, user_id: int) -> tuple:
    """The key parts of a signed-in visitor's cached page (``cached_page`` adds the host and
    the full path)."""
    return ("signed-in", language, currency, zone, "user", user_id)


def cached_page(
    request: HttpRequest,
    namespaces: Iterable[str],
    *parts: Any,
    render: Callable[[], HttpResponse],
    conditional: bool = True,
) -> HttpResponse:
    """The page ``render()`` makes, cached under ``namespaces`` and ``parts`` plus the
    host and full path. Only for pages every anonymous visitor sees alike (the caller
    checks ``page_is_cacheable``); a response that is not a plain 200 or sets a cookie is
    passed through uncached."""
    # Times on a page are in the visitor's zone (core.middleware.UserTimeZoneMiddleware).
    where = (
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        timezone.get_current_timezone_name(),
    )
    key, version, entry = lookup(namespaces, "page", *parts, *where)
    if entry is None:
        setattr(request, RENDERING_FOR_CACHE, True)
        try:
            response = render()
        finally:
            setattr(request, RENDERING_FOR_CACHE, False)
        if hasattr(response, "render"):
            response.render()
        if response.status_code != 200 or response.cookies or getattr(response, "streaming", False):
            return _with_token(request, response)
        entry = {
            "content": response.content,
            "content_type": response.headers.get("Content-Type", "text/html; charset=utf-8"),
            "built": time.time(),
        }
        store(key, version, entry)
    response = _from_entry(request, entry, conditional=conditional)
    if response.status_code == 200:
        setattr(
            response,
            SHARED,
            {
                "namespaces": tuple(namespaces),
                "version": version,
                "content": entry["content"],
                "built": entry["built"],
                "conditional": conditional,
            },
        )
    return response


def anonymous_page_cache(
    *namespaces: str,
    bypass_params: tuple[str, ...] = (),
    signed_in: Callable[[int], tuple[str, ...]] | None = None,
) -> Callable:
    """Serve an anonymous visitor's page from the cache of ``namespaces`` (per language,
    currency, host and full path), with ETag / Last-Modified and 304s. Requests that change
    state and requests with any of ``bypass_params`` (unbounded key spaces such as
    searches) get the view itself.

    With ``signed_in`` (user id -> the namespaces of what the page shows of that learner),
    a signed-in visitor's page is cached too, per user, under ``namespaces``, those and
    ``user_namespace``; it is marked private. Without it signed-in visitors get the view."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if any(request.GET.get(name) for name in bypass_params):
                return view(request, *args, **kwargs)
            from core.money import currency_for_request

            language, currency = translation.get_language(), currency_for_request(request)
            # Times on the page are shown in the visitor's time zone.
            zone = timezone.get_current_timezone_name()
            parts = (view.__module__, view.__name__, language, currency, zone)
            if page_is_cacheable(request):
                return cached_page(request, namespaces, *parts, render=lambda: view(request, *args, **kwargs))
            if signed_in is None or not signed_in_page_is_cacheable(request):
                return view(request, *args, **kwargs)
            user_id = request.user.pk
            response = cached_page(
                request,
                (*namespaces, *signed_in(user_id), user_namespace(user_id)),
                # Without the view's name (the full path names it): the key is then known
                # before URL resolution (courses.signed_in_pages serves it from there).
                *signed_in_page_parts(language, currency, zone, user_id),
                render=lambda: view(request, *args, **kwargs),
            )
            # The learner's own page: browsers may keep it, shared caches may not.
            response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
            return response

        return wrapped

    return decorator


def _with_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if getattr(response, "streaming", False):
        return response
    content = response.content
    if CSRF_PLACEHOLDER.encode() in content:
        response.content = content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    return response


def _from_entry(request: HttpRequest, entry: dict, *, conditional: bool = True) -> HttpResponse:
    content: bytes = entry["content"]
    has_form = CSRF_PLACEHOLDER.encode() in content
    if has_form:
        content = content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    response = HttpResponse(content, content_type=entry["content_type"])
    if not conditional:
        return response
    # A page with a form is only current for the CSRF secret it was sent with.
    etag = etag_for(entry["content"], request.COOKIES.get(settings.CSRF_COOKIE_NAME, "") if has_form else "")
    unchanged = not_modified(request, etag=etag, last_modified=entry["built"])
    if unchanged is not None:
        return unchanged
    return set_validators(response, etag=etag, last_modified=entry["built"])
