"""The reconciler: settles what the request that started it could not, against the provider.

A checkout or refund whose provider call timed out, failed with a 5xx, or whose process
died between "charged" and "marked paid" is left pending. ``payments_reconcile`` (Celery
beat, every minute) looks at pending orders and refunds older than
``COMMERCE_RECONCILE_AFTER_SECONDS`` and asks the provider what happened:

- an order the provider charged is marked paid (one charge: the same key was used);
- an order the provider declined is marked failed;
- an order the provider has no trace of (or still calls pending) is cancelled once its
  hold (``COMMERCE_SEAT_HOLD_MINUTES``) is over, which releases its seats and code; a
  charge that shows up later is handled as a late payment;
- a pending refund is sent again with its own idempotency key (never refunded twice),
  then applied or marked failed.

When the provider does not answer, nothing changes and the next run tries again."""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..exceptions import PaymentProviderError
from ..models import Order, Refund
from ..payments import get_provider
from .checkout import seat_hold_minutes
from .payments import order_mark_failed, order_settle_charge
from .refunds import refund_send

BATCH = 500


def _hold_expired(order: Order, now) -> bool:
    if order.created_at + timedelta(minutes=seat_hold_minutes()) <= now:
        return True
    return order.lines.filter(seat_hold_expires_at__lt=now).exists()


def order_reconcile(*, order: Order, now=None) -> str:
    """Settle one pending order against its provider; returns what became of it
    (``paid``, ``failed``, ``cancelled``, ``pending``, ``provider_unavailable``)."""
    now = now or timezone.now()
    if order.status != Order.Status.PENDING:
        return order.status
    provider = get_provider(order.provider, require_enabled=False)
    payment = order.payments.order_by("-id").first()
    try:
        result = provider.lookup_charge(
            order_number=str(order.number),
            reference=order.payment_reference,
            idempotency_key=payment.idempotency_key if payment else "",
        )
    except PaymentProviderError:
        return "provider_unavailable"
    if result is not None and result.status in ("succeeded", "declined"):
        return order_settle_charge(order=order, result=result).status
    if _hold_expired(order, now):
        return order_mark_failed(order=order, status=Order.Status.CANCELLED).status
    return "pending"


def payments_reconcile(*, now=None) -> dict[str, int]:
    """One pass over pending orders and refunds; returns a count per outcome."""
    now = now or timezone.now()
    older_than = now - timedelta(seconds=int(getattr(settings, "COMMERCE_RECONCILE_AFTER_SECONDS", 120)))
    outcomes: Counter = Counter()
    orders = Order.objects.filter(status=Order.Status.PENDING, total__gt=0, created_at__lt=older_than)
    for order in orders.order_by("id")[:BATCH]:
        outcomes[f"order_{order_reconcile(order=order, now=now)}"] += 1
    refunds = Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=older_than)
    for refund in refunds.order_by("id")[:BATCH]:
        try:
            outcomes[f"refund_{refund_send(refund=refund).status}"] += 1
        except PaymentProviderError:
            outcomes["refund_provider_unavailable"] += 1
    return dict(outcomes)


def order_payment_refresh(*, order: Order) -> Order:
    """Ask the provider about a pending order now (the learner is back from the payment
    page and waits): paid or declined is written at once; anything else, or a provider
    that does not answer, leaves it for the webhook and the reconciler."""
    if order.status != Order.Status.PENDING or not order.payment_reference:
        return order
    provider = get_provider(order.provider, require_enabled=False)
    try:
        result = provider.lookup_charge(
            order_number=str(order.number), reference=order.payment_reference, idempotency_key=""
        )
    except PaymentProviderError:
        return order
    if result is not None and result.status in ("succeeded", "declined"):
        return order_settle_charge(order=order, result=result)
    return order
