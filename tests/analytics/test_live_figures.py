"""Live campaign figures (portal dashboard and metrics before the nightly job): every
attributed order counts, converted into the campaign's budget currency with
``settings.REPORTING_FX_RATES``, net of refunds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics import live as selectors
from campaigns.models import OrderAttribution
from partners.models import PartnerMember
from tests.campaigns.factories import CampaignFactory, PartnerFactory, PartnerMemberFactory

pytestmark = pytest.mark.django_db

RATES = {"USD": Decimal("1"), "EUR": Decimal("1.08"), "CNY": Decimal("0.14"), "JPY": Decimal("0.0067")}


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.REPORTING_FX_RATES = RATES


def _attribution(campaign, n, amount, currency, refunded="0", discount="0", paid_at=None):
    return OrderAttribution.objects.create(
        order_ref=f"order-{campaign.pk}-{n}",
        order_id=n,
        campaign=campaign,
        reason=OrderAttribution.Reason.CODE,
        paid_at=paid_at or timezone.now(),
        amount=Decimal(amount),
        currency=currency,
        refunded_amount=Decimal(refunded),
        discount_amount=Decimal(discount),
    )


def _mixed_orders(campaign):
    _attribution(campaign, 1, "100.00", "USD", refunded="10.00", discount="10.00")
    _attribution(campaign, 2, "100.00", "EUR", discount="5.00")  # 108.00 USD
    _attribution(campaign, 3, "1000", "JPY", refunded="500")  # 3.35 USD net
    _attribution(campaign, 4, "100.00", "CNY")  # 14.00 USD


def test_live_figures_convert_every_currency_into_the_budget_currency():
    # given a USD campaign with orders in four currencies, one partly refunded
    campaign = CampaignFactory(budget_currency="USD")
    _mixed_orders(campaign)

    # when the live figures are read
    figures = selectors.campaign_live_figures(campaign_ids=[campaign.pk])[campaign.pk]

    # then every order counts: 90 + 108 + (1000 - 500) * 0.0067 + 14
    assert figures["orders"] == 4
    assert figures["revenue"] == Decimal("215.35")


def test_live_figures_of_a_yen_campaign_are_whole_yen():
    campaign = CampaignFactory(budget_currency="JPY")
    _attribution(campaign, 1, "10.00", "USD")  # 10 / 0.0067 = 1492.537... -> 1493
    _attribution(campaign, 2, "1000", "JPY", refunded="100")  # 900

    figures = selectors.campaign_live_figures(campaign_ids=[campaign.pk])[campaign.pk]

    assert figures["revenue"] == Decimal("2393")


def test_live_figures_of_several_campaigns_each_in_its_own_currency_in_one_query(django_assert_num_queries):
    usd = CampaignFactory(budget_currency="USD")
    eur = CampaignFactory(budget_currency="EUR")
    quiet = CampaignFactory(budget_currency="CNY")
    _attribution(usd, 1, "108.00", "EUR")  # 116.64 USD
    _attribution(eur, 2, "108.00", "USD")  # 100.00 EUR
    _attribution(eur, 3, "100.00", "EUR", refunded="100.00")  # fully refunded: 0

    with django_assert_num_queries(2):  # touches, then attributions
        figures = selectors.campaign_live_figures(campaign_ids=[usd.pk, eur.pk, quiet.pk])

    assert (figures[usd.pk]["revenue"], figures[eur.pk]["revenue"], figures[quiet.pk]["revenue"]) == (
        Decimal("116.64"),
        Decimal("100.00"),
        Decimal("0"),
    )
    assert (figures[usd.pk]["orders"], figures[eur.pk]["orders"], figures[quiet.pk]["orders"]) == (1, 2, 0)


def test_live_metric_rows_convert_revenue_refunds_and_discount_cost():
    # given a USD campaign with orders in four currencies paid today
    campaign = CampaignFactory(budget_currency="USD", starts_at=timezone.now() - timedelta(days=2))
    _mixed_orders(campaign)
    today = timezone.localdate()

    # when the metrics are read before the nightly job has run
    result = selectors.campaign_metrics(campaign=campaign, date_from=today, date_to=today, live_fallback=True)

    # then one row for today, every amount in USD
    assert result.source == "live"
    assert [(r["date"], r["currency"], r["orders"]) for r in result.rows] == [(today.isoformat(), "USD", 4)]
    row = result.rows[0]
    # 100 + 108 + 6.70 + 14; refunds 10 + 3.35; discounts 10 + 5.40
    assert (row["revenue"], row["refunds"], row["discount_cost"]) == ("228.70", "13.35", "15.40")
    assert (result.totals["revenue"], result.totals["refunds"]) == ("228.70", "13.35")


def test_portal_dashboard_shows_revenue_from_orders_in_other_currencies(client, settings):
    # exact figures here; small groups are hidden by default (tests/campaigns/test_portal_privacy.py)
    settings.PARTNER_MIN_GROUP_SIZE = 1
    # given a partner analyst and a EUR campaign with one order paid in yen
    partner = PartnerFactory(slug="bank")
    analyst = PartnerMemberFactory(partner=partner, role=PartnerMember.Role.ANALYST).user
    campaign = CampaignFactory(partner=partner, budget_currency="EUR")
    _attribution(campaign, 1, "16120", "JPY")  # 16120 * 0.0067 / 1.08 = 100.0037 -> 100.00 EUR
    client.force_login(analyst)

    # when they open the campaign list of the portal
    response = client.get("/en/partner/campaigns/")

    # then the revenue is the converted amount, in euros
    assert response.status_code == 200
    [shown] = [c for c in response.context["campaigns"] if c.pk == campaign.pk]
    assert shown.figures["revenue"] == Decimal("100.00")
    assert "€100.00" in response.content.decode()
