"""Staff refunds: full or partial, never more than what was paid, even when two race."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from core.money import quantum, round_money
from courses.services import enrollment_revoke, live_session_release_seat

from ..attribution import attribution_for_refund
from ..exceptions import InvalidRefundAmount, OrderNotRefundable
from ..ledger import ledger_record_refund
from ..models import Order, OrderLine, Refund
from ..payments import get_provider

ZERO = Decimal("0")


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


def order_refund(
    *,
    order: Order,
    amount: Decimal | str | None,
    reason: str,
    staff_user,
    lines: list[OrderLine] | list[int] | None = None,
) -> Refund:
    """Refund ``amount`` (``None``: all that is left) of a paid order, spread over
    ``lines`` (default: every line). The order row is locked first, so a second refund
    waits and then sees the first one's ``amount_refunded``. A line refunded in full
    loses its enrollment and its live seat; the ledger gets reversing entries; the
    provider is asked last, so its failure rolls the whole refund back."""
    reason = (reason or "").strip()
    if not reason:
        raise RefundReasonRequired()
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("user").get(pk=order.pk)
        if order.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED) or order.total <= 0:
            raise OrderNotRefundable()
        amount = refund_parse_amount(amount, currency=order.currency)

        all_lines = list(order.lines.select_related("course").order_by("id"))
        if lines:
            wanted = {line.pk if isinstance(line, OrderLine) else int(line) for line in lines}
            chosen = [line for line in all_lines if line.pk in wanted]
            if len(chosen) != len(wanted):
                raise RefundLineInvalid()
        else:
            chosen = all_lines
        chosen = [line for line in chosen if line.total - line.amount_refunded > 0]
        if not chosen:
            raise RefundLineInvalid() if lines else InvalidRefundAmount()
        room = [line.total - line.amount_refunded for line in chosen]
        available = sum(room, ZERO)
        amount = available if amount is None else amount
        if amount > available or amount > order.refundable:
            raise InvalidRefundAmount()
        parts = _allocate(amount, room, order.currency)

        refund = Refund.objects.create(
            order=order,
            amount=amount,
            currency=order.currency,
            reason=reason,
            staff_user=staff_user if getattr(staff_user, "pk", None) else None,
            allocation={str(line.pk): str(part) for line, part in zip(chosen, parts, strict=True) if part},
        )
        for line, part in zip(chosen, parts, strict=True):
            if not part:
                continue
            line.amount_refunded += part
            emptied = line.amount_refunded == line.total
            ledger_record_refund(refund=refund, line=line, amount=part, empties_line=emptied)
            if emptied:
                enrollment_revoke(user=order.user, course=line.course)
                if line.live_session_id and line.seat == OrderLine.Seat.TAKEN:
                    live_session_release_seat(session_id=line.live_session_id)
                    line.seat = OrderLine.Seat.RELEASED
            line.save(update_fields=["amount_refunded", "seat", "updated_at"])

        order.amount_refunded += amount
        order.status = (
            Order.Status.REFUNDED if order.amount_refunded == order.total else Order.Status.PARTIALLY_REFUNDED
        )
        order.save(update_fields=["amount_refunded", "status", "updated_at"])
        attribution_for_refund(order=order, amount=amount)  # campaigns integration: attributed revenue

        if order.payment_reference:
            result = get_provider(order.provider, require_enabled=False).refund(
                reference=order.payment_reference,
                amount=amount,
                currency=order.currency,
                idempotency_key=f"{order.number}-refund-{refund.pk}",
            )
            refund.provider_reference = result.reference
            refund.save(update_fields=["provider_reference", "updated_at"])
    return refund
