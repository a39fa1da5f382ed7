"""Storefront API of campaigns: a learner claims the membership an alliance campaign gives
its partners' customers."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Campaign
from ..services.grants import campaign_plan_grant


class PlanGrantRequestSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=200, help_text="The customer reference the partner gave the learner (link or code)."
    )

    def to_internal_value(self, data):
        # CharField turns numbers into text; a reference is text as the partner wrote it, and
        # printable (no NUL, no noncharacters).
        value = data.get("external_id") if isinstance(data, dict) else None
        if value is not None and (not isinstance(value, str) or not value.isprintable()):
            raise serializers.ValidationError({"external_id": [_("Send the reference as printable text.")]})
        return super().to_internal_value(data)


class PlanGrantSerializer(serializers.Serializer):
    plan = serializers.CharField(source="plan.slug")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class CampaignPlanGrantView(APIView):
    """Claim the campaign's free membership as one of its partners' customers (with a
    data-sharing consent to that partner). Claiming again returns the same grant."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PlanGrantRequestSerializer, responses={201: PlanGrantSerializer})
    def post(self, request, slug: str):
        serializer = PlanGrantRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = get_object_or_404(Campaign.objects.select_related("granted_plan"), slug=slug)
        entitlement = campaign_plan_grant(
            campaign=campaign, user=request.user, external_id=serializer.validated_data["external_id"]
        )
        return Response(PlanGrantSerializer(entitlement).data, status=status.HTTP_201_CREATED)
