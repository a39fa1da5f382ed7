"""Partner-facing portal figures never reveal a group of fewer than PARTNER_MIN_GROUP_SIZE
people: the campaign list, campaign page, metrics page and dashboard show "fewer than N"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import OrderAttribution
from partners.models import PartnerMember

from .factories import CampaignFactory, PartnerFactory, PartnerMemberFactory, TouchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return PartnerMemberFactory(partner=PartnerFactory(slug="bank"), role=PartnerMember.Role.ANALYST)


def _campaign_with_visitors(member, count: int):
    campaign = CampaignFactory(partner=member.partner, starts_at=timezone.now() - timedelta(days=3))
    for n in range(count):
        TouchFactory(campaign=campaign, visitor_id=f"visitor-{n}", kind="landing_view")
    return campaign


def _pages(campaign):
    return [
        "/en/partner/",
        "/en/partner/campaigns/",
        f"/en/partner/campaigns/{campaign.pk}/",
        f"/en/partner/campaigns/{campaign.pk}/metrics/",
    ]


def test_small_groups_are_hidden_on_every_portal_page(client, member):
    # given a campaign seen by 3 visitors, below the minimum group size of 10
    campaign = _campaign_with_visitors(member, 3)
    client.force_login(member.user)

    for page in _pages(campaign):
        # when the partner admin opens the page
        response = client.get(page)

        # then the count is replaced by "fewer than 10"
        assert response.status_code == 200, page
        html = response.content.decode()
        assert "fewer than 10" in html, page


def test_groups_at_the_minimum_size_are_shown(client, member):
    campaign = _campaign_with_visitors(member, 12)
    client.force_login(member.user)

    response = client.get(f"/en/partner/campaigns/{campaign.pk}/metrics/")

    assert response.context["totals"]["unique_visitors"] == "12"
    assert "fewer than" not in response.content.decode().split("portal-figure", 2)[1]


def _orders(campaign, count: int):
    for n in range(count):
        OrderAttribution.objects.create(
            order_ref=f"ZQ-{campaign.pk:03d}{n:04d}",
            order_id=10_000 * campaign.pk + n,
            campaign=campaign,
            reason=OrderAttribution.Reason.CODE,
            paid_at=timezone.now(),
            amount=Decimal("19.00"),
            currency="USD",
        )


@pytest.mark.parametrize(("orders", "listed"), [(1, False), (9, False), (10, True)])
def test_single_orders_are_listed_only_for_a_group_at_the_minimum_size(client, member, orders, listed):
    # given a campaign with a few attributed orders
    campaign = _campaign_with_visitors(member, 12)
    _orders(campaign, orders)
    client.force_login(member.user)

    # when the partner admin opens the campaign page
    html = client.get(f"/en/partner/campaigns/{campaign.pk}/").content.decode()

    # then order numbers, times and amounts appear only from 10 orders on
    assert (f"ZQ-{campaign.pk:03d}0000" in html) is listed
    assert ('data-testid="orders-hidden"' in html) is not listed


def test_a_campaign_without_orders_says_so(client, member):
    campaign = _campaign_with_visitors(member, 12)
    client.force_login(member.user)

    html = client.get(f"/en/partner/campaigns/{campaign.pk}/").content.decode()

    assert "No attributed orders yet." in html
    assert 'data-testid="orders-hidden"' not in html
