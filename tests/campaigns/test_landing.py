"""The tracking redirect and the co-branded landing page."""

from decimal import Decimal

import pytest
from django.core.cache import caches
from django.urls import reverse

from campaigns.models import Campaign, Touch, VisitorAssignment
from campaigns.views import VISITOR_COOKIE
from tests.factories import CourseFactory, UserFactory

from .factories import (
    CampaignFactory,
    DiscountCodeFactory,
    PartnerMemberFactory,
    TrackingLinkFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db

VISITOR = "22222222-2222-4222-8222-222222222222"


def _offered_code(html: str) -> str:
    return html.split('data-testid="campaign-code">', 1)[1].split("<", 1)[0]


def _variant_shown(response) -> str:
    return response.content.decode().split('data-variant="', 1)[1].split('"', 1)[0]


def _landing(campaign, lang="en"):
    return f"/{lang}/c/{campaign.slug}/"


def test_tracking_link_sets_cookie_records_click_and_redirects_in_the_links_language(client):
    campaign = CampaignFactory()
    link = TrackingLinkFactory(campaign=campaign, language="es")

    response = client.get(f"/t/{link.token}?utm_content=banner-a")

    assert response.status_code == 302
    assert response["Location"] == f"/es/c/{campaign.slug}/"
    cookie = response.cookies[VISITOR_COOKIE]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    touch = Touch.objects.get()
    assert (touch.kind, touch.visitor_id, touch.channel, touch.link_id) == (
        "click",
        cookie.value,
        "email",
        link.pk,
    )
    assert (touch.utm_source, touch.utm_medium, touch.utm_content) == ("bank", "email", "banner-a")


def test_tracking_link_keeps_an_existing_visitor_id(client):
    link = TrackingLinkFactory()
    client.cookies[VISITOR_COOKIE] = VISITOR

    response = client.get(f"/t/{link.token}", HTTP_ACCEPT_LANGUAGE="ja")

    assert response["Location"] == f"/ja/c/{link.campaign.slug}/"
    assert VISITOR_COOKIE not in response.cookies
    assert Touch.objects.get().visitor_id == VISITOR


def test_unknown_tracking_link_is_404_and_records_nothing(client):
    assert client.get("/t/nope").status_code == 404
    assert Touch.objects.count() == 0


def test_link_of_an_ended_campaign_lands_on_home_without_a_touch(client):
    link = TrackingLinkFactory(campaign=CampaignFactory(status=Campaign.Status.ENDED), language="en")

    response = client.get(f"/t/{link.token}")

    assert response.status_code == 302
    assert response["Location"] == reverse("courses:home")
    assert Touch.objects.count() == 0


def test_landing_page_shows_co_branding_translated_content_and_discounted_prices(client):
    course = CourseFactory(prices={"EUR": Decimal("27.00"), "USD": Decimal("29.00")})
    campaign = CampaignFactory(
        courses=[course], partner__name_en="Harbor Bank", partner__primary_color="#123456"
    )
    DiscountCodeFactory(campaign=campaign, code="BANK10", max_redemptions=500)

    response = client.get(_landing(campaign, "es"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbor Bank" in html and "知桥" in html
    assert "--partner-primary: #123456" in html
    assert "Aprende con nosotros" in html
    assert "24,30" in html  # 27.00 EUR - 10 %, Spanish number format
    assert "BANK10" in html
    assert Touch.objects.filter(kind="landing_view", language="es").count() == 1
    assert VISITOR_COOKIE in response.cookies


def test_sticky_variant_per_visitor(client):
    course = CourseFactory()
    campaign = CampaignFactory(courses=[course])
    VariantFactory(campaign=campaign, headline_en="Variant A headline")
    VariantFactory(campaign=campaign, headline_en="Variant B headline")
    client.cookies[VISITOR_COOKIE] = VISITOR

    first = client.get(_landing(campaign))
    # later views may come from the shared page cache (no template context): read the page
    seen = {_variant_shown(client.get(_landing(campaign))) for _i in range(4)}

    assert seen == {str(first.context["variant"].pk)}
    assert VisitorAssignment.objects.filter(campaign=campaign, visitor_id=VISITOR).count() == 1
    assert first.context["headline"] in {"Variant A headline", "Variant B headline"}


def test_holdout_visitor_sees_courses_without_the_offer(client):
    course = CourseFactory()
    campaign = CampaignFactory(courses=[course], holdout_share=Decimal("0.1"))
    DiscountCodeFactory(campaign=campaign, code="HIDDEN10", max_redemptions=100)
    VisitorAssignment.objects.create(campaign=campaign, visitor_id=VISITOR, is_holdout=True)
    client.cookies[VISITOR_COOKIE] = VISITOR

    response = client.get(_landing(campaign))

    html = response.content.decode()
    assert response.context["offer"] is False
    assert "HIDDEN10" not in html
    assert "$29.00" in html and "$26.10" not in html
    assert Touch.objects.get().is_holdout is True


def test_holdout_share_draws_roughly_its_share_of_visitors():
    from campaigns import services

    campaign = CampaignFactory(holdout_share=Decimal("0.1"))
    assignments = [
        services.visitor_assign(campaign=campaign, visitor_id=services.new_visitor_id()) for _i in range(400)
    ]
    holdouts = sum(a.is_holdout for a in assignments)
    assert 15 <= holdouts <= 70


@pytest.mark.parametrize("status", ["draft", "submitted", "approved", "rejected", "ended"])
def test_only_running_campaigns_are_public(client, status):
    campaign = CampaignFactory(status=status)

    assert client.get(_landing(campaign)).status_code == 404
    assert Touch.objects.count() == 0


def test_staff_and_the_partners_members_may_preview(client):
    campaign = CampaignFactory(status=Campaign.Status.SUBMITTED)
    member = PartnerMemberFactory(partner=campaign.partner)
    outsider = PartnerMemberFactory()

    client.force_login(outsider.user)
    assert client.get(_landing(campaign)).status_code == 404
    client.force_login(member.user)
    assert client.get(_landing(campaign)).status_code == 200
    client.force_login(UserFactory(is_staff=True))
    assert client.get(_landing(campaign) + "?variant=holdout").context["offer"] is False
    assert Touch.objects.count() == 0


def test_unknown_slug_and_bad_cookie_never_500(client):
    campaign = CampaignFactory(courses=[CourseFactory()])
    client.cookies[VISITOR_COOKIE] = "<script>"

    assert client.get("/en/c/does-not-exist/").status_code == 404
    response = client.get(
        _landing(campaign) + "?code=%ff&currency=XXX&utm_medium=a-b&utm_source=" + "x" * 500
    )
    assert response.status_code == 200
    assert response.cookies[VISITOR_COOKIE].value != "<script>"
    # A NUL byte is refused before any view (core.input_guard), as on every URL.
    assert client.get(_landing(campaign) + "?code=%00&utm_medium=a%00b").status_code == 400


@pytest.mark.parametrize("count", [3, 12])
def test_landing_page_query_count_does_not_grow_with_courses(client, django_assert_num_queries, count):
    campaign = CampaignFactory(courses=[CourseFactory() for _i in range(count)])
    VariantFactory(campaign=campaign)
    DiscountCodeFactory(campaign=campaign, code="COUNT10", max_redemptions=100)
    client.cookies[VISITOR_COOKIE] = VISITOR
    client.get(_landing(campaign))  # the visitor's assignment exists from now on
    caches["soft"].clear()  # measure the page as it is built, not served from the shared cache

    # campaign + variants + parties + fixed amounts, assignment, public code, touch, courses
    with django_assert_num_queries(8):
        response = client.get(_landing(campaign))
    assert len(response.context["courses"]) == count
    # then the campaign, the code and the page come from the cache: the assignment and
    # the touch remain (both go to the Redis buffer when TOUCH_BUFFER is on)
    with django_assert_num_queries(2):
        again = client.get(_landing(campaign))
    assert again.content.count(b'data-testid="campaign-course"') == response.content.count(
        b'data-testid="campaign-course"'
    )


def test_landing_page_cannot_be_used_to_enumerate_codes(client):
    # given a campaign with a public code and a secret single-use code
    campaign = CampaignFactory(courses=[CourseFactory()])
    DiscountCodeFactory(campaign=campaign, code="PUBLIC10", max_redemptions=500)
    DiscountCodeFactory(campaign=campaign, code="SECRET42", batch_id="00000000-0000-4000-8000-000000000001")

    # when a visitor tries ten wrong codes in links
    for attempt in range(10):
        html = client.get(_landing(campaign), {"code": f"WRONG{attempt}"}).content.decode()
        # then each wrong code is not offered; the public code is
        assert _offered_code(html) == "PUBLIC10"

    # and once the attempts are used up, even a right code in a link is no longer confirmed
    html = client.get(_landing(campaign), {"code": "SECRET42"}).content.decode()
    assert _offered_code(html) == "PUBLIC10"


def test_a_right_code_in_a_link_is_prefilled(client):
    campaign = CampaignFactory(courses=[CourseFactory()])
    DiscountCodeFactory(campaign=campaign, code="PUBLIC10", max_redemptions=500)
    DiscountCodeFactory(campaign=campaign, code="SECRET42", batch_id="00000000-0000-4000-8000-000000000001")

    html = client.get(_landing(campaign), {"code": "secret42"}).content.decode()

    assert _offered_code(html) == "SECRET42"
