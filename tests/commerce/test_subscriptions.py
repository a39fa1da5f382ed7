"""Membership plans bought, renewed, declined, retried, in grace, cancelled at the period's
end: the Celery tasks run for real (eager, see conftest) against PostgreSQL, the sandbox
provider answers like a remote one (its own books, idempotent keys)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from commerce.models import LedgerEntry, Order, Subscription, SubscriptionPeriod
from commerce.services import order_checkout, order_refund
from commerce.services.subscriptions import subscription_cancel, subscription_periods_settle
from commerce.tasks import advance_subscriptions, renew_subscription
from core.models import OutboxMessage
from core.outbox import outbox_drain
from courses.models import Enrollment, LessonProgress
from notifications.models import Notification
from plans.models import Entitlement
from plans.tasks import end_due_entitlements
from tests.factories import CategoryFactory, CourseFactory, LessonFactory, UserFactory
from tests.plans.factories import make_plan

pytestmark = pytest.mark.django_db


def _buy(user, plan, token="tok_success", currency="USD", code=""):
    return order_checkout(
        user=user,
        items=[{"plan": plan.slug}],
        currency=currency,
        discount_code=code,
        payment={"provider": "sandbox", "token": token},
    ).order


def _active_courses(user) -> set[int]:
    return set(Enrollment.objects.filter(user=user, is_active=True).values_list("course_id", flat=True))


def _period_over(subscription: Subscription, *, by=timedelta(minutes=1)) -> None:
    """Move the paid period into the past, as if a month had gone by."""
    length = subscription.current_period_end - subscription.current_period_start
    end = timezone.now() - by
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_start=end - length, current_period_end=end
    )
    SubscriptionPeriod.objects.filter(subscription=subscription).update(starts_at=end - length, ends_at=end)


@pytest.fixture
def catalog():
    category = CategoryFactory(slug="design")
    in_category = CourseFactory(category=category)
    named = CourseFactory()
    outside = CourseFactory()
    return {"in_category": in_category, "named": named, "outside": outside, "category": category}


@pytest.fixture
def plan(catalog):
    return make_plan(courses=[catalog["named"]], categories=[catalog["category"]])


def test_buying_a_plan_starts_a_subscription_and_grants_its_courses(plan, catalog):
    learner = UserFactory()

    order = _buy(learner, plan)

    subscription = Subscription.objects.get(user=learner)
    assert (order.status, subscription.status, subscription.amount) == ("paid", "active", Decimal("10.00"))
    assert subscription.current_period_end - subscription.current_period_start >= timedelta(days=28)
    assert _active_courses(learner) == {catalog["in_category"].pk, catalog["named"].pk}
    assert set(Enrollment.objects.filter(user=learner).values_list("source", flat=True)) == {"membership"}
    period = SubscriptionPeriod.objects.get(subscription=subscription)
    assert (period.number, period.status, period.order_id) == (1, "paid", order.pk)
    # Sold to the platform alone until the period is over (ledger rule 4).
    assert list(LedgerEntry.objects.filter(order=order).values_list("party", "amount")) == [
        ("platform", Decimal("10.00"))
    ]


def test_renewing_by_hand_before_the_end_adds_the_next_period_and_keeps_the_current_one(plan, catalog):
    learner = UserFactory()
    _buy(learner, plan)
    # A membership renewed by hand (paid with WeChat Pay, say), one day before its end:
    # inside the reminder window, where "Renew now" is offered.
    first = Subscription.objects.get(user=learner)
    start, end = timezone.now() - timedelta(days=29), timezone.now() + timedelta(days=1)
    Subscription.objects.filter(pk=first.pk).update(
        renewal="manual", current_period_start=start, current_period_end=end
    )
    SubscriptionPeriod.objects.filter(subscription=first).update(starts_at=start, ends_at=end)

    order_checkout(
        user=learner,
        items=[{"plan": plan.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_success"},
        idempotency_key="renew-by-hand",
    )

    renewed = Subscription.objects.get(user=learner)
    second = SubscriptionPeriod.objects.get(subscription=renewed, number=2)
    assert second.starts_at == end and second.status == "paid"
    # The learner still sees the running period's start, and the paid time reaches the end
    # of the period bought ahead.
    assert renewed.current_period_start == start
    assert renewed.current_period_end == second.ends_at


def test_renewal_task_charges_the_next_period_once_and_sends_a_receipt(plan, catalog):
    learner = UserFactory(email="l@example.com")
    _buy(learner, plan)
    subscription = Subscription.objects.get(user=learner)
    first_end = subscription.current_period_end
    assert renew_subscription.delay(subscription.pk).get() == "not_due"
    _period_over(subscription)
    mail.outbox.clear()

    result = advance_subscriptions.delay().get()

    assert result["renewed"] == 1
    subscription.refresh_from_db()
    periods = list(subscription.periods.values_list("number", "status"))
    assert periods == [(1, "paid"), (2, "paid")]
    assert subscription.status == "active"
    assert subscription.current_period_end > first_end - timedelta(days=1)
    renewal = Order.objects.filter(user=learner).order_by("-id").first()
    assert (renewal.status, renewal.total, renewal.lines.get().plan_id) == ("paid", Decimal("10.00"), plan.pk)
    assert OutboxMessage.objects.filter(dedupe_key=f"commerce.order_receipt:{renewal.pk}").exists()
    outbox_drain()  # what the beat task does; the first order's receipt goes out with it
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Your Zhiqiao receipt for order {o.number}" for o in Order.objects.filter(user=learner)
    )
    # Running it again charges nothing more.
    assert advance_subscriptions.delay().get().get("renewed", 0) == 0
    assert Order.objects.filter(user=learner).count() == 2


def test_declined_renewal_is_retried_and_the_courses_stay_open_in_the_grace_period(plan, catalog, settings):
    settings.SUBSCRIPTION_RETRY_HOURS = [24, 72]
    settings.SUBSCRIPTION_GRACE_DAYS = 7
    learner = UserFactory(email="l@example.com")
    _buy(learner, plan)
    subscription = Subscription.objects.get(user=learner)
    Subscription.objects.filter(pk=subscription.pk).update(payment_method="tok_decline")
    _period_over(subscription)

    assert renew_subscription.delay(subscription.pk).get() == "failed"

    subscription.refresh_from_db()
    assert (subscription.status, subscription.retry_count) == ("past_due", 1)
    assert timedelta(hours=23) < subscription.next_retry_at - timezone.now() <= timedelta(hours=24)
    assert subscription.grace_until == subscription.current_period_end + timedelta(days=7)
    assert _active_courses(learner) == {catalog["in_category"].pk, catalog["named"].pk}
    notice = Notification.objects.get(user=learner, kind="membership")
    assert notice.params["event"] == "payment_failed"
    # Not yet time to retry: nothing happens.
    assert renew_subscription.delay(subscription.pk).get() == "waiting"

    # The retry is due and the card works again: the same period is paid, dunning resets.
    Subscription.objects.filter(pk=subscription.pk).update(
        next_retry_at=timezone.now() - timedelta(seconds=1), payment_method="tok_success"
    )
    assert renew_subscription.delay(subscription.pk).get() == "renewed"

    subscription.refresh_from_db()
    period = subscription.periods.get(number=2)
    assert (period.status, period.attempts) == ("paid", 2)
    assert (subscription.status, subscription.retry_count, subscription.grace_until) == ("active", 0, None)
    assert Order.objects.filter(user=learner, status="failed").count() == 1
    assert Order.objects.filter(user=learner, status="paid").count() == 2


def test_retries_run_out_and_the_grace_period_ends_the_membership(plan, catalog, settings):
    settings.SUBSCRIPTION_RETRY_HOURS = [1]
    learner = UserFactory(email="l@example.com")
    bought = CourseFactory()
    order_checkout(
        user=learner,
        items=[{"course": bought.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_success"},
    )
    plan.courses.add(bought)  # bought on its own before: the plan never takes it away
    _buy(learner, plan)
    subscription = Subscription.objects.get(user=learner)
    Subscription.objects.filter(pk=subscription.pk).update(payment_method="tok_decline")
    _period_over(subscription)
    assert renew_subscription.delay(subscription.pk).get() == "failed"
    Subscription.objects.filter(pk=subscription.pk).update(
        next_retry_at=timezone.now() - timedelta(seconds=1)
    )
    assert renew_subscription.delay(subscription.pk).get() == "failed"
    subscription.refresh_from_db()
    assert (subscription.retry_count, subscription.next_retry_at) == (2, None)  # no retry left
    assert renew_subscription.delay(subscription.pk).get() == "waiting"

    Subscription.objects.filter(pk=subscription.pk).update(grace_until=timezone.now() - timedelta(seconds=1))
    assert advance_subscriptions.delay().get()["expired"] == 1

    subscription.refresh_from_db()
    assert subscription.status == "expired"
    assert _active_courses(learner) == {bought.pk}
    assert Entitlement.objects.get(user=learner).ended_at is not None
    events = sorted(
        Notification.objects.filter(user=learner, kind="membership").values_list("params__event", flat=True)
    )
    assert events == ["ended", "payment_failed", "payment_failed"]


def test_cancel_at_period_end_keeps_the_courses_until_then_and_charges_nothing_more(plan, catalog):
    learner = UserFactory()
    _buy(learner, plan)
    subscription = Subscription.objects.get(user=learner)

    subscription_cancel(user=learner, subscription_id=subscription.pk)
    subscription_cancel(user=learner, subscription_id=subscription.pk)  # again: no change

    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", True)
    assert renew_subscription.delay(subscription.pk).get() == "not_due"
    assert _active_courses(learner) == {catalog["in_category"].pk, catalog["named"].pk}

    _period_over(subscription)
    assert advance_subscriptions.delay().get()["cancelled"] == 1

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    assert _active_courses(learner) == set()
    assert Order.objects.filter(user=learner).count() == 1


def test_a_plan_that_does_not_renew_ends_at_its_period_end(catalog):
    plan = make_plan(slug="one-year", courses=[catalog["named"]], interval="year", renews=False)
    learner = UserFactory()
    _buy(learner, plan)
    subscription = Subscription.objects.get(user=learner)
    assert subscription.cancel_at_period_end is True
    assert subscription.current_period_end - subscription.current_period_start >= timedelta(days=365)

    _period_over(subscription)
    advance_subscriptions.delay().get()

    assert _active_courses(learner) == set()


def test_an_entitlement_past_its_end_is_ended_by_the_entitlement_task(plan, catalog):
    learner = UserFactory()
    _buy(learner, plan)
    now = timezone.now()
    Entitlement.objects.filter(user=learner).update(
        starts_at=now - timedelta(days=30), ends_at=now - timedelta(seconds=1)
    )

    assert end_due_entitlements.delay().get() == 1
    assert end_due_entitlements.delay().get() == 0
    assert _active_courses(learner) == set()


def test_full_refund_of_a_plan_period_ends_the_membership(plan, catalog):
    learner = UserFactory()
    order = _buy(learner, plan)

    order_refund(order=order, amount="10.00", reason="by mistake", staff_user=None)

    assert Subscription.objects.get(user=learner).status == "cancelled"
    assert _active_courses(learner) == set()
    assert LedgerEntry.objects.filter(order=order).values_list("amount", flat=True).count() == 2
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("0.00")


def test_finished_period_is_shared_with_instructors_by_lessons_completed(catalog, settings):
    settings.PLAN_INSTRUCTOR_POOL_SHARE = "0.5"
    a, b = catalog["named"], catalog["in_category"]
    plan = make_plan(courses=[a, b], prices={"USD": Decimal("10.00")})
    learner = UserFactory()
    _buy(learner, plan)
    subscription = Subscription.objects.get(user=learner)
    Subscription.objects.filter(pk=subscription.pk).update(cancel_at_period_end=True)
    assert subscription_periods_settle() == 0  # the period is not over yet
    _period_over(subscription)
    subscription.refresh_from_db()
    inside = subscription.current_period_start + timedelta(days=1)
    before = subscription.current_period_start - timedelta(days=1)
    lessons_a = [LessonFactory(section__course=a) for _ in range(3)]
    lesson_b = LessonFactory(section__course=b)
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(user=learner, lesson=lessons_a[0], completed=True, completed_at=inside),
            LessonProgress(user=learner, lesson=lessons_a[1], completed=True, completed_at=inside),
            LessonProgress(user=learner, lesson=lesson_b, completed=True, completed_at=inside),
            # Before the period: not counted.
            LessonProgress(user=learner, lesson=lessons_a[2], completed=True, completed_at=before),
        ]
    )

    assert advance_subscriptions.delay().get()["settled"] == 1

    line = Order.objects.get(user=learner).lines.get()
    entries = dict(
        LedgerEntry.objects.filter(order_line=line, kind="settlement").values_list("party", "amount")
    )
    # Pool 5.00 split 2:1 = 333.33 and 166.67 cents: 333 + 166, the spare cent to the
    # larger remainder (.67).
    assert entries == {
        f"instructor:{a.instructor_id}": Decimal("3.33"),
        f"instructor:{b.instructor_id}": Decimal("1.67"),
        "platform": Decimal("-5.00"),
    }
    assert sum(LedgerEntry.objects.filter(order_line=line).values_list("amount", flat=True)) == Decimal(
        "10.00"
    )
    assert advance_subscriptions.delay().get()["settled"] == 0  # once
