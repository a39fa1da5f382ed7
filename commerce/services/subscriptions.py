"""Membership subscriptions: the first period (bought through checkout like a course),
renewals, failed renewals with retries and a grace period (dunning), cancellation at the
period's end, and the sharing of finished periods with the instructors.

A renewal follows the two phases of checkout: one short transaction under the
subscription's row lock decides and writes the period's pending order, the provider is
asked outside any transaction with a key fixed per period and attempt, and the answer is
settled by ``order_settle_charge`` like any order (webhooks and the reconciler included).
Paying a renewal order (``subscription_period_paid``) and failing one
(``subscription_period_failed``) are hooks of ``order_mark_paid``/``order_mark_failed``,
so whichever path learns the outcome first applies it, once.

A subscription whose provider can charge without the learner renews automatically
(``Subscription.renewal``): merchant-initiated charges with the saved payment method (the
sandbox token, or a Stripe PaymentMethod saved at the first payment to the learner's
Stripe Customer, by a token charge or on the Checkout page, and charged off-session), with
one dunning policy for all of them. The others renew manually: WeChat Pay and Alipay (no
委托代扣 contract) and Stripe memberships bought before methods were saved are never
charged by us; the learner is reminded SUBSCRIPTION_RENEWAL_REMINDER_DAYS before the end,
keeps the courses through the grace period after it, and renews by buying the plan again
(``subscription_line_paid`` adds the next period to the same subscription). Either way
every period is an order with a receipt, a ledger and refunds. Which of the two a
membership is, and reading back a method saved on a hosted page, is ``renewal_modes.py``.

Lock order (extends checkout's LOCK_ORDER): order -> subscription -> period. Phase 1 of
a renewal locks only the subscription (and inserts its new order)."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from plans.selectors import plan_lessons_completed
from plans.services import entitlement_end, entitlement_extend, plan_period_end

from ..exceptions import (
    PaymentOutcomeUnknown,
    PaymentProviderError,
    SubscriptionNotFound,
    SubscriptionNotResumable,
)
from ..ledger import ledger_settle_plan_line
from ..models import Order, OrderLine, Payment, ProviderCustomer, Subscription, SubscriptionPeriod
from ..payments import get_provider
from ..payments.registry import provider_saves_methods
from ..signals import subscription_notice
from .renewal_modes import (
    AUTOMATIC,
    LIVE,
    MANUAL,
    reminder_days,
    renewal_mode,
    subscription_method_read_back,
)

logger = logging.getLogger(__name__)


def period_end(*, interval: str, start: datetime) -> datetime:
    return plan_period_end(interval=interval, start=start)


def grace() -> timedelta:
    return timedelta(days=int(getattr(settings, "SUBSCRIPTION_GRACE_DAYS", 7)))


def retry_delays() -> list[timedelta]:
    return [timedelta(hours=int(h)) for h in getattr(settings, "SUBSCRIPTION_RETRY_HOURS", [24, 72, 120])]


def _grant(subscription: Subscription, period: SubscriptionPeriod) -> None:
    # The courses stay open through the grace period after the paid end: a renewal that
    # is late or being retried does not take them away; ending the subscription does.
    entitlement_extend(
        user=subscription.user,
        plan=subscription.plan,
        source=subscription.entitlement_source,
        starts_at=period.starts_at,
        ends_at=period.ends_at + grace(),
    )


def _saved_customer(order: Order) -> str:
    """The customer the first payment saved its method to (Stripe); renewals are charged
    off-session to it. Only asked of providers that keep customers."""
    if not provider_saves_methods(order.provider):
        return ""
    return (
        ProviderCustomer.objects.filter(user_id=order.user_id, provider=order.provider)
        .values_list("reference", flat=True)
        .first()
        or ""
    )


# --- Hooks of order_mark_paid / order_mark_failed (the order's lock is held) ------------


def subscription_line_paid(*, order: Order, line: OrderLine, now: datetime) -> SubscriptionPeriod:
    """A plan line was paid: a renewal order pays its period; a checkout order starts a
    subscription (or, when the learner already has a live one of this plan, adds a period
    after its last one)."""
    if order.subscription_period_id:
        return subscription_period_paid(order=order, now=now)
    plan = line.plan
    subscription = (
        Subscription.objects.select_for_update()
        .filter(user_id=order.user_id, plan=plan, status__in=LIVE)
        .first()
    )
    provider = order.provider or "sandbox"
    # The customer the first payment saved the method to (Stripe); renewals are charged
    # off-session to it.
    customer = _saved_customer(order)
    mode = renewal_mode(provider=provider, payment_method=order.payment_method, customer=customer)
    period = None
    if subscription is None:
        start = now
        subscription = Subscription.objects.create(
            user=order.user,
            plan=plan,
            currency=order.currency,
            amount=line.unit_price,  # renewals at the price of the plan, without the code
            provider=provider,
            payment_method=order.payment_method,
            provider_customer=customer,
            renewal=mode,
            language=order.language,
            current_period_start=start,
            current_period_end=period_end(interval=plan.interval, start=start),
            # A membership that does not renew is a subscription cancelled from the start.
            cancel_at_period_end=not plan.renews,
        )
        number = 1
    else:
        # The learner renewed by paying again (manual renewal, or two first payments that
        # crossed): the next period follows the last paid one, so numbers stay consecutive.
        start = subscription.current_period_end
        number = _paid_number(subscription) + 1
        if subscription.renewal == MANUAL:
            # Renewed with whatever the learner paid with this time: a method that can be
            # charged without them makes the next renewals automatic.
            subscription.provider = provider
            subscription.payment_method = order.payment_method
            subscription.provider_customer = customer
            subscription.renewal = mode
            subscription.currency = order.currency
            subscription.amount = line.unit_price
            subscription.save(
                update_fields=[
                    "provider",
                    "payment_method",
                    "provider_customer",
                    "renewal",
                    "currency",
                    "amount",
                    "updated_at",
                ]
            )
        # A period an automatic renewal tried and failed (before the learner paid it).
        period = (
            SubscriptionPeriod.objects.select_for_update()
            .filter(subscription=subscription, number=number)
            .first()
        )
    if period is None:
        period = SubscriptionPeriod.objects.create(
            subscription=subscription,
            number=number,
            starts_at=start,
            ends_at=period_end(interval=plan.interval, start=start),
            order=order,
            status=SubscriptionPeriod.Status.PENDING,
        )
    else:
        period.order = order
        period.status = SubscriptionPeriod.Status.PENDING
        period.attempts += 1
        period.save(update_fields=["order", "status", "attempts", "updated_at"])
    Order.objects.filter(pk=order.pk).update(subscription_period=period)
    order.subscription_period = period
    return subscription_period_paid(order=order, now=now)


def subscription_period_paid(*, order: Order, now: datetime) -> SubscriptionPeriod:
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("plan", "user")
        .get(periods__pk=order.subscription_period_id)
    )
    period = SubscriptionPeriod.objects.select_for_update().get(pk=order.subscription_period_id)
    if period.status == SubscriptionPeriod.Status.PAID:
        if period.order_id != order.pk:
            # An earlier attempt's charge came through after a retry paid the period.
            logger.warning(
                "period %s paid twice (order %s): refund it from the admin", period.pk, order.number
            )
        return period
    period.status = SubscriptionPeriod.Status.PAID
    period.order = order
    period.save(update_fields=["status", "order", "updated_at"])
    if subscription.status in LIVE and period.ends_at > subscription.current_period_start:
        # A period paid before it starts (renewed early) extends the paid time; the one
        # running now stays the current one the learner sees.
        if period.starts_at <= now:
            subscription.current_period_start = period.starts_at
        subscription.current_period_end = period.ends_at
        subscription.status = Subscription.Status.ACTIVE
        subscription.retry_count = 0
        subscription.next_retry_at = None
        subscription.grace_until = None
        subscription.save(
            update_fields=[
                "current_period_start",
                "current_period_end",
                "status",
                "retry_count",
                "next_retry_at",
                "grace_until",
                "updated_at",
            ]
        )
        _grant(subscription, period)
    return period


def subscription_period_failed(*, order: Order, now: datetime) -> None:
    """A renewal's charge was declined: the subscription is overdue; it is tried again
    after each of SUBSCRIPTION_RETRY_HOURS, and ends when the grace period runs out."""
    subscription = Subscription.objects.select_for_update().get(periods__pk=order.subscription_period_id)
    period = SubscriptionPeriod.objects.select_for_update().get(pk=order.subscription_period_id)
    if period.status != SubscriptionPeriod.Status.PENDING or period.order_id != order.pk:
        return
    period.status = SubscriptionPeriod.Status.FAILED
    period.save(update_fields=["status", "updated_at"])
    if subscription.status not in LIVE:
        return
    delays = retry_delays()
    subscription.status = Subscription.Status.PAST_DUE
    subscription.retry_count += 1
    subscription.next_retry_at = (
        now + delays[subscription.retry_count - 1] if subscription.retry_count <= len(delays) else None
    )
    subscription.grace_until = subscription.grace_until or subscription.current_period_end + grace()
    subscription.save(update_fields=["status", "retry_count", "next_retry_at", "grace_until", "updated_at"])
    subscription_notice.send(
        sender=Subscription, subscription=subscription, event="payment_failed", number=period.attempts
    )


def subscription_line_refunded(*, order: Order) -> None:
    """A plan period refunded in full ends the subscription and its courses now."""
    if not order.subscription_period_id:
        return
    subscription = Subscription.objects.select_for_update().get(periods__pk=order.subscription_period_id)
    if subscription.status in LIVE:
        _end(subscription, status=Subscription.Status.CANCELLED, now=timezone.now())


# --- Renewals -------------------------------------------------------------------------


def _paid_number(subscription: Subscription) -> int:
    return (
        subscription.periods.filter(status=SubscriptionPeriod.Status.PAID).aggregate(n=Max("number"))["n"]
        or 0
    )


def _end(subscription: Subscription, *, status: str, now: datetime) -> None:
    subscription.status = status
    subscription.ended_at = now
    subscription.next_retry_at = None
    subscription.save(update_fields=["status", "ended_at", "next_retry_at", "updated_at"])
    entitlement_end(user=subscription.user, source=subscription.entitlement_source, now=now)
    subscription_notice.send(sender=Subscription, subscription=subscription, event="ended", number=0)


def _remind(subscription: Subscription) -> bool:
    """The renewal reminder of the current period, once (the row is locked)."""
    if subscription.renewal_reminded_for == subscription.current_period_end:
        return False
    subscription.renewal_reminded_for = subscription.current_period_end
    subscription.save(update_fields=["renewal_reminded_for", "updated_at"])
    subscription_notice.send(sender=Subscription, subscription=subscription, event="renewal_due", number=0)
    return True


def _manual_renewal_step(subscription: Subscription, *, now: datetime) -> str:
    """A membership the learner renews (the row is locked): never charged; reminded once
    before the period ends; after the end, open through the grace period awaiting the
    learner's payment (``past_due`` without retries), then ended."""
    end = subscription.current_period_end
    if subscription.status == Subscription.Status.ACTIVE and now < end:
        if subscription.cancel_at_period_end or now < end - reminder_days():
            return "not_due"
        return "reminded" if _remind(subscription) else "not_due"
    if subscription.cancel_at_period_end:
        _end(subscription, status=Subscription.Status.CANCELLED, now=now)
        return "cancelled"
    if subscription.status == Subscription.Status.PAST_DUE:
        if subscription.grace_until is not None and now >= subscription.grace_until:
            _end(subscription, status=Subscription.Status.EXPIRED, now=now)
            return "expired"
        return "waiting"  # for the learner to renew, or for the grace period to end
    _remind(subscription)  # the reminder's days went by without a run: it goes now
    subscription.status = Subscription.Status.PAST_DUE
    subscription.next_retry_at = None
    subscription.grace_until = end + grace()
    subscription.save(update_fields=["status", "next_retry_at", "grace_until", "updated_at"])
    return "awaiting_renewal"


