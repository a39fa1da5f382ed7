"""The provider interface. Checkout, webhooks and refunds only talk to this.

A provider must:
- ``charge``: take money once per ``idempotency_key`` (the same key again returns the first
  answer and charges nothing); return ``succeeded``, ``pending`` (the final answer comes by
  webhook) or ``declined``; raise ``PaymentProviderError`` when the provider refused the
  request (nothing was charged) and ``PaymentOutcomeUnknown`` when it cannot tell (timeout,
  5xx): the caller keeps the order pending and asks again with the same key;
- ``charge`` with ``save_method=True`` (providers with ``saves_methods``) also keeps the
  payment method on ``customer`` for later charges without the learner (a membership's
  renewals); ``off_session=True`` is such a later charge, with ``token`` the saved method
  and ``customer`` its owner; ``customer_create`` makes the learner's customer record;
- ``charges_off_session``: whether a membership's renewals can be charged without the
  learner (the sandbox's token, a saved Stripe method); the others (WeChat Pay, Alipay:
  no 委托代扣 contract) renew by the learner paying again, reminded before the end;
- ``saved_method`` (providers with ``saves_methods`` and a hosted page): the payment
  method a paid hosted-page payment saved to its customer (``reference`` is the page's,
  e.g. a Checkout Session), or "" when it saved none;
- ``lookup_charge``: what the provider knows of an order's charge (by ``reference`` when
  there is one, else by the order number), ``None`` when it has no trace of it; used by
  the reconciler;
- ``refund``: give back part or all of a charge, once per ``idempotency_key``, with the
  same two errors; a ``pending`` answer is settled later by a ``refund_succeeded`` or
  ``refund_failed`` event naming the key (``data["refund_key"]``);
- ``create_redirect`` (providers with ``supports_redirect``): a hosted payment page for
  the browser (Stripe Checkout, Alipay page/wap pay, WeChat Pay H5) or a QR code to scan
  (WeChat Pay Native), once per ``idempotency_key``; ``channel`` picks one of the
  provider's ``channels`` (by device), ``client_ip`` is the learner's (WeChat H5 wants it),
  ``payer`` the learner's id at the provider when the channel needs one (WeChat Pay JSAPI:
  the openid from the WeChat sign-in); providers with ``saves_methods`` also take
  ``customer`` and ``save_method=True`` (the first payment of a renewing membership: the
  method typed on the page is saved to ``customer`` for off-session renewals);
- ``redirect_only`` providers (WeChat Pay, Alipay) take no token: they are paid only
  through ``create_redirect`` and learn the outcome by notification or ``lookup_charge``;
- ``verify_webhook``: check the signature of a raw body in constant time, raising
  ``InvalidWebhookSignature``;
- ``parse_event``: turn a verified body into a ``PaymentEvent``.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from core.money import MINOR_UNITS

ChargeStatus = Literal["succeeded", "pending", "declined"]
# refund_*: the provider settled a refund it had accepted as pending (WeChat Pay).
EventKind = Literal["succeeded", "failed", "ignored", "refund_succeeded", "refund_failed"]


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    reference: str
    failure_code: str = ""
    # What the provider says was paid, in minor units, when it says so (WeChat Pay and
    # Alipay do): a success for another amount than the order's is refused, not paid.
    amount_minor: int | None = None
    currency: str = ""
    # A stable, opaque fingerprint of who or what paid (a card fingerprint, a wallet
    # account), when the provider tells it: the referral program's "same payment" rule
    # compares it. Empty when unknown.
    payer: str = ""


@dataclass(frozen=True)
class RefundResult:
    reference: str
    # "pending": the provider took the refund but gives the money back later (WeChat Pay
    # answers PROCESSING) and says how it ended by notification, or to the same request
    # sent again; the refund stays pending (its amount reserved) until then.
    status: Literal["succeeded", "pending"] = "succeeded"


@dataclass(frozen=True)
class RedirectResult:
    reference: str
    url: str
    # "redirect": send the browser to ``url``; "qr": show ``url`` as a QR code to scan;
    # "jsapi": no page, ``params`` for WeChat's in-app browser to pay with
    # (``WeixinJSBridge.invoke("getBrandWCPayRequest", params)``).
    kind: str = "redirect"
    params: dict = field(default_factory=dict)


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
    supports_redirect: bool = False
    redirect_only: bool = False
    # Currencies the provider takes (empty: any) and its browser channels by device.
    currencies: frozenset[str] = frozenset()
    channels: dict[str, str] = {}

    # Whether ``charge`` can save the payment method to a customer for renewals.
    saves_methods: bool = False
    # Whether a membership's renewal can be charged without the learner (see above).
    charges_off_session: bool = False

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
        raise NotImplementedError

    def customer_create(self, *, learner_ref: str, email: str, idempotency_key: str) -> str:
        """The provider's id of a new customer record for this learner."""
        raise NotImplementedError

    def lookup_charge(
        self, *, order_number: str, reference: str, idempotency_key: str
    ) -> ChargeResult | None:
        raise NotImplementedError

    def saved_method(self, *, reference: str) -> str:
        raise NotImplementedError

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        raise NotImplementedError

    def create_redirect(
        self,
        *,
        amount: Decimal,
        currency: str,
        order_number: str,
        description: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        channel: str = "",
        client_ip: str = "",
        payer: str = "",
    ) -> RedirectResult:
        raise NotImplementedError

    def webhook_ack(self, *, duplicate: bool, outcome: str):
        """What the provider expects back from a handled notification: ``None`` for the
        default JSON answer, else ``(content_type, body)``."""
        return None

    def verify_webhook(self, *, body: bytes, headers) -> None:
        raise NotImplementedError

    def parse_event(self, *, body: bytes) -> PaymentEvent:
        raise NotImplementedError
