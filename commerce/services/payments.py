"""What happens when a payment succeeds, fails, never comes, or is reported by webhook."""

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from core.outbox import outbox_handler, outbox_put
from core.rawsql import RowShape, deferred_writes, update, write
from courses.exceptions import SoldOut
from courses.models import Course, Instructor
from courses.services import (
    course_enrollment_counts_add,
    enrollment_grant_uncounted,
    live_session_release_seat,
    live_session_reserve_seat,
)
from plans.models import Plan

from ..attribution import attribution_events_read_once, attribution_for_paid_order
from ..discounts import discount_release
from ..exceptions import WebhookAmountMismatch, WebhookPaymentNotFound
from ..ledger import ledger_record_sale
from ..models import Cart, CartLine, Order, OrderLine, Payment, WebhookEvent
from ..payments import ChargeResult, get_provider
from ..payments.base import to_minor_units
from ..sale_parties import sale_parties_for_paid_order
from .receipts import RECEIPT_TOPIC
from .refunds import refund_settle_notified
from .subscriptions import subscription_line_paid, subscription_period_failed

LATE_REFUND_TOPIC = "commerce.late_payment_refund"

logger = logging.getLogger(__name__)


# Paying reads every line with, of its course, the id (enrollment) and the instructor's
# share (ledger), and its plan whole (renewals read it); and locks the order, with its
# learner (enrollments need it). Hand-written: through the ORM these two statements cost
# ~2.5 ms of Python per paid order, mostly building the joins (see ``core.rawsql``).
_ORDER = RowShape(Order, "o")
_LEARNER = RowShape(get_user_model(), "u")
_LINE = RowShape(OrderLine, "l")
_LINE_COURSE = RowShape(Course, "c", ("id", "instructor_id"))
_LINE_INSTRUCTOR = RowShape(Instructor, "i", ("id", "revenue_share"))
_LINE_PLAN = RowShape(Plan, "p")


def _lines(order: Order) -> list[OrderLine]:
    tables = {model: model._meta.db_table for model in (OrderLine, Course, Instructor, Plan)}
    with connections[_LINE.db].cursor() as cursor:
        cursor.execute(
            f"SELECT {_LINE.columns}, {_LINE_COURSE.columns}, {_LINE_INSTRUCTOR.columns},"
            f" {_LINE_PLAN.columns}"
            f" FROM {tables[OrderLine]} l LEFT JOIN {tables[Course]} c ON c.id = l.course_id"
            f" LEFT JOIN {tables[Instructor]} i ON i.id = c.instructor_id"
            f" LEFT JOIN {tables[Plan]} p ON p.id = l.plan_id WHERE l.order_id = %s ORDER BY l.id",
            [order.pk],
        )
        rows = cursor.fetchall()
    lines = []
    course_at = len(_LINE)
    instructor_at = course_at + len(_LINE_COURSE)
    plan_at = instructor_at + len(_LINE_INSTRUCTOR)
    for row in rows:
        line = _LINE.build(row)
        course = _LINE_COURSE.build(row, course_at) if line.course_id is not None else None
        if course is not None:
            Course._meta.get_field("instructor").set_cached_value(
                course, _LINE_INSTRUCTOR.build(row, instructor_at)
            )
        OrderLine._meta.get_field("course").set_cached_value(line, course)
        plan = _LINE_PLAN.build(row, plan_at) if line.plan_id is not None else None
        OrderLine._meta.get_field("plan").set_cached_value(line, plan)
        OrderLine._meta.get_field("order").set_cached_value(line, order)
        lines.append(line)
    return lines


def _lock_order(order: Order) -> Order:
    # The learner comes along (enrollments need it) without locking the learner's row.
    locked = _ORDER.fetch_one("o.id = %s", [order.pk], joined=("user", _LEARNER), lock=True)
    if locked is None:
        raise Order.DoesNotExist(f"order {order.pk} does not exist")
    return locked


