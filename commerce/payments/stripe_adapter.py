"""Stripe through its official package: PaymentIntents for charges, Refunds, and
``stripe.Webhook`` for signatures (constant-time, via ``hmac.compare_digest``).

Settings: ``STRIPE_API_KEY``, ``STRIPE_WEBHOOK_SECRET`` and ``STRIPE_API_BASE`` (the API
address; tests point it at a fake HTTP server on 127.0.0.1). ``token`` is a Stripe
PaymentMethod id created by Stripe.js in the browser (``pm_...``)."""

import json
from decimal import Decimal

import stripe as stripe_sdk
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from commerce.exceptions import InvalidWebhookPayload, InvalidWebhookSignature, PaymentProviderError

from .base import ChargeResult, PaymentEvent, Provider, RefundResult, to_minor_units

SIGNATURE_HEADER = "Stripe-Signature"
EVENT_KINDS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "failed",
}
PENDING_STATUSES = {"processing", "requires_action", "requires_confirmation", "requires_capture"}


class StripeProvider(Provider):
    name = "stripe"

    def __init__(self) -> None:
        api_key = getattr(settings, "STRIPE_API_KEY", "")
        if not api_key:
            raise ImproperlyConfigured("STRIPE_API_KEY is required for the stripe payment provider")
        base = getattr(settings, "STRIPE_API_BASE", "") or stripe_sdk.DEFAULT_API_BASE
        # Retries are ours to decide: checkout holds row locks while it waits.
        self.client = stripe_sdk.StripeClient(api_key, base_addresses={"api": base}, max_network_retries=0)

    def charge(
        self, *, amount: Decimal, currency: str, token: str, order_number: str, idempotency_key: str
    ) -> ChargeResult:
        params = {
            "amount": to_minor_units(amount, currency),
            "currency": currency.lower(),
            "payment_method": token,
            "confirm": True,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "metadata": {"order_number": order_number},
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": f"charge-{idempotency_key}"}
            )
        except stripe_sdk.CardError as exc:
            body = exc.json_body if isinstance(exc.json_body, dict) else {}
            payment_intent = (body.get("error") or {}).get("payment_intent") or {}
            reference = str(payment_intent.get("id") or "") if isinstance(payment_intent, dict) else ""
            return ChargeResult(
                status="declined", reference=reference, failure_code=exc.code or "card_declined"
            )
        except stripe_sdk.StripeError as exc:
            raise PaymentProviderError() from exc
        if intent.status == "succeeded":
            return ChargeResult(status="succeeded", reference=intent.id)
        if intent.status in PENDING_STATUSES:
            return ChargeResult(status="pending", reference=intent.id)
        return ChargeResult(status="declined", reference=intent.id, failure_code=intent.status or "")

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": reference, "amount": to_minor_units(amount, currency)},
                options={"idempotency_key": f"refund-{idempotency_key}"},
            )
        except stripe_sdk.StripeError as exc:
            raise PaymentProviderError() from exc
        return RefundResult(reference=refund.id)

    def verify_webhook(self, *, body: bytes, headers) -> None:
        secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
        try:
            stripe_sdk.WebhookSignature.verify_header(
                body, headers.get(SIGNATURE_HEADER), secret, tolerance=300
            )
        except (stripe_sdk.SignatureVerificationError, UnicodeDecodeError):
            # The SDK decodes the body as UTF-8 before checking anything.
            raise InvalidWebhookSignature() from None

    def parse_event(self, *, body: bytes) -> PaymentEvent:
        try:
            data = json.loads(body)
            event_id, event_type = str(data["id"]), str(data["type"])
            reference = str(data["data"]["object"]["id"])
        except (ValueError, KeyError, TypeError):
            raise InvalidWebhookPayload() from None
        kind = EVENT_KINDS.get(event_type, "ignored")
        return PaymentEvent(event_id=event_id, kind=kind, reference=reference, event_type=event_type[:64])
