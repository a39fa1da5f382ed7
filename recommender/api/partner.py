"""Partner API: course recommendations for a pushed customer. Customers have no history
with us, so their list comes from their declared interests and the segment those interests
fit best: stored nightly, or computed at once for a customer pushed since (a fixed number
of queries either way)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from core.exceptions import NotFound
from partners.api.auth import PartnerApiMixin
from partners.models import ApiKey
from partners.selectors import partner_customer_get
from partners.services import customer_external_hash

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