@transaction.atomic
def order_mark_paid(*, order: Order) -> Order:
    """pending -> paid: enroll every line, turn seat holds into taken seats, attribute
    the order, write the ledger and send the receipt once the transaction commits.
    Any other status is left alone (a duplicate or late event changes nothing)."""
    order = _lock_order(order)
    if order.status != Order.Status.PENDING:
        return order
    return _order_pay(order=order)


def _order_pay(*, order: Order, reference: str = "", failure_code: str = "", payer: str = "") -> Order:
    """The body of ``order_mark_paid`` for a caller that holds the order's lock and saw
    it pending; ``reference`` is the provider's, written by the same UPDATEs. Its callers
    are atomic blocks that end with it: the sale's blind writes (order, payment, lines,
    cart, counters...) go out together (``core.rawsql.deferred_writes``)."""
    with attribution_events_read_once(), deferred_writes(router.db_for_write(Order)):
        return _order_pay_writes(order=order, reference=reference, failure_code=failure_code, payer=payer)


def _order_pay_writes(*, order: Order, reference: str, failure_code: str, payer: str) -> Order:
    lines = _lines(order)
    now = timezone.now()

    extra_parties = attribution_for_paid_order(order=order)
    order.status = Order.Status.PAID
    order.paid_at = now
    fields = ["status", "paid_at", "campaign_id", "updated_at"]
    if reference and not order.payment_reference:
        order.payment_reference = reference
        fields.append("payment_reference")
    update(order, fields)
    paid = {"status": Payment.Status.SUCCEEDED.value, "updated_at": now}
    if reference:
        paid.update(reference=reference, failure_code=failure_code)
    if payer:
        paid["payer"] = payer[:128]
    # A plain statement, as the other writes every sale makes (see ``_line_paid_save``).
    connection = connections[router.db_for_write(Payment)]
    paid["updated_at"] = connection.ops.adapt_datetimefield_value(now)
    write(
        connection,
        Payment._meta.db_table,
        f"UPDATE {Payment._meta.db_table} SET {', '.join(f'{column} = %s' for column in paid)}"
        " WHERE order_id = %s AND status = %s",
        [*paid.values(), order.pk, Payment.Status.PENDING.value],
    )

    for line in lines:
        if extra_parties.get(line.course_id):
            line.revenue_split = [*line.revenue_split, *extra_parties[line.course_id]]
    # Higher floors' parties (referral commissions) see the partners' shares already taken.
    registered = sale_parties_for_paid_order(order=order, lines=lines)
    counted = []
    for line in lines:
        if line.plan_id:
            # A plan period: the subscription (and through it the plan's courses).
            subscription_line_paid(order=order, line=line, now=now)
        else:
            _enrollment, activated = enrollment_grant_uncounted(
                user=order.user,
                course=line.course,
                live_session_id=line.live_session_id,
                source="purchase" if line.total > 0 else "free",
            )
            if activated:
                counted.append(line.course_id)
        if line.seat == OrderLine.Seat.HELD:
            line.seat = OrderLine.Seat.TAKEN
            line.seat_hold_expires_at = None
        if registered.get(line.pk):
            line.revenue_split = [*line.revenue_split, *registered[line.pk]]
        _line_paid_save(line=line, now=now)
        ledger_record_sale(line=line)
    # Bought courses leave the cart, however the payment came (page, webhook, reconciler).
    _cart_lines_delete(user_id=order.user_id, course_ids=[line.course_id for line in lines if line.course_id])

    # The receipt is an outbox row of this transaction: it goes out once the sale is
    # committed, whatever the broker or the mail server do meanwhile.
    outbox_put(topic=RECEIPT_TOPIC, payload={"order_id": order.pk}, dedupe_key=f"{RECEIPT_TOPIC}:{order.pk}")
    # Last, just before the commit: every sale of a course writes its row (see there).
    course_enrollment_counts_add(course_ids=counted)
    return order


