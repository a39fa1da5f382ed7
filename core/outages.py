"""Degrade, don't crash: what happens to a request when Redis, the Celery broker or the
database connection is down.

Caches that only speed pages up treat an outage as a miss (the ``soft`` cache alias, with
django-redis ``IGNORE_EXCEPTIONS``), so the catalog and course pages keep answering 200.
Everything that must not silently pass without Redis (throttles, failed-code counters, a
session or a task that has to be queued) raises; such a request answers **503** instead of
500: ``{"code": "service_unavailable", "detail"}`` on the APIs, a localized page
elsewhere, with ``Retry-After``. Nothing here keeps state, so when Redis comes back the
next request simply succeeds (redis-py reconnects on its own).
"""

import sys

from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A retry after this many seconds usually finds Redis restarted by its supervisor.
RETRY_AFTER_SECONDS = 30


def _outage_errors() -> tuple[type[BaseException], ...]:
    # A database connection lost in the middle of a request (PostgreSQL restarted, a failover,
    # pgbouncer recycling) is an outage too: DB-API's OperationalError means "not the
    # request's fault"; the next request gets a fresh connection.
    errors: list[type[BaseException]] = [
        RedisConnectionError,
        RedisTimeoutError,
        BrokerUnavailable,
        DatabaseOperationalError,
        DatabaseInterfaceError,
    ]
    try:
        from django_redis.exceptions import ConnectionInterrupted
    except ImportError:  # pragma: no cover - django-redis is in requirements.txt
        pass
    else:
        errors.append(ConnectionInterrupted)
    return tuple(errors)


OUTAGE_ERRORS = _outage_errors()


def is_outage(exc: BaseException | None) -> bool:
    """True for an error that says a shared service is unreachable, also when it is the
    cause of another error (Celery and DRF wrap exceptions)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OUTAGE_ERRORS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def outage_detail() -> str:
    return gettext("The service is temporarily unavailable. Please try again in a moment.")


def outage_body() -> dict[str, str]:
    return {"code": "service_unavailable", "detail": outage_detail()}


def outage_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(outage_body(), status=503)
    else:
        # A page of its own (not base.html), rendered without the request: the header of
        # the site and the context processors (the session's currency) may need the very
        # service that is down. The language is already active.
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def current_exception_is_outage() -> bool:
    return is_outage(sys.exc_info()[1])
