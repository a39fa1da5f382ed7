"""One pricing rule: what a landing page advertises for a visitor's variant is what the cart,
the checkout and the API charge with the campaign's code (campaigns/services/pricing.py)."""

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from campaigns.models import Campaign, CampaignFixedDiscount
from campaigns.services.tracking import _pick_variant
from campaigns.views import VISITOR_COOKIE
from commerce.models import Order
from partners.models import ApiKey
from partners.services import api_key_issue
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory, DiscountCodeFactory, PartnerMemberFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _visitor_in(campaign, variant) -> str:
    """A visitor id whose (reproducible) draw lands in ``variant``."""
    variants = list(campaign.variants.order_by("id"))
    for n in range(10_000):
        visitor = str(uuid.UUID(int=n + 1, version=4))
        if _pick_variant(variants, campaign.holdout_share, visitor)[0] == variant:
            return visitor
    raise AssertionError("no visitor id lands in the variant")


def _between(html: str, start: str, end: str = "<") -> str:
    return html.split(start, 1)[1].split(end, 1)[0].strip()


def _buy_after_landing(client, campaign, course, visitor, currency):
    """Open the landing page as ``visitor``, then sign in, put the course in the cart with
    the advertised code and pay: (banner, advertised price, order)."""
    client.cookies[VISITOR_COOKIE] = visitor
    page = client.get(f"/en/c/{campaign.slug}/?currency={currency}").content.decode()
    banner = " ".join(_between(page, 'data-testid="campaign-offer">', "</p>").split())
    advertised = _between(page, 'class="price-now">')
    code = _between(page, 'data-testid="campaign-code">')
    client.force_login(UserFactory())
    client.post("/en/cart/add/", {"course": course.slug, "currency": currency, "discount_code": code})
    preview = client.get(f"/en/checkout/?currency={currency}").context["preview"]
    response = client.post(
        "/en/checkout/",
        {"currency": currency, "discount_code": code, "token": "tok_success", "idempotency_key": visitor},
    )
    assert response.status_code == 302
    order = Order.objects.get(number=response["Location"].rstrip("/").rsplit("/", 1)[1])
    return banner, advertised, preview, order


def test_every_variant_is_charged_what_its_landing_page_advertises(client):
    course = CourseFactory(prices={"USD": Decimal("100.00"), "CNY": Decimal("199.00")})
    campaign = CampaignFactory(courses=[course], discount_percent=Decimal("10"))
    own_depth = VariantFactory(campaign=campaign, name="A")
    deeper = VariantFactory(campaign=campaign, name="B", discount_percent=Decimal("15"))
    DiscountCodeFactory(campaign=campaign, code="BANK10", max_redemptions=100, per_customer_limit=1)
    expected = {
        (own_depth, "USD"): ("10% off", "$90.00", Decimal("90.00")),
        (deeper, "USD"): ("15% off", "$85.00", Decimal("85.00")),
        (deeper, "CNY"): ("15% off", "CN¥169.15", Decimal("169.15")),  # 199 - 29.85
    }
    for (variant, currency), (percent, shown, total) in expected.items():
        client.logout()
        visitor = _visitor_in(campaign, variant)

        banner, advertised, preview, order = _buy_after_landing(client, campaign, course, visitor, currency)

        assert percent in banner and "BANK10" in banner
        assert advertised == shown
        assert preview.total == total
        assert (order.status, order.currency, order.total, order.discount_code) == (
            Order.Status.PAID,
            currency,
            total,
            "BANK10",
        )


def test_a_fixed_offer_is_the_same_amount_on_the_page_and_in_the_order(client):
    course = CourseFactory(prices={"JPY": Decimal("3000")})
    campaign = CampaignFactory(courses=[course], discount_type=Campaign.DiscountType.FIXED)
    CampaignFixedDiscount.objects.create(campaign=campaign, currency="JPY", amount=Decimal("500"))
    # A variant's own percent is for percent campaigns: a fixed campaign ignores it everywhere.
    variant = VariantFactory(campaign=campaign, discount_percent=Decimal("50"))
    DiscountCodeFactory(campaign=campaign, code="HOME500", max_redemptions=10)

    banner, advertised, _preview, order = _buy_after_landing(
        client, campaign, course, _visitor_in(campaign, variant), "JPY"
    )

    assert "¥500 off" in banner
    assert advertised == "¥2,500"
    assert order.total == Decimal("2500")


def test_a_learner_buying_through_the_api_on_another_device_gets_the_variant_they_saw(client):
    course = CourseFactory(prices={"USD": Decimal("100.00")})
    campaign = CampaignFactory(courses=[course])
    deeper = VariantFactory(campaign=campaign, discount_percent=Decimal("15"))
    DiscountCodeFactory(campaign=campaign, code="BANK10", max_redemptions=10)
    learner = UserFactory()
    client.force_login(learner)
    client.cookies[VISITOR_COOKIE] = _visitor_in(campaign, deeper)
    assert "$85.00" in client.get(f"/en/c/{campaign.slug}/?currency=USD").content.decode()
    phone = APIClient()  # no cookie: only the signed-in learner is known
    phone.force_authenticate(learner)

    response = phone.post(
        "/api/v1/checkout/",
        {
            "items": [{"course": course.slug, "live_session": None}],
            "currency": "USD",
            "discount_code": "bank10",
            "payment": {"provider": "sandbox", "token": "tok_success"},
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="phone-1",
    )

    assert response.status_code == 201, response.content
    assert response.json()["order"]["total"] == "85.00"


def test_partner_api_and_portal_show_each_variants_offer_by_the_same_rule(client):
    course = CourseFactory()
    campaign = CampaignFactory(courses=[course], discount_percent=Decimal("10"))
    deeper = VariantFactory(campaign=campaign, name="Deeper", discount_percent=Decimal("15"))
    _key, raw = api_key_issue(
        partner=campaign.partner, name="t", scopes=[ApiKey.Scope.READ_METRICS], created_by=None
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    offers = api.get(f"/api/partner/v1/campaigns/{campaign.pk}/").json()["offers"]

    usd = {o["variant"]: o for o in offers if o["currency"] == "USD"}
    assert usd[None] == {"variant": None, "currency": "USD", "percent": "10.00", "amount_off": None}
    assert usd[deeper.pk]["percent"] == "15.00"
    member = PartnerMemberFactory(partner=campaign.partner)
    client.force_login(member.user)
    page = client.get(f"/en/partner/campaigns/{campaign.pk}/").content.decode()
    assert _between(page, 'data-testid="campaign-discount">') == "10%"
    assert "Deeper" in page and " · 15% · " in page
