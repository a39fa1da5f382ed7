"""OpenAPI parameters shared by the storefront endpoints."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

LANG_PARAMETER = OpenApiParameter(
    name="lang",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.QUERY,
    required=False,
    enum=[code for code, _ in settings.LANGUAGES],
    description=(
        "Language of the answer; beats the Accept-Language header. An unknown code is ignored "
        "(the header decides, then English). Translated texts fall back to English, then Chinese."
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
