"""Live figures are the nightly figures: the same SQL, run for today without writing.

The both-ways test computes every metric of the registry from the stored nightly rows and
live, on the same data, and asserts they are equal; the portal then shows live figures for
today that the nightly run will store unchanged."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import registry, selectors
from analytics.metrics import campaign_day_totals, campaign_metrics_compute
from analytics.models import CampaignDailyMetric
from campaigns.models import Campaign, OrderAttribution, Touch
from partners.models import PartnerMember
from tests.analytics import dataset
from tests.analytics.dataset import D
from tests.campaigns.factories import CampaignFactory, PartnerFactory, PartnerMemberFactory

pytestmark = pytest.mark.django_db

RATES = {"USD": Decimal("1"), "EUR": Decimal("1.08"), "CNY": Decimal("0.14"), "JPY": Decimal("0.0067")}
STORED = [metric.name for metric in registry.STORED]


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.REPORTING_FX_RATES = RATES


def _attribution(campaign, n, amount, currency, discount="0", paid_at=None):
    return OrderAttribution.objects.create(
        order_ref=f"order-{campaign.pk}-{n}",
        order_id=n,
        campaign=campaign,
        reason=OrderAttribution.Reason.CODE,
        paid_at=paid_at or timezone.now(),
        amount=Decimal(amount),
        currency=currency,
        discount_amount=Decimal(discount),
    )


@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/New_York"])
@pytest.mark.parametrize("day_offset", [-1, 0, 1])
def test_every_metric_reads_the_same_from_the_nightly_rows_and_live(day_offset, zone):
    # given the hand-computed data set (visits, clicks, sign-ups, orders in two currencies,
    # refunds on two days, ledger entries, reviews, enrollments, spend), its campaign
    # reporting in local days of ``zone``
    data = dataset.build()
    Campaign.objects.filter(pk=data.campaign.pk).update(reporting_time_zone=zone)
    day = D + timedelta(days=day_offset)

    # when the day is computed live (nothing stored) and then by the nightly job
    live = campaign_day_totals(day=day, campaign_ids=[data.campaign.pk])
    assert not CampaignDailyMetric.objects.exists()
    campaign_metrics_compute(day=day)
    stored = CampaignDailyMetric.objects.filter(campaign=data.campaign, date=day, variant=None, language=None)

    # then every stored metric and every ratio derived from them is equal both ways
    nightly = {name: getattr(stored.get(), name) for name in STORED}
    live_row = {name: live[data.campaign.pk][name] for name in STORED}
    assert live_row == nightly
    assert registry.with_ratios(live_row) == registry.with_ratios(nightly)
    assert any(nightly[name] for name in STORED)  # the day has data: the comparison is not 0 == 0


def test_every_stored_metric_of_the_registry_is_a_column_of_the_nightly_rows():
    columns = {field.name for field in CampaignDailyMetric._meta.get_fields()}
    assert set(STORED) <= columns
    assert {metric.name for metric in registry.RATIOS}.isdisjoint(columns)


def test_the_metrics_page_before_and_after_the_nightly_run_shows_the_same_day():
    # given a campaign with orders today
    campaign = CampaignFactory(budget_currency="USD", starts_at=timezone.now() - timedelta(days=2))
    _attribution(campaign, 1, "100.00", "USD", discount="10.00")
    _attribution(campaign, 2, "100.00", "EUR", discount="5.00")  # 108.00 USD
    today = timezone.localdate()

    # when the page's figures are read before and after computing today's rows
    before = selectors.campaign_analytics(campaign=campaign, date_from=today, date_to=today)
    campaign_metrics_compute(day=today)
    after = selectors.campaign_analytics(campaign=campaign, date_from=today, date_to=today)

    # then they agree (today is always counted live) and are converted into USD
    assert before.totals == after.totals
    assert before.live_days == [today]
    assert (before.totals["orders"], before.totals["revenue"], before.totals["discount_cost"]) == (
        2,
        Decimal("208.00"),
        Decimal("15.40"),
    )


def test_campaign_figures_cost_the_same_queries_for_one_or_many_campaigns(settings):
    settings.PARTNER_MIN_GROUP_SIZE = 1  # exact figures here; privacy: tests/analytics/test_privacy.py
    usd = CampaignFactory(budget_currency="USD")
    eur = CampaignFactory(budget_currency="EUR")
    quiet = CampaignFactory(budget_currency="CNY")
    _attribution(usd, 1, "108.00", "EUR")  # 116.64 USD
    _attribution(eur, 2, "108.00", "USD")  # 100.00 EUR
    with CaptureQueriesContext(connection) as one:
        selectors.campaign_figures(campaigns=[usd])
    with CaptureQueriesContext(connection) as three:
        figures = selectors.campaign_figures(campaigns=[usd, eur, quiet])

    assert len(three.captured_queries) == len(one.captured_queries)
    assert (figures[usd.pk]["revenue"], figures[eur.pk]["revenue"], figures[quiet.pk]["revenue"]) == (
        Decimal("116.64"),
        Decimal("100.00"),
        Decimal("0.00"),
    )
    assert (figures[usd.pk]["orders"], figures[eur.pk]["orders"], figures[quiet.pk]["orders"]) == (1, 1, 0)


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


def test_a_touch_and_an_order_at_2330_utc_count_on_the_next_local_day_in_shanghai():
    # given two campaigns, one reporting in Shanghai (UTC+8) and one in UTC, each with a
    # landing view and an order at 23:30 UTC on D (07:30 on D+1 in Shanghai)
    late = timezone.make_aware(datetime.combine(D, time(23, 30)), UTC)
    shanghai = CampaignFactory(target_countries=["CN"], reporting_time_zone="Asia/Shanghai")
    utc = CampaignFactory()
    for n, campaign in enumerate([shanghai, utc], start=1):
        Touch.objects.create(
            campaign=campaign, kind=Touch.Kind.LANDING_VIEW, visitor_id=f"v{n}", created_at=late
        )
        _attribution(campaign, n, "100.00", "USD", paid_at=late)

    # when D and D+1 are computed live and by the nightly job
    live = {
        day: campaign_day_totals(day=day, campaign_ids=[shanghai.pk, utc.pk]) for day in (D, D + timedelta(1))
    }
    for day in (D, D + timedelta(days=1)):
        campaign_metrics_compute(day=day)

    # then Shanghai counts them on D+1 and the UTC campaign on D, both ways
    rows = {
        (row.campaign_id, row.date): (row.unique_visitors, row.landing_views, row.orders, row.revenue)
        for row in CampaignDailyMetric.objects.filter(variant=None, language=None)
    }
    assert rows == {
        (shanghai.pk, D + timedelta(days=1)): (1, 1, 1, Decimal("100.00")),
        (utc.pk, D): (1, 1, 1, Decimal("100.00")),
    }
    assert set(live[D]) == {utc.pk} and set(live[D + timedelta(days=1)]) == {shanghai.pk}
    shown = live[D + timedelta(days=1)][shanghai.pk]
    assert (shown["unique_visitors"], shown["landing_views"], shown["orders"], shown["revenue"]) == (
        1,
        1,
        1,
        Decimal("100.00"),
    )


def test_the_metrics_page_counts_today_in_the_campaigns_local_day(settings):
    settings.PARTNER_MIN_GROUP_SIZE = 1
    # given a Shanghai campaign with an order at 23:30 UTC yesterday (this morning in Shanghai)
    now = timezone.now()
    late = timezone.make_aware(datetime.combine(now.date() - timedelta(days=1), time(23, 30)), UTC)
    campaign = CampaignFactory(reporting_time_zone="Asia/Shanghai", starts_at=now - timedelta(days=5))
    _attribution(campaign, 1, "100.00", "USD", paid_at=late)
    shanghai_day = timezone.localtime(late, ZoneInfo("Asia/Shanghai")).date()

    # when the page and the figures are read (nothing computed yet)
    page = selectors.campaign_analytics(campaign=campaign, date_from=shanghai_day, date_to=shanghai_day)
    figures = selectors.campaign_figures(campaigns=[campaign])

    # then the order is on its Shanghai day, counted live
    assert page.live_days == [shanghai_day] and page.totals["orders"] == 1
    assert figures[campaign.pk]["orders"] == 1


def test_the_portal_metrics_page_names_the_zone_of_its_days(client):
    partner = PartnerFactory(slug="bank")
    campaign = CampaignFactory(partner=partner, target_countries=["JP"], reporting_time_zone="Asia/Tokyo")
    client.force_login(PartnerMemberFactory(partner=partner).user)

    html = client.get(f"/en/partner/campaigns/{campaign.pk}/metrics/").content.decode()

    assert "Days run from midnight to midnight in Asia/Tokyo." in html
