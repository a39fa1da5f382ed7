"""Staff refunds: full or partial, never more than what was paid, even when two race."""

import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from core.money import quantum, round_money
from core.outbox import outbox_handler, outbox_put
from courses.services import enrollment_revoke, live_session_release_seat

from ..attribution import attribution_for_refund
from ..exceptions import (
    InvalidRefundAmount,
    OrderNotRefundable,
    PaymentOutcomeUnknown,
    PaymentProviderError,
    WebhookAmountMismatch,
)
from ..ledger import ledger_record_refund
from ..models import Order, OrderLine, Refund
from ..payments import get_provider
from ..payments.base import to_minor_units
from ..signals import refund_succeeded
from .subscriptions import subscription_line_refunded

ZERO = Decimal("0")
REFUND_FAILED_TOPIC = "commerce.refund_failed_alert"

logger = logging.getLogger(__name__)


class RefundReasonRequired(ApplicationError):
    code = "reason_required"

    def default_message(self):
        return _("Give a reason for the refund.")


class RefundLineInvalid(ApplicationError):
    code = "invalid_order_line"

    def default_message(self):
        return _("These lines are not part of this order or have nothing left to refund.")


def refund_parse_amount(value, *, currency: str) -> Decimal | None:
    """``None`` or ``""`` means "everything left"; anything else must be a positive
    amount in whole minor units of ``currency`` (no floats, no NaN, no ``-5``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool | float):
        raise InvalidRefundAmount()
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidRefundAmount() from None
    if not amount.is_finite() or amount <= 0 or amount != round_money(amount, currency):
        raise InvalidRefundAmount()
    return amount


def _allocate(amount: Decimal, room: list[Decimal], currency: str) -> list[Decimal]:
    """Spread ``amount`` over lines in proportion to what each has left (half up), then
    move the few minor units of rounding difference so that the parts add up exactly
    and none goes past its line."""
    left = sum(room, ZERO)
    parts = [min(round_money(amount * r / left, currency), r) for r in room]
    step = quantum(currency)
    diff = amount - sum(parts, ZERO)
    index = 0
    while diff and index < 10_000:
        i = index % len(parts)
        if diff > 0 and parts[i] < room[i]:
            parts[i] += step
            diff -= step
        elif diff < 0 and parts[i] > 0:
            parts[i] -= step
            diff += step
        index += 1
    return parts


def _pending_by_line(order: Order) -> dict[int, Decimal]:
    """What refunds still waiting for the provider hold back, per order line."""
    held: dict[int, Decimal] = {}
    for allocation in Refund.objects.filter(order=order, status=Refund.Status.PENDING).values_list(
        "allocation", flat=True
    ):
        for line_id, part in (allocation or {}).items():
            held[int(line_id)] = held.get(int(line_id), ZERO) + Decimal(part)
    return held


def order_refund(
    *,
    order: Order,
    amount: Decimal | str | None,
    reason: str,
    staff_user,
    lines: list[OrderLine] | list[int] | None = None,
) -> Refund:
    """Refund ``amount`` (``None``: all that is left) of a paid order, spread over
    ``lines`` (default: every line), in two phases like checkout:

    1. one short transaction locks the order, checks the amount against what is left
       (minus refunds still waiting for the provider) and writes a ``pending`` refund,
       so a second refund waits for the lock and then cannot take the same money;
    2. the provider is called outside any transaction with the refund's own key;
    3. ``refund_send`` applies it (lines, enrollments, seats, ledger, attribution) in one
       short transaction, or marks it failed when the provider refused.

    When the provider cannot tell, the refund stays pending and ``payment_outcome_unknown``
    is raised; the reconciler sends it again with the same key (never a second refund)."""
    reason = (reason or "").strip()
    if not reason:
        raise RefundReasonRequired()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED) or order.total <= 0:
            raise OrderNotRefundable()
        amount = refund_parse_amount(amount, currency=order.currency)
        held = _pending_by_line(order)

        all_lines = list(order.lines.order_by("id"))
        if lines:
            wanted = {line.pk if isinstance(line, OrderLine) else int(line) for line in lines}
            chosen = [line for line in all_lines if line.pk in wanted]
            if len(chosen) != len(wanted):
                raise RefundLineInvalid()
        else:
            chosen = all_lines
        chosen = [line for line in chosen if line.total - line.amount_refunded - held.get(line.pk, ZERO) > 0]
        if not chosen:
            if not lines and held:
                raise InvalidRefundAmount()
            raise RefundLineInvalid() if lines else InvalidRefundAmount()
        room = [line.total - line.amount_refunded - held.get(line.pk, ZERO) for line in chosen]
        available = sum(room, ZERO)
        amount = available if amount is None else amount
        if amount > available or amount > order.refundable - sum(held.values(), ZERO):
            raise InvalidRefundAmount()
        parts = _allocate(amount, room, order.currency)
        refund = Refund.objects.create(
            order=order,
            amount=amount,
            currency=order.currency,
            reason=reason,
            status=Refund.Status.PENDING,
            staff_user=staff_user if getattr(staff_user, "pk", None) else None,
            allocation={str(line.pk): str(part) for line, part in zip(chosen, parts, strict=True) if part},
        )
    return refund_send(refund=refund)


def refund_provider_key(refund: Refund) -> str:
    return f"{refund.order.number}-refund-{refund.pk}"


def refund_send(*, refund: Refund) -> Refund:
    """Ask the provider for a pending refund (outside any transaction) and settle the
    answer. Safe to repeat: the provider sees the same key every time."""
    refund = Refund.objects.select_related("order").get(pk=refund.pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    order = refund.order
    provider_reference = ""
    if order.payment_reference:
        try:
            result = get_provider(order.provider, require_enabled=False).refund(
                reference=order.payment_reference,
                amount=refund.amount,
                currency=refund.currency,
                idempotency_key=refund_provider_key(refund),
            )
        except PaymentOutcomeUnknown:
            raise  # stays pending: the reconciler asks again with the same key
        except PaymentProviderError:
            Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
                status=Refund.Status.FAILED
            )
            raise
        provider_reference = result.reference
        if result.status == "pending":
            # Taken, not given back yet (WeChat Pay's PROCESSING): the amount stays
            # reserved and nothing is reversed until the provider says how it ended.
            Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
                provider_reference=provider_reference[:128]
            )
            refund.provider_reference = provider_reference[:128]
            return refund
    return _refund_apply(refund=refund, provider_reference=provider_reference)


def _refund_by_key(*, provider_name: str, key: str) -> Refund | None:
    """The refund a provider names by the key we gave it (``refund_provider_key``)."""
    number, sep, pk = key.rpartition("-refund-")
    if not sep or not pk.isdigit() or len(pk) > 18:
        return None
    refund = Refund.objects.select_related("order").filter(pk=int(pk), order__provider=provider_name).first()
    if refund is None or str(refund.order.number) != number:
        return None
    return refund


def refund_settle_notified(
    *, provider_name: str, key: str, succeeded: bool, provider_reference: str, amount_minor: int | None
) -> str:
    """The provider's notification of how a refund it accepted as pending ended. Call it
    inside the transaction that records the notification. Idempotent: only a pending
    refund changes (to succeeded, applied everywhere once, or to failed with an alert to
    staff); any later word about it changes nothing. Returns the outcome."""
    refund = _refund_by_key(provider_name=provider_name, key=key)
    if refund is None:
        # A refund made elsewhere (the merchant console): not ours to apply.
        logger.warning("%s refund notification for an unknown refund %s", provider_name, key[:64])
        return "refund_unknown"
    if amount_minor is not None and amount_minor != to_minor_units(refund.amount, refund.currency):
        raise WebhookAmountMismatch()
    # Lock order (LOCK_ORDER): the order, then its refund. Concurrent notifications of one
    # refund queue here; the first settles it, the others then find it settled.
    Order.objects.select_for_update(of=("self",)).filter(pk=refund.order_id).values_list("pk").first()
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != Refund.Status.PENDING:
        if succeeded == (refund.status == Refund.Status.FAILED):
            # WeChat Pay contradicts what was settled already: staff must look at it.
            logger.error("refund %s: notified %s after it was %s", refund.pk, succeeded, refund.status)
        return "no_change"
    if succeeded:
        _refund_apply(refund=refund, provider_reference=provider_reference or refund.provider_reference)
        return "refund_succeeded"
    refund.status = Refund.Status.FAILED
    refund.save(update_fields=["status", "updated_at"])
    # The amount is no longer reserved; the money is still the learner's: staff give it
    # back another way (bank transfer) or refund again.
    outbox_put(
        topic=REFUND_FAILED_TOPIC,
        payload={"refund_id": refund.pk},
        dedupe_key=f"{REFUND_FAILED_TOPIC}:{refund.pk}",
    )
    return "refund_failed"


@outbox_handler(REFUND_FAILED_TOPIC)
def _alert_staff_refund_failed(payload: dict) -> None:
    """Tell every active staff member with an e-mail address that a refund could not
    reach the learner. At least once, like every outbox message."""
    refund = Refund.objects.select_related("order").filter(pk=payload["refund_id"]).first()
    if refund is None:
        return
    recipients = list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    logger.error("refund %s of order %s failed at the provider", refund.pk, refund.order.number)
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("A refund could not be paid back: order %(order)s") % {"order": refund.order.number}
        body = _(
            "The payment provider could not pay back the refund of %(amount)s %(currency)s for "
            "order %(order)s (provider reference %(reference)s). The refund is marked failed: "
            "give the money back another way or refund the order again from the admin."
        ) % {
            "amount": refund.amount,
            "currency": refund.currency,
            "order": refund.order.number,
            "reference": refund.provider_reference or "-",
        }
        send_mail(str(subject), str(body), None, recipients)


@transaction.atomic
def _refund_apply(*, refund: Refund, provider_reference: str) -> Refund:
    """The provider gave the money back: write it everywhere, once. A line refunded in
    full loses its enrollment and its live seat; the ledger gets reversing entries."""
    order = Order.objects.select_for_update().select_related("user").get(pk=refund.order_id)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != Refund.Status.PENDING:
        return refund
    lines = {line.pk: line for line in order.lines.select_related("course", "plan").order_by("id")}
    for line_id, part in sorted(refund.allocation.items(), key=lambda item: int(item[0])):
        line, part = lines[int(line_id)], Decimal(part)
        line.amount_refunded += part
        emptied = line.amount_refunded == line.total
        ledger_record_refund(refund=refund, line=line, amount=part, empties_line=emptied)
        if emptied and line.plan_id:
            subscription_line_refunded(order=order)
        elif emptied:
            enrollment_revoke(user=order.user, course=line.course)
            if line.live_session_id and line.seat == OrderLine.Seat.TAKEN:
                live_session_release_seat(session_id=line.live_session_id)
                line.seat = OrderLine.Seat.RELEASED
        line.save(update_fields=["amount_refunded", "seat", "updated_at"])

    order.amount_refunded += refund.amount
    order.status = (
        Order.Status.REFUNDED if order.amount_refunded == order.total else Order.Status.PARTIALLY_REFUNDED
    )
    order.save(update_fields=["amount_refunded", "status", "updated_at"])
    attribution_for_refund(order=order, amount=refund.amount)  # campaigns integration: attributed revenue
    refund.status = Refund.Status.SUCCEEDED
    refund.provider_reference = provider_reference
    refund.save(update_fields=["status", "provider_reference", "updated_at"])
    refund_succeeded.send(sender=Refund, refund=refund)
    return refund
