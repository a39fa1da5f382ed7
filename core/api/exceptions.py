"""Every API error has the body ``{"code": ..., "detail": ...}`` in the caller's language."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError
from core.outages import RETRY_AFTER_SECONDS, is_outage, outage_body


def _first_code(codes) -> str:
    if isinstance(codes, dict):
        return _first_code(next(iter(codes.values()), "invalid"))
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "detail": str(exc.message), **exc.extra}
        return Response(body, status=exc.status_code)
    if is_outage(exc):
        # Redis or the broker is down (a throttle, a counter, a task to queue): the client
        # may retry; a 500 would say the request itself was wrong.
        return Response(
            outage_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "detail": _flatten_message(exc.detail),
            "errors": exc.detail,
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"code": _first_code(codes), "detail": _flatten_message(exc.detail)}
        if response.status_code == status.HTTP_404_NOT_FOUND:
            response.data["code"] = "not_found"
    return response


def _flatten_message(detail) -> str:
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        message = _flatten_message(value)
        return message if field == "non_field_errors" else f"{field}: {message}"
    if isinstance(detail, list):
        return _flatten_message(detail[0]) if detail else ""
    return str(detail)
