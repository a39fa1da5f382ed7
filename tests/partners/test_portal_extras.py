"""Portal dashboard's campaign block and one customer's recommendations (audit of issue 4)."""

import uuid
from decimal import Decimal

import pytest

from campaigns.models import Campaign, CampaignPartner
from partners.models import PartnerCustomer
from partners.services import partner_customers_upsert
from tests.campaigns.factories import CampaignFactory, TouchFactory
from tests.factories import CategoryFactory, CourseFactory

pytestmark = pytest.mark.django_db

PORTAL = "/en/partner/"


def test_dashboard_lists_the_members_campaigns_with_live_figures(
    client, analyst, partner_a, partner_b, settings
):
    # exact figures here; small groups are hidden by default (tests/campaigns/test_portal_privacy.py)
    settings.PARTNER_MIN_GROUP_SIZE = 1
    # given a running campaign led by A with two clicks, a draft led by A, a campaign of B
    # with A as co-partner, and a campaign of B alone
    running = CampaignFactory(partner=partner_a, name_en="A running")
    TouchFactory(campaign=running, visitor_id=uuid.uuid4())
    TouchFactory(campaign=running, visitor_id=uuid.uuid4())
    CampaignFactory(partner=partner_a, name_en="A draft", status=Campaign.Status.DRAFT)
    alliance = CampaignFactory(partner=partner_b, name_en="B with A")
    CampaignPartner.objects.create(campaign=alliance, partner=partner_a, revenue_share=Decimal("0.05"))
    CampaignFactory(partner=partner_b, name_en="B alone")
    client.force_login(analyst)

    # when the analyst opens the dashboard
    response = client.get(PORTAL)

    # then A's and the alliance's campaigns show with their live counts, B's own does not
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="dashboard-campaigns"' in html
    assert "A running" in html and "A draft" in html and "B with A" in html
    assert "B alone" not in html
    assert "2 campaigns running" in html
    shown = {c.name: c.figures for c in response.context["campaigns"]}
    assert shown["A running"]["clicks"] == 2
    assert shown["A running"]["unique_visitors"] == 2
    assert shown["A draft"]["clicks"] == 0


@pytest.mark.parametrize("count", [1, 4])
def test_dashboard_query_count_does_not_grow_with_campaigns(
    client, owner, partner_a, django_assert_num_queries, count
):
    # given some campaigns of the partner
    for _ in range(count):
        CampaignFactory(partner=partner_a)
    client.force_login(owner)
    client.get(PORTAL)  # warm the session and site caches

    # when the dashboard is opened, then the query count is the same for 1 and 4 campaigns
    # 15 for the page less the user (from the auth cache), the header's cart count, 2 for
    # the getting-started checklist, and the live figures of today and yesterday (the
    # nightly SQL as one statement per day, for all the campaigns at once)
    with django_assert_num_queries(19):
        response = client.get(PORTAL)
    assert len(response.context["campaigns"]) == count


def test_customer_page_shows_recommendations_for_that_customer(client, analyst, partner_a):
    # given a pushed customer interested in finance and a published finance course
    finance = CategoryFactory(slug="finance")
    course = CourseFactory(category=finance, title_en="Money basics")
    partner_customers_upsert(
        partner=partner_a, customers=[{"external_id": "c-1", "interests": ["finance"], "consent": True}]
    )
    customer = PartnerCustomer.objects.get(partner=partner_a)
    client.force_login(analyst)

    # when the analyst opens that customer's page
    response = client.get(f"{PORTAL}customers/{customer.external_hash}/")

    # then the course is recommended
    assert response.status_code == 200
    assert [item.course.pk for item in response.context["recommendations"]] == [course.pk]
    html = response.content.decode()
    assert 'data-testid="customer-recommendations"' in html
    assert "Money basics" in html


def test_customer_page_of_another_partner_is_404_and_shows_no_recommendations(client, other_owner, partner_a):
    partner_customers_upsert(
        partner=partner_a, customers=[{"external_id": "c-1", "interests": [], "consent": True}]
    )
    customer = PartnerCustomer.objects.get(partner=partner_a)
    client.force_login(other_owner)
    response = client.get(f"{PORTAL}customers/{customer.external_hash}/")
    assert response.status_code == 404
