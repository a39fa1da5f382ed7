"""OpenAPI: parameters shared by the storefront endpoints, and the schema class that documents
the error answers of every operation."""

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

LANG_PARAMETER = OpenApiParameter(
    name="lang",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.QUERY,
    required=False,
    enum=[code for code, _ in settings.LANGUAGES],
    description=(
        "Language of the answer; beats the Accept-Language header. Regional variants are "
        "accepted (`zh-CN`, `ja-JP`, `es-MX`); any other value is refused with 400. Translated "
        "texts fall back to English, then Chinese."
    ),
)

CURRENCY_PARAMETER = OpenApiParameter(
    name="currency",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.QUERY,
    required=False,
    enum=list(settings.CURRENCIES),
    description="Currency of the price shown; defaults by language (en USD, zh-hans CNY, ja JPY, es EUR).",
)


# --- Error answers every operation can give --------------------------------------------
# The exception handler gives every error the same body, so the schema documents it once
# and adds the statuses a view can answer from what the view declares, instead of each view
# listing them (and forgetting some): schema fuzzing counts an undocumented status as a
# violation.


class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable error code clients can switch on.")
    detail = serializers.CharField(help_text="Human-readable message in the caller's language.")
    errors = serializers.JSONField(required=False, help_text="Per-field messages of a validation error.")


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a body or query parameter (`lang`, `page_size`, ...) that is not accepted.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The credentials do not allow this operation.",
    "404": "No such object for this caller (or no such page of a list).",
    "415": "The body is not JSON (`Content-Type: application/json`).",
    "429": "Too many requests; retry later.",
}


BODY_METHODS = {"POST", "PUT", "PATCH"}


class AutoSchema(openapi.AutoSchema):
    def _error_statuses(self) -> list[str]:
        view = self.view
        statuses = ["400"]
        permissions = view.get_permissions()
        open_to_all = all(isinstance(p, AllowAny) for p in permissions)
        if not open_to_all:
            # DRF answers 401 when the first authenticator names a WWW-Authenticate scheme.
            statuses += ["401", "403"]
        # A path parameter, a page number, or an object named in the body can be unknown.
        paginated = self._is_list_view() and self._get_paginator()
        if "{" in self.path or paginated or self.method in BODY_METHODS:
            statuses.append("404")
        if self.method in BODY_METHODS:
            statuses.append("415")
        if view.get_throttles():
            statuses.append("429")
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    OpenApiResponse(ApiErrorSerializer, description=ERROR_DESCRIPTIONS[status]),
                    status,
                    direction=direction,
                )
        return responses

    def get_override_parameters(self):
        # ``?lang=`` is read by middleware on every request, so every operation has it.
        parameters = super().get_override_parameters()
        if not any(getattr(p, "name", None) == "lang" for p in parameters):
            parameters = [*parameters, LANG_PARAMETER]
        return parameters
