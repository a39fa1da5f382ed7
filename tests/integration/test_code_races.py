"""Discount codes under real concurrency: PostgreSQL, real threads, the HTTP API."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from campaigns.models import CodeRedemption, OrderAttribution
from commerce.models import LedgerEntry, Order
from tests.campaigns.factories import DiscountCodeFactory
from tests.commerce.concurrency import run_together
from tests.factories import CourseFactory, UserFactory

from .conftest import PAY

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _post_checkout(user, course_slug: str, code: str, key: str):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        "/api/v1/checkout/",
        {"items": [{"course": course_slug}], "currency": "USD", "discount_code": code, "payment": PAY},
        format="json",
        headers={"Idempotency-Key": key},
    )
    return response.status_code, response.json().get("code")


def test_twenty_concurrent_checkouts_with_a_single_use_code_use_it_once(course, campaign):
    # given a single-use code and 20 learners
    code = DiscountCodeFactory(campaign=campaign, code="ONLYONCE", max_redemptions=1, per_customer_limit=1)
    buyers = [UserFactory(username=f"racer{i}") for i in range(20)]

    # when all of them check out with it at the same moment
    results = run_together(20, lambda i: _post_checkout(buyers[i], course.slug, "ONLYONCE", f"race-{i}"))

    # then exactly one order uses it; the others are told it is used up and bought nothing
    assert sorted(results) == sorted([(201, None)] + [(409, "code_exhausted")] * 19), results
    code.refresh_from_db()
    assert code.redemptions_count == 1
    assert CodeRedemption.objects.filter(status="confirmed").count() == 1
    assert CodeRedemption.objects.count() == 1
    order = Order.objects.get()
    assert (order.status, order.discount, order.total, order.campaign_id) == (
        "paid",
        Decimal("2.90"),
        Decimal("26.10"),
        campaign.pk,
    )
    assert OrderAttribution.objects.get().order_ref == str(order.number)
    entries = LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)
    assert sum(entries, Decimal("0")) == Decimal("26.10")


def test_per_customer_limit_holds_under_concurrent_checkouts_of_one_learner(campaign, code):
    # given one learner and five campaign courses, a code usable once per learner
    learner = UserFactory(username="eager")
    courses = [CourseFactory(slug=f"campaign-course-{i}") for i in range(5)]
    for i, course in enumerate(courses):
        campaign.campaign_courses.create(course=course, position=i + 1)

    # when the learner checks out each course with the code at the same moment
    results = run_together(5, lambda i: _post_checkout(learner, courses[i].slug, "BANK10", f"mine-{i}"))

    # then the code is used once
    assert sorted(results) == sorted([(201, None)] + [(409, "code_limit_reached")] * 4), results
    code.refresh_from_db()
    assert code.redemptions_count == 1
    assert Order.objects.filter(user=learner).count() == 1
    assert CodeRedemption.objects.filter(user=learner).count() == 1
