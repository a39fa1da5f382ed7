"""Liveness and readiness probes."""

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache() -> str:
    cache.set("readyz", "1", 5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not return the value it stored")
    return "ok"


def _check_broker() -> str:
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


def readyz(request):
    checks = {}
    probes = (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker))
    for name, check in probes:
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
