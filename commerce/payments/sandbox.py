"""A provider with no network, for development and tests.

Tokens: ``tok_success`` pays, ``tok_decline`` declines, ``tok_pending`` stays pending
until a signed webhook says ``payment.succeeded`` or ``payment.failed``. Charges and refunds
are idempotent by key and stored in ``SandboxCharge`` (the sandbox's own books), so a retry
or the reconciler sees the same charge a real provider would. Webhooks are
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
from commerce.models import SandboxCharge

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
    # A renewal is charged to the test card's token of the first payment.
    charges_off_session = True

    def _record(self, *, key: str, **fields) -> SandboxCharge:
        # Its own autocommitted write (or savepoint): like a remote provider, the charge
        # exists whatever happens to the caller's transaction afterwards.
        # INSERT ... ON CONFLICT DO NOTHING, then read what the key holds: two queries and
        # no savepoint, the first answer kept for the key as a remote provider would.
        SandboxCharge.objects.bulk_create(
            [SandboxCharge(idempotency_key=key, **fields)], ignore_conflicts=True
        )
        return SandboxCharge.objects.get(idempotency_key=key)

    def charge(
        self,
        *,
        amount: Decimal,
        currency: str,
        token: str,
        order_number: str,
        idempotency_key: str,
        customer: str = "",
        save_method: bool = False,
        off_session: bool = False,
    ) -> ChargeResult:
        # ``tok_success_<card>`` pays like ``tok_success`` with a card the sandbox can tell
        # apart (its payer fingerprint), for tests of rules that compare payers.
        card = token.removeprefix("tok_success_") if token.startswith("tok_success_") else ""
        if token == "tok_success" or card:
            status, code = "succeeded", ""
        elif token == "tok_pending":
            status, code = "pending", ""
        else:
            status, code = "declined", "card_declined" if token == "tok_decline" else "invalid_token"
        record = self._record(
            key=f"charge-{idempotency_key}",
            kind=SandboxCharge.Kind.CHARGE,
            order_number=order_number,
            reference=f"sbx_{uuid.uuid4().hex}",
            status=status,
            failure_code=code,
            amount=amount,
            currency=currency,
        )
        return ChargeResult(
            status=record.status,
            reference=record.reference,
            failure_code=record.failure_code,
            payer=f"sandbox-card:{card[:64]}" if card else "",
        )

    def lookup_charge(
        self, *, order_number: str, reference: str, idempotency_key: str
    ) -> ChargeResult | None:
        records = SandboxCharge.objects.filter(kind=SandboxCharge.Kind.CHARGE)
        record = (
            records.filter(reference=reference).first()
            if reference
            else records.filter(order_number=order_number).order_by("-id").first()
        )
        if record is None:
            return None
        return ChargeResult(
            status=record.status, reference=record.reference, failure_code=record.failure_code
        )

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        record = self._record(
            key=f"refund-{idempotency_key}",
            kind=SandboxCharge.Kind.REFUND,
            reference=f"sbx_re_{uuid.uuid4().hex}",
            status="succeeded",
            amount=amount,
            currency=currency,
        )
        return RefundResult(reference=record.reference)

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
