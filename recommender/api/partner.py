"""Partner API: course recommendations for a pushed customer. Customers have no history
with us, so their list comes from their declared interests and the segment those interests
fit best: stored nightly, or computed at once for a customer pushed since (a fixed number
of queries either way)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.selectors import campaign_get_for_partner
from campaigns.services import MAX_AUDIENCE_CUSTOMERS, campaign_audience_set
from core.exceptions import NotFound, PermissionDenied
from partners.api.auth import PartnerApiMixin
from partners.models import ApiKey
from partners.privacy import suppress_count
from partners.selectors import partner_customer_get
from partners.services import MAX_EXTERNAL_ID_LENGTH, customer_external_hash

from ..audiences import active_segment_catalog, audience_estimate, audience_picks
from ..selectors import recommendations_for_customer
from .storefront import K_PARAMETER, RecommendationListSerializer, _answer, _k


class CustomerRecommendationsView(PartnerApiMixin, APIView):
    required_scope = ApiKey.Scope.PUSH_CUSTOMERS

    @extend_schema(
        tags=["partner: customers"],
        summary="Course recommendations for a pushed customer",
        parameters=[K_PARAMETER],
        responses={200: RecommendationListSerializer, 404: OpenApiResponse(description="No such customer.")},
    )
    def get(self, request, external_id: str):
        k = _k(request)
        external_hash = customer_external_hash(partner=request.partner, external_id=external_id)
        customer = partner_customer_get(partner=request.partner, external_hash=external_hash)
        if customer is None:
            raise NotFound(_("No such customer."), code="not_found")
        return _answer(recommendations_for_customer(customer=customer, k=k))


# --- Campaign audiences -------------------------------------------------------------------


class AudienceInSerializer(serializers.Serializer):
    segments = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=1000),
        required=False,
        max_length=100,
        help_text="Numbers of learner segments of the active recommender version (see `available_segments`).",
    )
    all_customers = serializers.BooleanField(
        required=False, help_text="Every customer your partner pushed with consent."
    )
    customers = serializers.ListField(
        child=serializers.CharField(max_length=MAX_EXTERNAL_ID_LENGTH),
        required=False,
        max_length=MAX_AUDIENCE_CUSTOMERS,
        help_text="Your own pseudonymous customer ids (as pushed); they replace the listed customers. "
        "Omit to keep the list.",
    )

    def validate(self, attrs):
        # Every field may be left out, but not all of them: an empty body is a mistake, not
        # a request to clear the audience (send `"segments": [], "all_customers": false`).
        if not attrs:
            raise serializers.ValidationError(_("Name segments, all_customers or customers."))
        return attrs


class SegmentOutSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    description = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text="null: fewer than `min_group_size` learners.")


class EstimateSerializer(serializers.Serializer):
    total = serializers.IntegerField(
        allow_null=True, help_text="null: fewer than `min_group_size`, or a part is hidden."
    )
    learners = serializers.IntegerField(allow_null=True, help_text="Learners in the chosen segments.")
    customers = serializers.IntegerField(
        allow_null=True, help_text="Consenting pushed customers in the audience."
    )
    suppressed = serializers.BooleanField()
    min_group_size = serializers.IntegerField(source="min_group")


class PickSerializer(serializers.Serializer):
    course = serializers.CharField(source="course.slug")
    title = serializers.CharField(source="course.title")
    score = serializers.FloatField(
        help_text="Mean of the members' scores, each divided by the member's best."
    )
    reach = serializers.FloatField(help_text="Share of the audience whose list holds the course.")


class AudienceSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    segments = SegmentOutSerializer(many=True)
    all_customers = serializers.BooleanField()
    estimate = EstimateSerializer()
    picks = PickSerializer(many=True)
    available_segments = SegmentOutSerializer(many=True)


def _segment_rows(catalog, numbers) -> list[dict]:
    return [
        {"number": n, "description": catalog.labels[n], "size": suppress_count(catalog.sizes.get(n))}
        for n in numbers
        if n in catalog.labels
    ]


def _audience_answer(campaign) -> Response:
    catalog = active_segment_catalog()
    chosen = campaign.audience_segments if campaign.audience_segments_version == catalog.version_id else []
    body = {
        "campaign": campaign.pk,
        "segments": _segment_rows(catalog, chosen),
        "all_customers": campaign.audience_all_customers,
        "estimate": audience_estimate(campaign=campaign),
        "picks": audience_picks(campaign=campaign),
        "available_segments": _segment_rows(catalog, list(catalog.labels)),
    }
    return Response(AudienceSerializer(body).data)


AUDIENCE_ERRORS = {
    400: OpenApiResponse(
        description='`{"code", "detail"}`: `audience_segment_unknown`, `audience_customer_unknown` (not a '
        "customer your partner pushed), `audience_customer_withdrawn`, `audience_too_many_customers`."
    ),
    401: OpenApiResponse(description="Missing, invalid or revoked API key."),
    403: OpenApiResponse(description="`lead_partner_only`, or the key lacks the `manage_campaigns` scope."),
    404: OpenApiResponse(description="No such campaign for this partner."),
    409: OpenApiResponse(description="`campaign_not_editable`: only drafts can be changed."),
}


class CampaignAudienceView(PartnerApiMixin, APIView):
    """The audience of a campaign your partner leads."""

    required_scopes = {"PUT": ApiKey.Scope.MANAGE_CAMPAIGNS}

    def _campaign(self, request, pk: int):
        campaign = campaign_get_for_partner(partner=request.partner, pk=pk)
        if campaign is None:
            raise NotFound(_("No such campaign."))
        if campaign.partner_id != request.partner.pk:
            # The audience names the lead partner's own customers.
            raise PermissionDenied(
                _("Only the lead partner can change this campaign."), code="lead_partner_only"
            )
        return campaign

    @extend_schema(
        tags=["partner: campaigns"],
        summary="A campaign's audience, its estimated size and the recommender's picks",
        description='Sizes below the minimum group size are `null` (shown as "fewer than N"); picks '
        "are courses published and priced in the campaign's currency.",
        responses={200: AudienceSerializer, **{k: AUDIENCE_ERRORS[k] for k in (401, 403, 404)}},
    )
    def get(self, request, pk: int):
        return _audience_answer(self._campaign(request, pk))

    @extend_schema(
        tags=["partner: campaigns"],
        summary="Set a draft's audience",
        description="Fields left out stay as they are. Only drafts can be changed.",
        request=AudienceInSerializer,
        responses={200: AudienceSerializer, **AUDIENCE_ERRORS},
    )
    def put(self, request, pk: int):
        campaign = self._campaign(request, pk)
        serializer = AudienceInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = campaign_audience_set(
            campaign=campaign,
            segments=data.get("segments"),
            all_customers=data.get("all_customers"),
            customer_external_ids=data.get("customers"),
        )
        return _audience_answer(campaign)
