"""Partner API: a campaign's metrics at ``campaigns/<id>/metrics/`` (mounted in the
``partner_api`` namespace beside the campaigns endpoints). Scoped to the key's partner:
another partner's campaign answers 404."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.selectors import campaign_get_for_partner
from core.exceptions import NotFound
from partners.api.auth import PartnerApiMixin
from partners.models import ApiKey

from .. import selectors
from ..dates import parse_range

ERRORS = {
    400: OpenApiResponse(description='`{"code", "detail"}`: `invalid_date` (unreadable or too long range).'),
    401: OpenApiResponse(description="Missing, invalid or revoked API key."),
    403: OpenApiResponse(description="The key lacks the `metrics:read` scope."),
    404: OpenApiResponse(description="No such campaign for this partner."),
}


class MetricsResponseSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField())
    totals = serializers.DictField()


class CampaignMetricsView(PartnerApiMixin, APIView):
    required_scope = ApiKey.Scope.READ_METRICS

    @extend_schema(
        tags=["partner: campaigns"],
        summary="Daily metrics",
        description=(
            "Rows computed nightly (all variants and languages together) between `from` and `to` "
            "inclusive (default: the campaign's run so far), and their totals with `ctr` (clicks per "
            "landing view), `cvr` (orders per unique visitor), `roas` (net revenue per spend), `roi` "
            "((net revenue - spend) / spend), conversions, new and returning customers, net revenue, "
            "partner shares, `satisfaction` (share of 4-5 star reviews), `completion_rate` and, in "
            "the totals, `lift` against the control group with its 95% interval. Money and rates are "
            "decimal strings. A count of people between 1 and the minimum group size is hidden "
            "together with every figure derived from the same people: those values are `null`, "
            "`suppressed` is true and `suppressed_groups` names the small counts."
        ),
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
        ],
        responses={
            200: MetricsResponseSerializer,
            400: ERRORS[400],
            401: ERRORS[401],
            403: ERRORS[403],
            404: ERRORS[404],
        },
    )
    def get(self, request, pk: int):
        campaign = campaign_get_for_partner(partner=request.partner, pk=pk)
        if campaign is None:
            raise NotFound(_("No such campaign."))
        date_from, date_to = parse_range(
            request.query_params.get("from"), request.query_params.get("to"), campaign=campaign, strict=True
        )
        result = selectors.campaign_metrics_for_partner(
            campaign=campaign, date_from=date_from, date_to=date_to
        )
        return Response({"rows": result.rows, "totals": result.totals})