def _line_paid_save(*, line: OrderLine, now) -> None:
    """``line.save(update_fields=[seat, seat_hold_expires_at, revenue_split, updated_at])``
    as a plain statement: every paid line runs it, and the ORM's save cost several times
    the statement in Python. Order lines have no save receivers."""
    line.updated_at = now
    split = _LINE.model._meta.get_field("revenue_split")
    connection = connections[_LINE.db]
    write(
        connection,
        OrderLine._meta.db_table,
        f"UPDATE {OrderLine._meta.db_table} SET seat = %s, seat_hold_expires_at = %s, revenue_split = %s,"
        " updated_at = %s WHERE id = %s",
        [
            line.seat,
            connection.ops.adapt_datetimefield_value(line.seat_hold_expires_at),
            split.get_db_prep_save(line.revenue_split, connection),
            connection.ops.adapt_datetimefield_value(now),
            line.pk,
        ],
    )


def _cart_lines_delete(*, user_id: int, course_ids: list[int]) -> None:
    """A plain statement: every paid order runs it, and the ORM's delete (a join in a
    subquery) cost several times the statement in Python. Cart lines have no dependants."""
    if not course_ids:
        return
    marks = ", ".join(["%s"] * len(course_ids))
    write(
        connections[router.db_for_write(CartLine)],
        CartLine._meta.db_table,
        f"DELETE FROM {CartLine._meta.db_table} WHERE course_id IN ({marks})"
        f" AND cart_id IN (SELECT id FROM {Cart._meta.db_table} WHERE user_id = %s)",
        [*course_ids, user_id],
    )


def amount_matches(order: Order, *, amount_minor: int | None, currency: str = "") -> bool:
    """Whether what a provider reports as paid is the order's total (when it reports it)."""
    if amount_minor is None:
        return True
    return amount_minor == to_minor_units(order.total, order.currency) and (
        not currency or currency.upper() == order.currency
    )


@transaction.atomic
def order_settle_charge(*, order: Order, result: ChargeResult) -> Order:
    """Phase 3 of checkout (and the reconciler's and a retry's): write what the provider
    answered, in one short transaction. Succeeded pays a pending order (or takes a late
    payment for one given up on); declined fails a pending order; pending waits. A
    success for another amount than the order's changes nothing and is logged for staff."""
    order = _lock_order(order)
    if result.status == "succeeded" and not amount_matches(
        order, amount_minor=result.amount_minor, currency=result.currency
    ):
        logger.error(
            "provider reports %s %s paid for order %s of %s %s: not settled",
            result.amount_minor,
            result.currency,
            order.number,
            order.total,
            order.currency,
        )
        return order
    if result.status == "succeeded" and order.status == Order.Status.PENDING:
        # The common case in one pass: the reference is written by the UPDATEs that pay.
        return _order_pay(
            order=order, reference=result.reference, failure_code=result.failure_code, payer=result.payer
        )
    payment = order.payments.order_by("-id").first()
    if payment is not None and result.reference and payment.reference != result.reference:
        payment.reference = result.reference
        payment.failure_code = result.failure_code
        payment.save(update_fields=["reference", "failure_code", "updated_at"])
    if result.reference and not order.payment_reference:
        order.payment_reference = result.reference
        order.save(update_fields=["payment_reference", "updated_at"])
    if result.status == "succeeded":
        if order.status == Order.Status.PENDING:
            return order_mark_paid(order=order)
        if order.status in (Order.Status.FAILED, Order.Status.CANCELLED):
            _order_accept_late_payment(order=order)
            return Order.objects.get(pk=order.pk)
    elif result.status == "declined" and order.status == Order.Status.PENDING:
        return order_mark_failed(order=order)
    return order


def _release_seats(lines: list[OrderLine], *, states: tuple[str, ...]) -> None:
    for line in lines:
        if line.live_session_id and line.seat in states:
            live_session_release_seat(session_id=line.live_session_id)
            line.seat = OrderLine.Seat.RELEASED
            line.seat_hold_expires_at = None
            line.save(update_fields=["seat", "seat_hold_expires_at", "updated_at"])