def _renewal_open(*, subscription_id: int, now: datetime) -> tuple[str, Order | None]:
    """Phase 1: decide under the subscription's lock; write the pending order when a
    charge is due. Returns the outcome and the order to charge (or None)."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "user")
            .get(pk=subscription_id)
        )
        if subscription.status not in LIVE:
            return "ended", None
        if subscription.renewal == MANUAL:
            return _manual_renewal_step(subscription, now=now), None
        if subscription.status == Subscription.Status.ACTIVE and now < subscription.current_period_end:
            return "not_due", None
        if subscription.cancel_at_period_end:
            _end(subscription, status=Subscription.Status.CANCELLED, now=now)
            return "cancelled", None
        if subscription.status == Subscription.Status.PAST_DUE:
            if subscription.grace_until is not None and now >= subscription.grace_until:
                _end(subscription, status=Subscription.Status.EXPIRED, now=now)
                return "expired", None
            if subscription.next_retry_at is None or now < subscription.next_retry_at:
                return "waiting", None
        number = _paid_number(subscription) + 1
        period = SubscriptionPeriod.objects.filter(subscription=subscription, number=number).first()
        if period is not None and period.status == SubscriptionPeriod.Status.PENDING:
            # Another run is charging it (or lost its answer: the reconciler settles it).
            return "in_progress", None
        order = Order.objects.create(
            user=subscription.user,
            currency=subscription.currency,
            subtotal=subscription.amount,
            total=subscription.amount,
            language=subscription.language,
            provider=subscription.provider,
            payment_method=subscription.payment_method,
        )
        if period is None:
            start = subscription.current_period_end
            period = SubscriptionPeriod.objects.create(
                subscription=subscription,
                number=number,
                starts_at=start,
                ends_at=period_end(interval=subscription.plan.interval, start=start),
                order=order,
            )
        else:  # a retry of a declined renewal
            period.order = order
            period.status = SubscriptionPeriod.Status.PENDING
            period.attempts += 1
            period.save(update_fields=["order", "status", "attempts", "updated_at"])
        order.subscription_period = period
        order.save(update_fields=["subscription_period", "updated_at"])
        OrderLine.objects.create(
            order=order,
            plan=subscription.plan,
            currency=subscription.currency,
            unit_price=subscription.amount,
            total=subscription.amount,
        )
        Payment.objects.create(
            order=order,
            provider=subscription.provider,
            amount=subscription.amount,
            currency=subscription.currency,
            # Fixed per period and attempt: a retry of this attempt never charges twice.
            idempotency_key=f"subscription-{subscription.pk}-{number}-{period.attempts}",
        )
        return "charging", order


def subscription_renew(*, subscription_id: int, now: datetime | None = None) -> str:
    """Renew, retry, end or leave alone one subscription, as its state and ``now`` say.
    Returns the outcome: ``renewed``, ``pending`` (the provider answers later, by webhook
    or to the reconciler), ``failed`` (declined: dunning), ``unknown``, ``cancelled``,
    ``expired``, ``not_due``, ``waiting``, ``in_progress``, ``ended``, and for manual
    renewal ``reminded`` and ``awaiting_renewal`` (the period ended unpaid: grace begins).
    Safe to call any number of times concurrently: one period, one charge, one reminder."""
    from .checkout import _charge

    now = now or timezone.now()
    due = (
        Subscription.objects.filter(
            pk=subscription_id,
            renewal=AUTOMATIC,
            status__in=LIVE,
            current_period_end__lte=now + reminder_days(),
        )
        .values_list("pk", flat=True)
        .first()
    )
    if due is not None:
        # Before the reminder's days, so a membership that turns manual is reminded in time.
        try:
            subscription_method_read_back(subscription_id=subscription_id)
        except PaymentOutcomeUnknown:
            return "unknown"  # asked again at the next run
    outcome, order = _renewal_open(subscription_id=subscription_id, now=now)
    if order is None:
        return outcome
    provider = get_provider(order.provider, require_enabled=False)
    customer = (
        Subscription.objects.filter(periods__pk=order.subscription_period_id)
        .values_list("provider_customer", flat=True)
        .first()
    )
    try:
        # Merchant-initiated: the learner is not there to authenticate; a bank that asks
        # for it declines, and the period goes to dunning like any decline.
        order = _charge(
            order=order,
            provider=provider,
            token=order.payment_method,
            customer=customer or "",
            off_session=True,
        )
    except PaymentOutcomeUnknown:
        return "unknown"
    except PaymentProviderError:
        return "failed"
    return {Order.Status.PAID: "renewed", Order.Status.FAILED: "failed"}.get(order.status, "pending")


def subscriptions_due(*, now: datetime) -> list[int]:
    soon = now + reminder_days()
    return list(
        Subscription.objects.filter(
            Q(status=Subscription.Status.ACTIVE, current_period_end__lte=now)
            | Q(status=Subscription.Status.PAST_DUE, next_retry_at__lte=now)
            | Q(status=Subscription.Status.PAST_DUE, grace_until__lte=now)
            # Manual renewal: the reminder is due and not sent for this period.
            | (
                Q(
                    renewal=MANUAL,
                    status=Subscription.Status.ACTIVE,
                    cancel_at_period_end=False,
                    current_period_end__lte=soon,
                )
                & ~Q(renewal_reminded_for=F("current_period_end"))
            )
            # Automatic renewal without its method yet: read back before the reminder's days.
            | Q(
                renewal=AUTOMATIC,
                status=Subscription.Status.ACTIVE,
                payment_method="",
                current_period_end__lte=soon,
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def subscriptions_advance(*, now: datetime | None = None) -> dict:
    """The periodic task's body: every due subscription renewed, retried or ended, then
    every finished period shared with its instructors."""
    now = now or timezone.now()
    outcomes: dict[str, int] = {}
    for pk in subscriptions_due(now=now):
        outcome = subscription_renew(subscription_id=pk, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    outcomes["settled"] = subscription_periods_settle(now=now)
    return outcomes


# --- The learner's choices -----------------------------------------------------------


@transaction.atomic
def subscription_cancel(*, user, subscription_id: int, now: datetime | None = None) -> Subscription:
    """Cancel at the period's end: the learner keeps the courses until then and is not
    charged again. An overdue subscription has no paid period left: it ends now.
    Cancelling again changes nothing."""
    now = now or timezone.now()
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan", "user")
        .filter(pk=subscription_id, user=user)
        .first()
    )
    if subscription is None:
        raise SubscriptionNotFound()
    if subscription.status == Subscription.Status.PAST_DUE:
        _end(subscription, status=Subscription.Status.CANCELLED, now=now)
    elif subscription.status == Subscription.Status.ACTIVE and not subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = True
        subscription.cancelled_at = now
        subscription.save(update_fields=["cancel_at_period_end", "cancelled_at", "updated_at"])
    return subscription


@transaction.atomic
def subscription_resume(*, user, subscription_id: int) -> Subscription:
    """Undo a cancellation before the period ends (renewals go on)."""
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(pk=subscription_id, user=user)
        .first()
    )
    if subscription is None:
        raise SubscriptionNotFound()
    if subscription.status != Subscription.Status.ACTIVE or not subscription.plan.renews:
        raise SubscriptionNotResumable()
    if subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = False
        subscription.cancelled_at = None
        subscription.save(update_fields=["cancel_at_period_end", "cancelled_at", "updated_at"])
    return subscription


# --- Revenue share of finished periods ---------------------------------------------------


def subscription_period_settle(*, period_id: int, now: datetime | None = None) -> bool:
    """Share one finished, paid period with the instructors (ledger rule 4), once."""
    now = now or timezone.now()
    with transaction.atomic():
        period = (
            SubscriptionPeriod.objects.select_for_update(of=("self",))
            .select_related("subscription__plan")
            .filter(pk=period_id, status=SubscriptionPeriod.Status.PAID, settled_at__isnull=True)
            .first()
        )
        if period is None or period.ends_at > now:
            return False
        line = period.order.lines.get()
        lessons = plan_lessons_completed(
            user_id=period.subscription.user_id,
            plan=period.subscription.plan,
            start=period.starts_at,
            end=period.ends_at,
        )
        ledger_settle_plan_line(line=line, lessons_by_instructor=lessons)
        period.settled_at = now
        period.save(update_fields=["settled_at", "updated_at"])
        return True


def subscription_periods_settle(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    ids = SubscriptionPeriod.objects.filter(
        status=SubscriptionPeriod.Status.PAID, settled_at__isnull=True, ends_at__lte=now
    ).values_list("pk", flat=True)
    return sum(subscription_period_settle(period_id=pk, now=now) for pk in list(ids.order_by("pk")))
