"""Signing in with a mobile number in the storefront API:

- ``POST auth/phone/code/`` ``{"phone"}`` texts a sign-in code (202);
- ``POST auth/phone/token/`` ``{"phone", "code", "otp"?}`` trades it for the API token (a new
  account for a number seen for the first time; ``otp`` for two-factor accounts);
- ``POST me/phone/code/`` and ``PUT me/phone/`` ``{"phone", "code"}`` add the number to the
  signed-in account."""

from django.conf import settings
from django.http import Http404
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import phone
from accounts.models import PhoneCode
from core.api import parsers as api_parsers
from core.client_address import client_ip

from .auth import ErrorSerializer, ObtainTokenView, TokenSerializer


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(
        max_length=32, help_text="E.164 (`+8613800138000`), or a Chinese number as written."
    )


class PhoneCodeSentSerializer(serializers.Serializer):
    phone = serializers.CharField(help_text="The number in E.164.")
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")


class PhoneCodeSerializer(PhoneSerializer):
    code = serializers.CharField(min_length=6, max_length=6)


class PhoneTokenRequestSerializer(PhoneCodeSerializer):
    otp = serializers.CharField(max_length=32, required=False, allow_blank=True)


class PhoneLinkedSerializer(serializers.Serializer):
    phone = serializers.CharField()


def _enabled() -> None:
    if not settings.PHONE_SIGN_IN_ENABLED:
        raise Http404


def _sent(row: PhoneCode) -> Response:
    body = {"phone": row.number, "expires_in": settings.PHONE_CODE_TTL_SECONDS}
    return Response(PhoneCodeSentSerializer(body).data, status=status.HTTP_202_ACCEPTED)


ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer, description="`invalid`, `invalid_phone`, `phone_code_invalid`, `phone_code_expired`"
    ),
    409: OpenApiResponse(ErrorSerializer, description="`phone_taken`"),
    429: OpenApiResponse(ErrorSerializer, description="`throttled`, `too_many_attempts`"),
    503: OpenApiResponse(ErrorSerializer, description="`sms_unavailable`"),
}


class PhoneCodeView(APIView):
    """Text a sign-in code. Limited per number and per client address."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [api_parsers.JSONParser]

    @extend_schema(
        tags=["auth"], request=PhoneSerializer, responses={202: PhoneCodeSentSerializer, **ERRORS}, auth=[]
    )
    def post(self, request):
        _enabled()
        serializer = PhoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = phone.phone_code_request(
            number=serializer.validated_data["phone"],
            purpose=PhoneCode.Purpose.SIGN_IN,
            client_ip=client_ip(request._request),
        )
        return _sent(row)


class PhoneTokenView(ObtainTokenView):
    """Trade a text-message code for the API token (the password door's throttle and second
    factor apply the same)."""

    @extend_schema(
        tags=["auth"],
        request=PhoneTokenRequestSerializer,
        responses={200: TokenSerializer, **ERRORS},
        auth=[],
    )
    def post(self, request):
        _enabled()
        serializer = PhoneTokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = phone.phone_sign_in(
            number=data["phone"], code=data["code"], language=translation.get_language()
        )
        self._second_factor(request, user, data.get("otp", ""))
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)


class MyPhoneCodeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], request=PhoneSerializer, responses={202: PhoneCodeSentSerializer, **ERRORS})
    def post(self, request):
        """Text a code to add this number to the signed-in account."""
        _enabled()
        serializer = PhoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = phone.phone_code_request(
            number=serializer.validated_data["phone"],
            purpose=PhoneCode.Purpose.LINK,
            client_ip=client_ip(request._request),
            user=request.user,
        )
        return _sent(row)


class MyPhoneView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"], request=PhoneCodeSerializer, responses={200: PhoneLinkedSerializer, **ERRORS}
    )
    def put(self, request):
        """Add (or replace) the account's mobile number with the code texted to it."""
        _enabled()
        serializer = PhoneCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        linked = phone.phone_link(
            user=request.user,
            number=serializer.validated_data["phone"],
            code=serializer.validated_data["code"],
        )
        return Response(PhoneLinkedSerializer({"phone": linked.number}).data)
