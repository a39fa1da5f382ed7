"""The provider interface. Checkout, webhooks and refunds only talk to this.

A provider must:
- ``charge``: take money once per ``idempotency_key``; return ``succeeded``, ``pending``
  (the final answer comes by webhook) or ``declined``; raise ``PaymentProviderError``
  when it cannot tell (network, 5xx), so the caller rolls back and may retry;
- ``refund``: give back part or all of a charge, raising ``PaymentProviderError`` on failure;
- ``verify_webhook``: check the signature of a raw body in constant time, raising
  ``InvalidWebhookSignature``;
- ``parse_event``: turn a verified body into a ``PaymentEvent``.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from core.money import MINOR_UNITS

ChargeStatus = Literal["succeeded", "pending", "declined"]
EventKind = Literal["succeeded", "failed", "ignored"]


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    reference: str
    failure_code: str = ""


@dataclass(frozen=True)
class RefundResult:
    reference: str


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str
    kind: EventKind
    reference: str
    event_type: str
    data: dict = field(default_factory=dict)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Providers count in the currency's smallest unit (cents, fen; yen as is)."""
    return int((Decimal(amount) * (10 ** MINOR_UNITS.get(currency, 2))).to_integral_exact())


class Provider:
    name: str = ""

    def charge(
        self, *, amount: Decimal, currency: str, token: str, order_number: str, idempotency_key: str
    ) -> ChargeResult:
        raise NotImplementedError

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        raise NotImplementedError

    def verify_webhook(self, *, body: bytes, headers) -> None:
        raise NotImplementedError

    def parse_event(self, *, body: bytes) -> PaymentEvent:
        raise NotImplementedError
