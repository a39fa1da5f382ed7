"""A provider with no network, for development and tests.

Tokens: ``tok_success`` pays, ``tok_decline`` declines, ``tok_pending`` stays pending
until a signed webhook says ``payment.succeeded`` or ``payment.failed``. Webhooks are
signed like the real ones: header ``Zq-Sandbox-Signature: t=<unix time>,v1=<hex>`` where
``hex = HMAC-SHA256(SANDBOX_WEBHOOK_SECRET, "<t>.<body>")``."""

import hashlib
import hmac
import json
import time
import uuid
from decimal import Decimal

from django.conf import settings

from commerce.exceptions import InvalidWebhookPayload, InvalidWebhookSignature

from .base import ChargeResult, PaymentEvent, Provider, RefundResult

SIGNATURE_HEADER = "Zq-Sandbox-Signature"
TOLERANCE_SECONDS = 300
EVENT_KINDS = {"payment.succeeded": "succeeded", "payment.failed": "failed"}


def webhook_secret() -> str:
    return getattr(settings, "SANDBOX_WEBHOOK_SECRET", "") or "sandbox-webhook-secret"


def sign(body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
    """The header value for ``body`` (used by tests and by the demo's "pay later" page)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new((secret or webhook_secret()).encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class SandboxProvider(Provider):
    name = "sandbox"

    def charge(
        self, *, amount: Decimal, currency: str, token: str, order_number: str, idempotency_key: str
    ) -> ChargeResult:
        reference = f"sbx_{uuid.uuid4().hex}"
        if token == "tok_success":
            return ChargeResult(status="succeeded", reference=reference)
        if token == "tok_pending":
            return ChargeResult(status="pending", reference=reference)
        code = "card_declined" if token == "tok_decline" else "invalid_token"
        return ChargeResult(status="declined", reference=reference, failure_code=code)

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        return RefundResult(reference=f"sbx_re_{uuid.uuid4().hex}")

    def verify_webhook(self, *, body: bytes, headers) -> None:
        header = headers.get(SIGNATURE_HEADER, "") or ""
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        try:
            timestamp = int(parts.get("t", ""))
        except ValueError:
            raise InvalidWebhookSignature() from None
        # Compared as integers: a timestamp of hundreds of digits overflows a float.
        if abs(int(time.time()) - timestamp) > TOLERANCE_SECONDS:
            raise InvalidWebhookSignature()
        expected = sign(body, timestamp=timestamp).split("v1=", 1)[1]
        # Constant time, so the signature cannot be guessed byte by byte from timings.
        if not hmac.compare_digest(expected.encode(), parts.get("v1", "").encode()):
            raise InvalidWebhookSignature()

    def parse_event(self, *, body: bytes) -> PaymentEvent:
        try:
            data = json.loads(body)
            event_id, event_type = str(data["id"]), str(data["type"])
            reference = str(data["data"]["reference"])
        except (ValueError, KeyError, TypeError):
            raise InvalidWebhookPayload() from None
        if not event_id or len(event_id) > 255:
            raise InvalidWebhookPayload()
        kind = EVENT_KINDS.get(event_type, "ignored")
        return PaymentEvent(event_id=event_id, kind=kind, reference=reference, event_type=event_type[:64])
