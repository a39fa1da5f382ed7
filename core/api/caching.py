"""Shared-cache reads for DRF endpoints whose answer depends only on the URL, the language,
the currency (and, for per-learner lists, the learner): the serialized payload is cached
under versioned namespaces (``core.caching``) and served with ETag / Last-Modified, and a
conditional GET that still matches answers 304 without touching the database."""

import json
import time
from collections.abc import Callable

from django.http import HttpResponse
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.caching import SHARED, etag_for, lookup, not_modified, set_validators, store
from core.money import currency_for_request


class SharedCacheMixin:
    """Put before the DRF view class; ``cache_namespaces`` names what invalidates it."""

    cache_namespaces: tuple[str, ...] = ("catalog",)
    # Query parameters whose presence bypasses the cache (unbounded key spaces).
    cache_bypass_params: tuple[str, ...] = ()

    def get_cache_namespaces(self, request: Request) -> tuple[str, ...]:
        return self.cache_namespaces

    def get(self, request: Request, *args, **kwargs):
        return self.cached_get(request, lambda: super(SharedCacheMixin, self).get(request, *args, **kwargs))

    def cached_get(self, request: Request, build: Callable[[], Response]):
        """``build()``'s answer from the shared cache; only 200s are cached."""
        if any(request.query_params.get(name) for name in self.cache_bypass_params):
            return build()
        namespaces = self.get_cache_namespaces(request)
        key, version, entry = lookup(
            namespaces,
            "api",
            type(self).__name__,
            translation.get_language(),
            currency_for_request(request),
            request.scheme,
            request.get_host(),
            request.get_full_path(),
        )
        if entry is None:
            response = build()
            if response.status_code != 200:
                return response
            # The JSON as DRF's renderer writes it, so a hit serves bytes without
            # serializing again; other renderers (the browsable API) get the data.
            body = JSONRenderer().render(response.data)
            entry = {"data": json.loads(body), "json": body, "etag": etag_for(body), "built": time.time()}
            store(key, version, entry)
        unchanged = not_modified(request, etag=entry["etag"], last_modified=entry["built"])
        if unchanged is not None:
            return unchanged
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(renderer, JSONRenderer) and request.accepted_media_type == "application/json":
            response = HttpResponse(entry["json"], content_type="application/json")
            response.headers["Vary"] = "Accept"
            response.data = entry["data"]  # what DRF's test client reads
            # Bytes every caller of this URL, language and Accept gets (core.fast_path).
            shared = {"namespaces": tuple(namespaces), "version": version, "content": entry["json"]}
            setattr(response, SHARED, {**shared, "built": entry["built"], "conditional": True})
        else:
            response = Response(entry["data"])
        return set_validators(response, etag=entry["etag"], last_modified=entry["built"])
