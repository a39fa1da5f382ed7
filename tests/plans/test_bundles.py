"""Bundles: one price per currency, spread over the courses to the cent; buying one
enrolls every course of it through the real checkout."""

from decimal import Decimal

import pytest

from commerce.exceptions import AlreadyEnrolled, DuplicateItem
from commerce.ledger import order_ledger_total
from commerce.models import LedgerEntry
from commerce.services import order_checkout, order_refund
from core.money import allocate_largest_remainder
from courses.models import Enrollment
from plans.exceptions import ProductNotAvailable
from plans.services import bundle_line_prices
from tests.factories import CourseFactory, UserFactory

from .factories import make_bundle

pytestmark = pytest.mark.django_db
PAY = {"provider": "sandbox", "token": "tok_success"}


def test_largest_remainder_sums_to_the_cent_and_favours_the_largest_remainders():
    assert allocate_largest_remainder(Decimal("10.00"), [1, 1, 1], "USD") == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    assert allocate_largest_remainder(Decimal("100"), [2, 1], "JPY") == [Decimal("67"), Decimal("33")]
    assert allocate_largest_remainder(Decimal("5.00"), [0, 0], "USD") == []


def test_bundle_price_is_spread_in_proportion_to_the_course_prices():
    a = CourseFactory(prices={"USD": Decimal("30.00")})
    b = CourseFactory(prices={"USD": Decimal("20.00")})
    c = CourseFactory(prices={"USD": Decimal("20.00")})
    bundle = make_bundle(courses=[a, b, c], prices={"USD": Decimal("49.99")})

    parts = bundle_line_prices(bundle=bundle, currency="USD")

    assert [(course.pk, amount) for course, amount in parts] == [
        (a.pk, Decimal("21.43")),  # 2142.43 cents: the largest remainder gets the spare cent
        (b.pk, Decimal("14.28")),
        (c.pk, Decimal("14.28")),
    ]
    assert sum(amount for _course, amount in parts) == Decimal("49.99")


def test_buying_a_bundle_enrolls_all_its_courses_and_the_ledger_adds_up():
    courses = [CourseFactory() for _ in range(3)]
    bundle = make_bundle(courses=courses, prices={"USD": Decimal("50.00")})
    learner = UserFactory()

    order = order_checkout(user=learner, items=[{"bundle": bundle.slug}], currency="USD", payment=PAY).order

    assert order.status == "paid"
    assert order.total == Decimal("50.00")
    assert sorted(order.lines.values_list("course_id", "bundle_id")) == sorted(
        (c.pk, bundle.pk) for c in courses
    )
    assert set(
        Enrollment.objects.filter(user=learner, is_active=True, source="purchase").values_list(
            "course_id", flat=True
        )
    ) == {c.pk for c in courses}
    assert order_ledger_total(order=order) == Decimal("50.00")
    # Each course's instructor has a sale entry on the line of their course.
    assert LedgerEntry.objects.filter(order=order, party__startswith="instructor:").count() == 3


def test_full_refund_of_a_bundle_ends_its_enrollments_and_nets_the_ledger_to_zero():
    courses = [CourseFactory() for _ in range(2)]
    bundle = make_bundle(courses=courses, prices={"USD": Decimal("33.33")})
    learner = UserFactory()
    order = order_checkout(user=learner, items=[{"bundle": bundle.slug}], currency="USD", payment=PAY).order

    order_refund(order=order, amount="33.33", reason="changed my mind", staff_user=None)

    assert not Enrollment.objects.filter(user=learner, is_active=True).exists()
    assert order_ledger_total(order=order) == Decimal("0.00")


def test_a_bundle_with_a_course_already_owned_or_twice_in_the_cart_is_refused_and_changes_nothing():
    owned, other = CourseFactory(), CourseFactory()
    bundle = make_bundle(courses=[owned, other])
    learner = UserFactory()
    order_checkout(user=learner, items=[{"course": owned.slug}], currency="USD", payment=PAY)

    with pytest.raises(AlreadyEnrolled):
        order_checkout(user=learner, items=[{"bundle": bundle.slug}], currency="USD", payment=PAY)
    with pytest.raises(DuplicateItem):
        order_checkout(
            user=UserFactory(),
            items=[{"bundle": bundle.slug}, {"course": other.slug}],
            currency="USD",
            payment=PAY,
        )
    with pytest.raises(ProductNotAvailable):
        order_checkout(user=learner, items=[{"bundle": "nope"}], currency="USD", payment=PAY)
    assert not Enrollment.objects.filter(course=other).exists()
