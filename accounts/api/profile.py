"""``GET/PATCH /api/v1/me/``: the signed-in learner's profile."""

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.timezones import INVALID_ZONE_MESSAGE, zone_is_valid

from ..models import LearnerProfile
from ..services import profile_get_or_create, profile_update


class ProfileSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$", allow_blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. CN; blank for none."
    )
    currency = serializers.ChoiceField(
        source="preferred_currency", choices=settings.CURRENCIES, allow_blank=True
    )
    interests = serializers.ListField(
        child=serializers.SlugField(max_length=80), max_length=50, help_text="Category slugs."
    )
    marketing_consent = serializers.BooleanField()
    marketing_consent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    time_zone = serializers.CharField(
        max_length=64,
        allow_blank=True,
        help_text="IANA name (Asia/Shanghai); blank: the zone the browser reports. Times in "
        "answers are ISO 8601 with the offset of this zone.",
    )

    def validate_time_zone(self, value: str) -> str:
        if value and not zone_is_valid(value):
            raise serializers.ValidationError(INVALID_ZONE_MESSAGE)
        return value


class MeView(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ProfileSerializer

    def _profile(self, request: Request) -> LearnerProfile:
        return profile_get_or_create(user=request.user, language=translation.get_language())

    @extend_schema(tags=["me"], responses=ProfileSerializer)
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(self._profile(request)).data)

    @extend_schema(tags=["me"], request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request: Request) -> Response:
        profile = self._profile(request)
        serializer = ProfileSerializer(profile, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        updated = profile_update(
            user=request.user,
            preferred_language=changes.get("preferred_language", profile.preferred_language),
            country=changes.get("country", profile.country),
            preferred_currency=changes.get("preferred_currency", profile.preferred_currency),
            interests=changes.get("interests", profile.interests),
            marketing_consent=changes.get("marketing_consent", profile.marketing_consent),
            time_zone=changes.get("time_zone", profile.time_zone),
        )
        return Response(ProfileSerializer(updated).data)
