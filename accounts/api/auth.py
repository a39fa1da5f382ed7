"""``POST /api/v1/auth/token/``: trade a username and password for an API token."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api import parsers as api_parsers
from core.exceptions import ApplicationError


class InvalidCredentials(ApplicationError):
    # Lives beside the one view that raises it: signing in on the web uses Django's form.
    code = "invalid_credentials"
    status_code = 400

    def default_message(self):
        return _("The username or password is not correct.")


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class ObtainTokenView(APIView):
    """The learner's API token (the same one on every call until it is deleted)."""

    permission_classes = [AllowAny]
    # No session authentication here: a token request carries no CSRF token.
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    # A form post too (``curl -d username=... -d password=...`` in the README).
    parser_classes = [api_parsers.JSONParser, parsers.FormParser]

    @extend_schema(
        tags=["auth"],
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="`invalid` or `invalid_credentials`"),
            429: OpenApiResponse(ErrorSerializer, description="`throttled`"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            raise InvalidCredentials()
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data, status=status.HTTP_200_OK)
