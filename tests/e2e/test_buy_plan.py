"""Buying a membership plan in a real browser, in Spanish and at phone width: the plan's
page, the checkout with the sandbox card, "my membership", cancel at the period's end."""

from decimal import Decimal

import pytest

from commerce.models import LedgerEntry, Order, Subscription
from courses.models import Enrollment
from tests.factories import CategoryFactory, CourseFactory, LearnerProfileFactory, UserFactory
from tests.plans.factories import make_plan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/zq-e2e-buy-plan"


def test_learner_joins_a_monthly_plan_and_cancels_at_period_end(page, login, live_server):
    # given a monthly plan over a category, and a learner who reads Spanish, on a phone
    category = CategoryFactory(slug="cocina", name_en="Cooking", name_es="Cocina")
    courses = [CourseFactory(category=category, title_es=f"Cocina {n}") for n in range(3)]
    make_plan(
        slug="socio-mensual", categories=[category], prices={"EUR": Decimal("9.00"), "USD": Decimal("10.00")}
    )
    learner = UserFactory(username="lucia")
    LearnerProfileFactory(user=learner, preferred_language="es")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "lucia", "pass-1234", language="es")

    # when she opens the plan and joins it
    page.goto(f"{base}/es/plans/socio-mensual/?currency=EUR")
    assert page.locator('[data-testid="product-courses"] li').count() == 3
    assert "9,00" in page.locator('[data-testid="plan-price"]').inner_text()
    page.screenshot(path=f"{SHOTS}-1-plan.png", full_page=True)
    with page.expect_navigation():
        page.locator('[data-testid="buy-product"]').click()
    form = page.locator('[data-testid="checkout-form"]')
    form.locator('input[name="token"][value="tok_success"]').check()
    page.screenshot(path=f"{SHOTS}-2-checkout.png", full_page=True)
    with page.expect_navigation():
        form.locator('[data-testid="pay"]').click()

    # then "my membership" shows it active, and the courses are hers
    assert page.url.startswith(f"{base}/es/me/membership/")
    card = page.locator('[data-testid="membership"]')
    assert card.get_attribute("data-status") == "active"
    page.screenshot(path=f"{SHOTS}-3-membership.png", full_page=True)
    order = Order.objects.get(user=learner)
    assert (order.status, order.currency, order.total) == ("paid", "EUR", Decimal("9.00"))
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("9.00")
    assert set(
        Enrollment.objects.filter(user=learner, is_active=True).values_list("course_id", flat=True)
    ) == {c.pk for c in courses}

    # when she cancels at the end of the period
    with page.expect_navigation():
        card.locator('[data-testid="cancel"]').click()

    # then the membership runs until the period's end, and no more is charged
    assert page.locator('[data-testid="ends-on"]').count() == 1
    assert page.locator('[data-testid="resume"]').count() == 1
    subscription = Subscription.objects.get(user=learner)
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=f"{SHOTS}-4-cancelled.png", full_page=True)
