"""Property: whatever learners buy (courses, bundles, plans), however plans renew (paid or
declined), however periods are shared with instructors and whatever is refunded, every
order line's ledger entries sum exactly to what the line kept (paid minus refunded), in
the currency's minor unit. Hypothesis draws the sequences; each example runs through the
real services against PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commerce.models import LedgerEntry, Order, Subscription
from commerce.services import order_checkout, order_refund
from commerce.services.subscriptions import subscription_periods_settle, subscription_renew
from core.exceptions import ApplicationError
from core.money import quantum, round_money
from courses.models import LessonProgress
from tests.factories import CourseFactory, InstructorFactory, LessonFactory, UserFactory
from tests.plans.factories import make_bundle, make_plan

from .test_subscriptions import _period_over

pytestmark = pytest.mark.django_db
CURRENCIES = ["USD", "JPY"]
# Kept small so the whole property runs well under 30 s on a busy machine.
MAX_EXAMPLES = 25

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("course"), st.integers(0, 2), st.sampled_from(CURRENCIES)),
        st.tuples(st.just("bundle"), st.sampled_from(CURRENCIES)),
        st.tuples(st.just("plan"), st.sampled_from(CURRENCIES)),
        st.tuples(st.just("renew"), st.booleans()),
        st.tuples(st.just("learn"), st.integers(0, 5)),
        st.tuples(st.just("settle"), st.just(0)),
        st.tuples(st.just("refund"), st.integers(0, 9), st.integers(1, 100)),
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture
def shop(settings):
    settings.SUBSCRIPTION_RETRY_HOURS = [0]
    shares = [Decimal("0.7000"), Decimal("0.3333"), Decimal("0.5500")]
    prices = [
        {"USD": Decimal("29.99"), "JPY": Decimal("4199")},
        {"USD": Decimal("19.95"), "JPY": Decimal("3001")},
        {"USD": Decimal("9.99"), "JPY": Decimal("999")},
    ]
    courses = [
        CourseFactory(instructor=InstructorFactory(revenue_share=share), prices=price)
        for share, price in zip(shares, prices, strict=True)
    ]
    lessons = [LessonFactory(section__course=course) for course in courses for _ in range(2)]
    plan = make_plan(courses=courses, prices={"USD": Decimal("12.99"), "JPY": Decimal("1499")})
    bundle = make_bundle(courses=courses[:2], prices={"USD": Decimal("33.33"), "JPY": Decimal("5001")})
    return {"courses": courses, "lessons": lessons, "plan": plan, "bundle": bundle}


def _apply(learner, shop, operation) -> None:
    kind = operation[0]
    pay = {"provider": "sandbox", "token": "tok_success"}
    try:
        if kind == "course":
            course = shop["courses"][operation[1]]
            order_checkout(user=learner, items=[{"course": course.slug}], currency=operation[2], payment=pay)
        elif kind in ("bundle", "plan"):
            order_checkout(user=learner, items=[{kind: shop[kind].slug}], currency=operation[1], payment=pay)
        elif kind == "renew":
            subscription = Subscription.objects.filter(
                user=learner, status__in=["active", "past_due"]
            ).first()
            if subscription is None:
                return
            _period_over(subscription)
            Subscription.objects.filter(pk=subscription.pk).update(
                payment_method="tok_decline" if operation[1] else "tok_success",
                next_retry_at=timezone.now() - timedelta(seconds=1),
            )
            subscription_renew(subscription_id=subscription.pk)
        elif kind == "learn":
            lesson = shop["lessons"][operation[1]]
            LessonProgress.objects.update_or_create(
                user=learner, lesson=lesson, defaults={"completed": True, "completed_at": timezone.now()}
            )
        elif kind == "settle":
            # Every paid period as if it were over, so settlement runs in every example.
            subscription_periods_settle(now=timezone.now() + timedelta(days=800))
        elif kind == "refund":
            orders = list(
                Order.objects.filter(user=learner, status__in=["paid", "partially_refunded"]).order_by("pk")
            )
            if not orders:
                return
            order = orders[operation[1] % len(orders)]
            amount = max(
                round_money(order.refundable * operation[2] / 100, order.currency), quantum(order.currency)
            )
            order_refund(
                order=order, amount=str(min(amount, order.refundable)), reason="property", staff_user=None
            )
    except ApplicationError:
        pass  # a refused request (already enrolled, already subscribed...) changes nothing


def _check_ledger(learner) -> None:
    for order in Order.objects.filter(user=learner).prefetch_related("lines"):
        for line in order.lines.all():
            entries = LedgerEntry.objects.filter(order_line=line)
            total = entries.aggregate(total=Sum("amount", default=Decimal("0")))["total"]
            if order.status in ("paid", "refunded", "partially_refunded"):
                assert total == line.total - line.amount_refunded, (order.number, line.pk)
            else:
                assert total == 0
            unit = quantum(line.currency)
            assert all(entry.amount == entry.amount.quantize(unit) for entry in entries)
            assert all(entry.currency == line.currency for entry in entries)
        paid = LedgerEntry.objects.filter(order=order).aggregate(total=Sum("amount", default=Decimal("0")))[
            "total"
        ]
        if order.status in ("paid", "refunded", "partially_refunded"):
            assert paid == order.total - order.amount_refunded


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_ledger_sums_to_the_cent_over_orders_renewals_settlements_and_refunds(shop, operations):
    learner = UserFactory()
    for operation in operations:
        _apply(learner, shop, operation)
    _check_ledger(learner)
