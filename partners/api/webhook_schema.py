"""The webhooks section of the OpenAPI schema (OAS 3.1): one entry per event a partner
can subscribe to, with the body Zhiqiao POSTs and the headers that sign it."""

from drf_spectacular.utils import OpenApiParameter, OpenApiWebhook, extend_schema
from rest_framework import serializers

from partners.models import WebhookEndpoint


class WebhookEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The event id: the same on every retry and redelivery.")
    type = serializers.ChoiceField(choices=WebhookEndpoint.Event.choices)
    created = serializers.DateTimeField()
    data = serializers.DictField(
        help_text="Campaign, code, order and amount fields of the event; never a learner's name or contact."
    )


HEADERS = [
    OpenApiParameter("Zhiqiao-Event", str, OpenApiParameter.HEADER, description="The event type."),
    OpenApiParameter("Zhiqiao-Event-Id", str, OpenApiParameter.HEADER, description="Idempotency key."),
    OpenApiParameter(
        "Zhiqiao-Delivery-Attempt", int, OpenApiParameter.HEADER, description="1 on the first try."
    ),
    OpenApiParameter(
        "Zhiqiao-Signature",
        str,
        OpenApiParameter.HEADER,
        description='"t=<unix time>,v1=<hex HMAC-SHA256 of \\"<t>.<raw body>\\" keyed with the secret>".',
    ),
]


def _webhook(event: str, label) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event,
        decorator=extend_schema(
            summary=str(label),
            description=(
                "POSTed to every endpoint subscribed to this event. Answer 2xx within 10 s; anything else "
                "is retried with doubling delays for a day, in order per endpoint."
            ),
            parameters=HEADERS,
            request=WebhookEventSerializer,
            responses={200: None},
        ),
    )


# One module attribute per event: SPECTACULAR_SETTINGS["WEBHOOKS"] names them one by one.
LABELS = dict(WebhookEndpoint.Event.choices)
attribution_created = _webhook("attribution.created", LABELS["attribution.created"])
code_redeemed = _webhook("code.redeemed", LABELS["code.redeemed"])
order_refunded = _webhook("order.refunded", LABELS["order.refunded"])
enrollment_completed = _webhook("enrollment.completed", LABELS["enrollment.completed"])
campaign_status_changed = _webhook("campaign.status_changed", LABELS["campaign.status_changed"])
metrics_daily_ready = _webhook("metrics.daily_ready", LABELS["metrics.daily_ready"])
customer_consent_withdrawn = _webhook("customer.consent_withdrawn", LABELS["customer.consent_withdrawn"])
ping = _webhook("ping", LABELS["ping"])
