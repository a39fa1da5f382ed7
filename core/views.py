"""Liveness and readiness probes (JSON, no authentication, never cached)."""

import uuid

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found as default_page_not_found
from django.views.defaults import server_error as default_server_error

from core.outages import current_exception_is_outage, outage_response

# A probe must answer within the orchestrator's timeout, so the broker gets one attempt
# with short socket timeouts instead of kombu's default retry loop.
BROKER_PROBE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests; dependencies are readyz's business."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache() -> str:
    # A fresh key and value per probe: parallel probes cannot pass on each other's write.
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, 5)
    try:
        if cache.get(key) != value:
            raise RuntimeError("cache did not return the value it stored")
    finally:
        cache.delete(key)
    return "ok"


def _check_broker() -> str:
    with current_app.connection_for_write(transport_options=BROKER_PROBE_OPTIONS) as conn:
        conn.ensure_connection(max_retries=0)
    return "ok"


PROBES = (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker))


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, the cache and the Celery broker all answer, 503
    otherwise. Failures name only the exception class: the body is public."""
    checks = {}
    for name, check in PROBES:
        try:
            checks[name] = check()
        except Exception as exc:  # a probe reports every failure, whatever its type
            checks[name] = f"error: {exc.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": checks,
        "broker": settings.CELERY_BROKER_URL.split(":")[0],
    }
    return JsonResponse(body, status=200 if ready else 503)


def page_not_found(request, exception=None):
    """API paths answer 404 in the API's error shape; pages get the site's 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": gettext("Not found.")}, status=404)
    return default_page_not_found(request, exception)


def server_error(request):
    """Django calls this while the uncaught exception is being handled: an outage of Redis
    or the broker outside a view (a middleware, a session save) still answers 503."""
    if current_exception_is_outage():
        return outage_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "server_error", "detail": gettext("Server error.")}, status=500)
    return default_server_error(request)