@transaction.atomic
def order_mark_failed(*, order: Order, status: str = Order.Status.FAILED) -> Order:
    """pending -> failed (declined) or cancelled (hold expired): release the held seats
    and the discount code. Nothing was enrolled and nothing reached the ledger."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING:
        return order
    now = timezone.now()
    order.status = status
    if status == Order.Status.CANCELLED:
        order.cancelled_at = now
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    Payment.objects.filter(order=order, status=Payment.Status.PENDING).update(
        status=Payment.Status.FAILED, updated_at=now
    )
    _release_seats(_lines(order), states=(OrderLine.Seat.HELD,))
    discount_release(order=order)
    if order.subscription_period_id:
        subscription_period_failed(order=order, now=now)  # dunning
    return order


def order_release_expired_holds(*, now=None) -> int:
    """Cancel pending orders whose seat hold has run out; returns how many. The provider
    is asked first (a charge it took pays the order instead), and each order is its own
    transaction with a state guard, so a rerun or a concurrent webhook changes nothing."""
    from .reconcile import order_reconcile

    now = now or timezone.now()
    order_ids = (
        Order.objects.filter(
            status=Order.Status.PENDING,
            lines__seat=OrderLine.Seat.HELD,
            lines__seat_hold_expires_at__lt=now,
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    outcomes = [order_reconcile(order=Order.objects.get(pk=pk), now=now) for pk in list(order_ids)]
    return outcomes.count("cancelled")


@transaction.atomic
def _order_accept_late_payment(*, order: Order) -> str:
    """A success reported for an order we already gave up on (declined first, or its
    seat hold expired): take the seats again and mark it paid, or, if the class sold
    out meanwhile, give the money back (through the outbox: the provider is never
    called while rows are locked)."""
    lines = _lines(order)
    try:
        with transaction.atomic():
            for line in lines:
                if line.live_session_id and line.seat == OrderLine.Seat.RELEASED:
                    live_session_reserve_seat(session_id=line.live_session_id)
    except SoldOut:
        outbox_put(
            topic=LATE_REFUND_TOPIC,
            payload={"order_id": order.pk},
            dedupe_key=f"{LATE_REFUND_TOPIC}:{order.pk}",
        )
        return "late_payment_refunded"
    for line in lines:
        if line.live_session_id and line.seat == OrderLine.Seat.RELEASED:
            line.seat = OrderLine.Seat.HELD
            line.save(update_fields=["seat", "updated_at"])
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING, cancelled_at=None)
    order_mark_paid(order=order)
    return "late_payment_accepted"


@outbox_handler(LATE_REFUND_TOPIC)
def _late_payment_refund(payload: dict) -> None:
    """Give back a payment that arrived after its seats were sold to someone else. The
    key is fixed per order, so a retried message never refunds twice."""
    order = Order.objects.get(pk=payload["order_id"])
    get_provider(order.provider, require_enabled=False).refund(
        reference=order.payment_reference,
        amount=order.total,
        currency=order.currency,
        idempotency_key=f"late-{order.number}",
    )


def _order_by_number(provider_name: str, event) -> Order | None:
    """The order a success names in its metadata, when its reference is not ours yet:
    the checkout's answer was lost (timeout after the charge), or it is the intent behind
    a Stripe Checkout session."""
    number = (event.data or {}).get("order_number") or ""
    if event.kind != "succeeded" or not number:
        return None
    try:
        return Order.objects.select_for_update().filter(provider=provider_name, number=number).first()
    except (ValueError, ValidationError):
        return None  # not a UUID: not one of ours


def _settle_by_number(order: Order, event) -> str:
    """Money taken for an order that is pending, or that was given up on meanwhile (the
    reconciler released it): pay it, or take it as a late payment."""
    if order.status not in (Order.Status.PENDING, Order.Status.FAILED, Order.Status.CANCELLED):
        return "no_change"
    before = order.status
    settled = order_settle_charge(
        order=order, result=ChargeResult(status="succeeded", reference=event.reference)
    )
    if before == Order.Status.PENDING:
        return "paid"
    return "late_payment_accepted" if settled.status == Order.Status.PAID else "late_payment_refunded"


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    duplicate: bool
    outcome: str
    # The answer the provider expects (``Provider.webhook_ack``); None: the default JSON.
    ack: tuple[str, str] | None = None


def payment_webhook_process(*, provider_name: str, body: bytes, headers) -> WebhookResult:
    """Verify, record once, and apply a provider event. A redelivered event (same id)
    is a no-op; events about orders in a final state change nothing, so a "failed"
    after a "succeeded" is harmless; an event that arrives before its order is visible
    is refused with ``payment_not_found`` (409) and accepted when it is delivered again."""
    provider = get_provider(provider_name)
    provider.verify_webhook(body=body, headers=headers)
    event = provider.parse_event(body=body)
    with transaction.atomic():
        try:
            # Concurrent deliveries collide here: the others wait for this transaction
            # and then see the row.
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider.name,
                    event_id=event.event_id,
                    event_type=event.event_type,
                    reference=event.reference[:128],
                )
        except IntegrityError:
            return WebhookResult(
                event_id=event.event_id,
                duplicate=True,
                outcome="duplicate",
                ack=provider.webhook_ack(duplicate=True, outcome="duplicate"),
            )

        if event.kind in ("refund_succeeded", "refund_failed"):
            data = event.data or {}
            outcome = refund_settle_notified(
                provider_name=provider.name,
                key=str(data.get("refund_key") or ""),
                succeeded=event.kind == "refund_succeeded",
                provider_reference=str(data.get("refund_reference") or ""),
                amount_minor=data.get("amount_minor"),
            )
            return _webhook_done(provider, event, record, outcome)

        order = (
            Order.objects.select_for_update()
            .filter(provider=provider.name, payment_reference=event.reference)
            .exclude(payment_reference="")
            .first()
        )
        by_number = _order_by_number(provider.name, event) if order is None else None
        target = order or by_number
        if (
            event.kind == "succeeded"
            and target is not None
            and not amount_matches(
                target,
                amount_minor=(event.data or {}).get("amount_minor"),
                currency=(event.data or {}).get("currency", ""),
            )
        ):
            # Rolls back the event record: nothing about this order changes.
            logger.error("payment webhook %s %s: amount does not match", provider.name, event.event_id)
            raise WebhookAmountMismatch()
        if event.kind == "ignored":
            outcome = "ignored"
        elif by_number is not None:
            outcome = _settle_by_number(by_number, event)
        elif order is None:
            # Rolls back the event record above, so a redelivery is processed, not a duplicate.
            raise WebhookPaymentNotFound()
        elif event.kind == "succeeded" and order.status == Order.Status.PENDING:
            order_mark_paid(order=order)
            outcome = "paid"
        elif event.kind == "succeeded" and order.status in (Order.Status.FAILED, Order.Status.CANCELLED):
            outcome = _order_accept_late_payment(order=order)
        elif event.kind == "failed" and order.status == Order.Status.PENDING:
            order_mark_failed(order=order)
            outcome = "failed"
        else:
            outcome = "no_change"
        return _webhook_done(provider, event, record, outcome)


def _webhook_done(provider, event, record: WebhookEvent, outcome: str) -> WebhookResult:
    record.outcome = outcome
    record.save(update_fields=["outcome", "updated_at"])
    logger.info("payment webhook %s %s: %s", provider.name, event.event_id, outcome)
    return WebhookResult(
        event_id=event.event_id,
        duplicate=False,
        outcome=outcome,
        ack=provider.webhook_ack(duplicate=False, outcome=outcome),
    )
