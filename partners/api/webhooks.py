"""Partner API: webhook endpoints, their deliveries, redelivery and a test event (scope
``webhooks:write``). Scoped to the key's partner: another partner's endpoint is a 404."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import NotFound
from partners.api.auth import PartnerApiMixin
from partners.models import ApiKey, WebhookDelivery, WebhookEndpoint
from partners.webhooks import (
    EVENTS,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_ping,
    webhook_redeliver,
)

TAG = "partner: webhooks"
ERRORS = {
    400: OpenApiResponse(
        description='`{"code", "detail"}`: `invalid_webhook_url`, `invalid_webhook_events`.'
    ),
    401: OpenApiResponse(description="Missing, invalid or revoked API key."),
    403: OpenApiResponse(description="The key lacks the `webhooks:write` scope."),
    404: OpenApiResponse(description="No such endpoint or delivery for this partner."),
}


class EndpointSerializer(serializers.ModelSerializer):
    url = serializers.CharField(max_length=500, help_text="https:// address that receives the events.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS), min_length=1, max_length=20)
    secret = serializers.CharField(read_only=True, help_text="Signs every request (HMAC-SHA256).")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "secret",
            "is_active",
            "disabled_reason",
            "created_at",
        ]
        read_only_fields = ["id", "secret", "is_active", "disabled_reason", "created_at"]


class EndpointUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(required=False, max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENTS), required=False, min_length=1, max_length=20
    )
    is_active = serializers.BooleanField(required=False)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_latency_ms",
            "last_response",
            "last_error",
            "delivered_at",
            "created_at",
        ]


class _Scoped(PartnerApiMixin):
    required_scope = ApiKey.Scope.MANAGE_WEBHOOKS

    def endpoint(self, pk: int) -> WebhookEndpoint:
        found = WebhookEndpoint.objects.filter(partner=self.request.partner, pk=pk).first()
        if found is None:
            raise NotFound(code="webhook_not_found")
        return found


@extend_schema(tags=[TAG])
class EndpointListView(_Scoped, generics.ListAPIView):
    """The partner's endpoints; POST registers one (the response shows its secret)."""

    serializer_class = EndpointSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.filter(partner=self.request.partner).order_by("id")

    @extend_schema(request=EndpointSerializer, responses={201: EndpointSerializer, **ERRORS})
    def post(self, request):
        data = EndpointSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(partner=request.partner, **data.validated_data)
        return Response(EndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class EndpointDetailView(_Scoped, APIView):
    @extend_schema(responses={200: EndpointSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(EndpointSerializer(self.endpoint(pk)).data)

    @extend_schema(request=EndpointUpdateSerializer, responses={200: EndpointSerializer, **ERRORS})
    def patch(self, request, pk: int):
        data = EndpointUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_update(endpoint=self.endpoint(pk), **data.validated_data)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, pk: int):
        self.endpoint(pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=[TAG], responses={200: DeliverySerializer(many=True), **ERRORS})
class DeliveryListView(_Scoped, generics.ListAPIView):
    """An endpoint's deliveries, the latest first, with status, latency and response excerpt."""

    serializer_class = DeliverySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return WebhookDelivery.objects.filter(endpoint=self.endpoint(self.kwargs["pk"])).order_by("-id")


@extend_schema(tags=[TAG], request=None, responses={202: DeliverySerializer, **ERRORS})
class RedeliverView(_Scoped, APIView):
    """Send a delivery again now, with the same event id."""

    def post(self, request, pk: int, delivery_id: int):
        delivery = WebhookDelivery.objects.filter(endpoint=self.endpoint(pk), pk=delivery_id).first()
        if delivery is None:
            raise NotFound(code="webhook_delivery_not_found")
        return Response(DeliverySerializer(webhook_redeliver(delivery=delivery)).data, status=202)


@extend_schema(tags=[TAG], request=None, responses={202: DeliverySerializer, **ERRORS})
class PingView(_Scoped, APIView):
    """Queue a ``ping`` event to check the endpoint and its signature check."""

    def post(self, request, pk: int):
        return Response(DeliverySerializer(webhook_ping(endpoint=self.endpoint(pk))).data, status=202)
