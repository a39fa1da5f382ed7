"""The storefront API of bundles and plans: the list (fixed query count), buying through
``POST checkout/`` with a plan or bundle item, the learner's memberships and their
cancellation, with refusals that change nothing."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from campaigns.models import CodeRedemption
from commerce.models import Order, Subscription
from tests.campaigns.factories import CampaignFactory, DiscountCodeFactory
from tests.factories import CategoryFactory, CourseFactory, UserFactory

from .factories import make_bundle, make_plan

pytestmark = pytest.mark.django_db
PAY = {"provider": "sandbox", "token": "tok_success"}


def _client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _catalog(n: int) -> None:
    for i in range(n):
        category = CategoryFactory()
        CourseFactory(category=category)
        make_plan(slug=f"plan-{i}", courses=[CourseFactory()], categories=[category])
        make_bundle(slug=f"bundle-{i}", courses=[CourseFactory(), CourseFactory()])


@pytest.mark.parametrize("count", [1, 4])
def test_plan_list_costs_a_fixed_number_of_queries(django_assert_num_queries, count):
    _catalog(count)
    # plans, their prices, courses, categories, the categories' courses; bundles, prices, courses
    with django_assert_num_queries(8):
        response = _client().get("/api/v1/plans/", {"page_size": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 * count
    kinds = [row["kind"] for row in body["results"]]
    assert kinds == ["subscription"] * count + ["bundle"] * count
    plan = body["results"][0]
    assert plan["interval"] == "month"
    assert {"currency": "USD", "amount": "10.00"} in plan["prices"]
    assert len(plan["courses"]) == 2  # the named course and the one of its category


def test_plan_detail_and_unknown_plan_in_the_callers_language():
    make_plan(slug="gold", courses=[CourseFactory(slug="c1")])

    found = _client().get("/api/v1/plans/gold/")
    missing = _client().get("/api/v1/plans/nope/", HTTP_ACCEPT_LANGUAGE="ja")

    assert (found.status_code, found.json()["courses"]) == (200, ["c1"])
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "product_not_available",
        "detail": "このバンドルまたはメンバーシッププランは販売されていません。",
    }


def test_checkout_a_plan_through_the_api_then_cancel_it_at_period_end():
    plan = make_plan(slug="gold", courses=[CourseFactory()])
    learner = UserFactory()
    client = _client(learner)

    bought = client.post(
        "/api/v1/checkout/", {"items": [{"plan": "gold"}], "currency": "USD", "payment": PAY}, format="json"
    )
    listed = client.get("/api/v1/me/subscriptions/")
    subscription_id = listed.json()["results"][0]["id"]
    cancelled = client.post(f"/api/v1/me/subscriptions/{subscription_id}/cancel/")
    # (a new key: the same request without one replays the first order)
    again = client.post(
        "/api/v1/checkout/",
        {"items": [{"plan": "gold"}], "currency": "USD", "payment": PAY},
        format="json",
        headers={"Idempotency-Key": "second-try"},
    )

    assert bought.status_code == 201
    line = bought.json()["order"]["lines"][0]
    assert (line["plan"], line["course"], line["title"], line["total"]) == (
        "gold",
        None,
        "Plan gold",
        "10.00",
    )
    assert listed.json()["results"][0]["status"] == "active"
    # Paid with the sandbox's card: renewed automatically, nothing for the learner to do.
    assert (listed.json()["results"][0]["renewal"], listed.json()["results"][0]["renewable_now"]) == (
        "automatic",
        False,
    )
    assert (cancelled.status_code, cancelled.json()["cancel_at_period_end"]) == (200, True)
    assert (again.status_code, again.json()["code"]) == (409, "already_subscribed")
    assert Subscription.objects.get(plan=plan).status == "active"


@pytest.mark.parametrize(
    "item",
    [{"plan": "gold", "course": "c1"}, {}, {"bundle": "no such bundle!"}],
    ids=["two", "none", "bad-slug"],
)
def test_a_malformed_item_is_refused_and_changes_nothing(item):
    make_plan(slug="gold", courses=[CourseFactory(slug="c1")])

    response = _client(UserFactory()).post(
        "/api/v1/checkout/", {"items": [item], "currency": "USD", "payment": PAY}, format="json"
    )

    assert response.status_code == 400
    assert Order.objects.count() == 0


def test_memberships_are_private_to_their_learner():
    make_plan(slug="gold", courses=[CourseFactory()])
    owner, other = UserFactory(), UserFactory()
    _client(owner).post(
        "/api/v1/checkout/", {"items": [{"plan": "gold"}], "currency": "USD", "payment": PAY}, format="json"
    )
    subscription = Subscription.objects.get(user=owner)

    anonymous = _client().post(f"/api/v1/me/subscriptions/{subscription.pk}/cancel/")
    stranger = _client(other).post(f"/api/v1/me/subscriptions/{subscription.pk}/cancel/")
    listed = _client(other).get("/api/v1/me/subscriptions/")

    assert anonymous.status_code in (401, 403)
    assert (stranger.status_code, stranger.json()["code"]) == (404, "subscription_not_found")
    assert listed.json()["count"] == 0
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False


def test_a_campaign_code_discounts_a_plan_and_a_bundle_by_the_campaign_offer():
    plan = make_plan(slug="gold", courses=[CourseFactory()], prices={"USD": Decimal("10.00")})
    a, b = CourseFactory(prices={"USD": Decimal("30.00")}), CourseFactory(prices={"USD": Decimal("10.00")})
    bundle = make_bundle(slug="pair", courses=[a, b], prices={"USD": Decimal("33.33")})
    campaign = CampaignFactory(discount_percent=Decimal("15.00"))
    campaign.plans.add(plan)
    campaign.bundles.add(bundle)
    DiscountCodeFactory(campaign=campaign, code="SAVE15", max_redemptions=10, per_customer_limit=5)
    client = _client(UserFactory())

    response = client.post(
        "/api/v1/checkout/",
        {
            "items": [{"plan": "gold"}, {"bundle": "pair"}],
            "currency": "USD",
            "discount_code": "SAVE15",
            "payment": PAY,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    order = response.json()["order"]
    # 15 % of 10.00 = 1.50 off the plan; 15 % of 33.33 = 5.00 off the bundle, spread 3:1.
    assert (order["subtotal"], order["discount"], order["total"]) == ("43.33", "6.50", "36.83")
    discounts = sorted((line["plan"] or line["course"], line["discount"]) for line in order["lines"])
    assert discounts == sorted([("gold", "1.50"), (a.slug, "3.75"), (b.slug, "1.25")])
    assert CodeRedemption.objects.count() == 1
    # Renewals are charged at the plan's price, without the code.
    assert Subscription.objects.get().amount == Decimal("10.00")


def test_a_code_of_a_campaign_without_the_plan_does_not_apply():
    make_plan(slug="gold", courses=[CourseFactory()])
    campaign = CampaignFactory(courses=[CourseFactory()])
    DiscountCodeFactory(campaign=campaign, code="COURSEONLY", max_redemptions=10)

    response = _client(UserFactory()).post(
        "/api/v1/checkout/",
        {"items": [{"plan": "gold"}], "currency": "USD", "discount_code": "COURSEONLY", "payment": PAY},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (400, "code_not_applicable")
    assert Order.objects.count() == 0
