"""The API exception handler: every error body is ``{"code", "detail"}``."""

import pytest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework import exceptions

from core.api.exceptions import exception_handler
from core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied


class SeatsGone(Conflict):
    code = "sold_out"

    def default_message(self):
        return gettext_lazy("This field is required.")  # a msgid Django ships translated


def handle(exc):
    # Requests in other tests leave their language active in this thread.
    with translation.override("en"):
        response = exception_handler(exc, {})
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (ApplicationError("Nope"), 400, {"code": "invalid", "detail": "Nope"}),
        (ApplicationError(code="too_late", status_code=410), 410, {"code": "too_late", "detail": "too_late"}),
        (NotFound("Gone"), 404, {"code": "not_found", "detail": "Gone"}),
        (PermissionDenied("No"), 403, {"code": "permission_denied", "detail": "No"}),
        (Conflict("Busy", extra={"retry": 3}), 409, {"code": "conflict", "detail": "Busy", "retry": 3}),
        (Http404("secret path"), 404, {"code": "not_found", "detail": "Not found."}),
        (
            DjangoPermissionDenied(),
            403,
            {"code": "permission_denied", "detail": "You do not have permission to perform this action."},
        ),
        (
            exceptions.NotAuthenticated(),
            401,
            {"code": "not_authenticated", "detail": "Authentication credentials were not provided."},
        ),
        (exceptions.NotFound("Invalid page."), 404, {"code": "not_found", "detail": "Invalid page."}),
        (
            exceptions.MethodNotAllowed("PUT"),
            405,
            {"code": "method_not_allowed", "detail": 'Method "PUT" not allowed.'},
        ),
        (
            exceptions.Throttled(wait=30),
            429,
            {"code": "throttled", "detail": "Request was throttled. Expected available in 30 seconds."},
        ),
    ],
)
def test_exceptions_become_code_and_detail(exc, status, body):
    assert handle(exc) == (status, body)


def test_validation_error_names_the_first_field_and_keeps_all_errors():
    exc = exceptions.ValidationError({"price_min": ["Enter a number."], "format": ["Bad choice."]})

    status, body = handle(exc)

    assert status == 400
    assert body == {
        "code": "invalid",
        "detail": "price_min: Enter a number.",
        "errors": {"price_min": ["Enter a number."], "format": ["Bad choice."]},
    }


def test_non_field_and_nested_validation_errors_read_plainly():
    non_field = exceptions.ValidationError({"non_field_errors": ["Dates overlap."]})
    nested = exceptions.ValidationError({"items": [{"course": ["Unknown course."]}]})
    bare = exceptions.ValidationError("Broken.")

    assert handle(non_field)[1]["detail"] == "Dates overlap."
    assert handle(nested)[1]["detail"] == "items: course: Unknown course."
    assert handle(bare)[1]["detail"] == "Broken."


def test_application_error_message_is_rendered_in_the_active_language():
    with translation.override("zh-hans"):
        response = exception_handler(SeatsGone(), {})
    status, body = response.status_code, response.data

    assert status == 409
    assert body == {"code": "sold_out", "detail": "该字段是必填项。"}


def test_unexpected_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None


@pytest.mark.django_db
def test_validation_errors_come_back_in_the_requests_language(api_client):
    response = api_client.post("/api/v1/auth/token/?lang=ja", {"password": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == "username: この項目は必須です。"
