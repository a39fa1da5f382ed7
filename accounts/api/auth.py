"""``POST /api/v1/auth/token/``: trade a username and password for an API token."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import mfa
from accounts.exceptions import MfaEnrolmentRequired, OtpInvalid, OtpRequired
from accounts.lockout import lockout_message
from core.api import parsers as api_parsers
from core.api.throttling import AtomicScopedRateThrottle
from core.exceptions import ApplicationError


class InvalidCredentials(ApplicationError):
    # Lives beside the one view that raises it: signing in on the web uses Django's form.
    code = "invalid_credentials"
    status_code = 400

    def default_message(self):
        return _("The username or password is not correct.")


class AccountLocked(ApplicationError):
    code = "locked_out"
    status_code = 429

    def default_message(self):
        return lockout_message()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=(
            "Accounts with two-factor authentication: the 6-digit code from the authenticator app "
            "or a recovery code."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class ObtainTokenView(APIView):
    """The learner's API token (the same one on every call until it is deleted).

    Every request counts against the client address's "auth" budget, shared with the web
    sign-in doors (atomic, in Redis); django-axes locks an address or a username out after
    repeated failures; accounts with two-factor authentication also send ``otp``."""

    permission_classes = [AllowAny]
    # No session authentication here: a token request carries no CSRF token.
    authentication_classes: list = []
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = "auth"
    # A form post too (``curl -d username=... -d password=...`` in the README).
    parser_classes = [api_parsers.JSONParser, parsers.FormParser]

    @extend_schema(
        tags=["auth"],
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="`invalid`, `invalid_credentials`, `otp_required`, `otp_invalid`"
            ),
            403: OpenApiResponse(ErrorSerializer, description="`mfa_enrolment_required`"),
            429: OpenApiResponse(
                ErrorSerializer, description="`throttled`, `locked_out`, `too_many_attempts`"
            ),
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
        exhausted = getattr(request._request, "account_attempts_exhausted", None)
        if exhausted is not None:
            raise AccountLocked(lockout_message(exhausted))
        if getattr(request._request, "axes_locked_out", False):
            raise AccountLocked()
        if user is None:
            raise InvalidCredentials()
        self._second_factor(request, user, serializer.validated_data.get("otp", ""))
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data, status=status.HTTP_200_OK)

    def _second_factor(self, request: Request, user, otp: str) -> None:
        state = mfa.mfa_state_for(user)
        if state == mfa.ENROL:
            raise MfaEnrolmentRequired()
        if state != mfa.VERIFY:
            return
        if not otp:
            raise OtpRequired()
        try:
            mfa.mfa_code_check(user=user, token=otp)
        except OtpInvalid:
            mfa.second_factor_failed(request._request, user)
            if getattr(request._request, "axes_locked_out", False):
                raise AccountLocked() from None
            raise
