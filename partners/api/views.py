"""Partner API: pushed customers. Every object is scoped to the key's partner."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.auth import PartnerApiMixin
from partners.api.serializers import (
    CustomerInSerializer,
    CustomerOutSerializer,
    CustomerPushResultSerializer,
    CustomerPushSerializer,
)
from partners.models import ApiKey, PartnerCustomer
from partners.selectors import partner_customer_list
from partners.services import partner_customer_withdraw, partner_customers_upsert

ERROR_RESPONSES = {
    400: OpenApiResponse(
        description='`{"code", "detail", "errors"}`; codes include `consent_required`, '
        "`raw_contact_data`, `unknown_interest`, `duplicate_external_id`."
    ),
    401: OpenApiResponse(description="Missing, invalid or revoked API key."),
    403: OpenApiResponse(description="The key lacks the `customers:write` scope."),
    429: OpenApiResponse(description="Too many requests for this key."),
}


class CustomerListView(PartnerApiMixin, generics.ListAPIView):
    required_scope = ApiKey.Scope.PUSH_CUSTOMERS
    serializer_class = CustomerOutSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartnerCustomer.objects.none()
        return partner_customer_list(partner=self.request.partner)

    @extend_schema(
        tags=["partner: customers"],
        summary="List pushed customers",
        description="Customers your key's partner pushed and who still consent, newest change first.",
        responses={
            200: CustomerOutSerializer(many=True),
            **{k: v for k, v in ERROR_RESPONSES.items() if k != 400},
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["partner: customers"],
        summary="Push customers (idempotent upsert)",
        description=(
            "Creates or updates customers by `external_id`, all or nothing: one bad entry rejects the "
            "batch and the answer lists `errors` as `{index, code, detail}`. Every customer needs "
            "`consent: true`. We store your id hashed again with a secret of ours, never in clear. "
            "Repeating the same push changes nothing (`unchanged`)."
        ),
        request=CustomerPushSerializer,
        responses={200: CustomerPushResultSerializer, **ERROR_RESPONSES},
    )
    def post(self, request):
        serializer = CustomerPushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counts = partner_customers_upsert(
            partner=request.partner, customers=serializer.validated_data["customers"]
        )
        return Response(CustomerPushResultSerializer(counts).data, status=status.HTTP_200_OK)


class CustomerDetailView(PartnerApiMixin, APIView):
    required_scope = ApiKey.Scope.PUSH_CUSTOMERS
    serializer_class = CustomerInSerializer

    @extend_schema(
        tags=["partner: customers"],
        summary="Withdraw a pushed customer",
        description="The customer withdrew consent: they disappear from every list at once.",
        request=None,
        responses={204: None, 404: OpenApiResponse(description="No such customer for this partner.")},
    )
    def delete(self, request, external_id: str):
        partner_customer_withdraw(partner=request.partner, external_id=external_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
