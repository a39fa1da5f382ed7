"""Partner-portal analytics (suppression, scoping, CSV) and the staff dashboards."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from analytics.metrics import campaign_metrics_compute
from analytics.models import AudienceOverlap, CampaignDailyMetric, CampaignMarketMetric
from campaigns.models import CampaignPartner
from tests.analytics import dataset
from tests.analytics import factories as f
from tests.analytics.dataset import D
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RANGE = {"from": "2025-03-01", "to": "2025-03-31"}


def _url(name, campaign, **kwargs):
    return (
        reverse(f"portal:{name}", args=[campaign.pk]) + "?" + "&".join(f"{k}={v}" for k, v in RANGE.items())
    )


@pytest.fixture
def big_day():
    """A stored day with many visitors but only 3 orders and 12 reviews."""
    bank = f.partner("bank")
    campaign = f.campaign(bank, slug="big")
    CampaignDailyMetric.objects.create(
        campaign=campaign,
        date=date(2025, 3, 5),
        unique_visitors=250,
        landing_views=300,
        clicks=40,
        orders=3,
        conversions=3,
        new_customers=3,
        revenue=Decimal("87.00"),
        net_revenue=Decimal("87.00"),
        spend=Decimal("50.00"),
        reviews=12,
        positive_reviews=9,
        holdout_visitors=40,
        holdout_orders=0,
    )
    CampaignMarketMetric.objects.create(
        campaign=campaign, date=date(2025, 3, 5), language="ja", country="JP", unique_visitors=4, orders=1
    )
    CampaignMarketMetric.objects.create(
        campaign=campaign,
        date=date(2025, 3, 5),
        language="en",
        country="US",
        unique_visitors=246,
        reviews=12,
        positive_reviews=9,
    )
    owner = f.member(bank, "bank-owner")
    return campaign, owner


def test_partner_page_hides_small_groups(client, big_day):
    campaign, owner = big_day
    client.force_login(owner)

    response = client.get(_url("campaign_metrics", campaign))

    assert response.status_code == 200
    html = response.content.decode()
    totals = response.context["totals"]
    assert totals["unique_visitors"] == "250"
    assert totals["orders"] == "< 10"
    # hidden amounts and ratios must not read like counts of people
    assert totals["net_revenue"] == "hidden"
    assert totals["cvr"] == "hidden"
    assert totals["roas"] == "hidden"
    assert totals["satisfaction"] == "75.0%"
    assert "$87.00" not in html
    markets = {(m["language"], m["country"]): m for m in response.context["markets"]}
    assert markets[("ja", "JP")]["unique_visitors"] == "< 10"
    assert markets[("en", "US")]["unique_visitors"] == "246"
    assert response.context["lift"] is None
    assert "<svg" in html


def test_partner_csv_hides_small_groups(client, big_day):
    campaign, owner = big_day
    client.force_login(owner)

    response = client.get(_url("campaign_analytics_csv", campaign))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 31
    day = next(row for row in rows if row["date"] == "2025-03-05")
    assert day["unique_visitors"] == "250"
    assert (day["orders"], day["revenue"], day["net_revenue"], day["cvr"]) == ("", "", "", "")
    assert day["spend"] == "50.00"
    assert day["satisfaction"] == "0.7500"
    assert day["suppressed"] == "conversions;new_customers;orders"


def test_the_old_analytics_url_redirects_to_the_one_metrics_page(client, big_day):
    campaign, owner = big_day
    client.force_login(owner)

    response = client.get(_url("campaign_analytics", campaign))

    assert response.status_code == 301
    assert response["Location"] == _url("campaign_metrics", campaign)


def test_another_partner_gets_404(client, big_day):
    campaign, _owner = big_day
    stranger = f.member(f.partner("travel"), "travel-owner")
    client.force_login(stranger)

    assert client.get(_url("campaign_metrics", campaign)).status_code == 404
    assert client.get(_url("campaign_analytics_csv", campaign)).status_code == 404


def test_co_partner_sees_the_campaign(client, big_day):
    campaign, _owner = big_day
    home = f.partner("home")
    CampaignPartner.objects.create(campaign=campaign, partner=home)
    client.force_login(f.member(home, "home-owner"))
    assert client.get(_url("campaign_metrics", campaign)).status_code == 200


def test_learner_and_anonymous_are_refused(client, big_day):
    campaign, _owner = big_day
    assert client.get(_url("campaign_metrics", campaign)).status_code == 302
    client.force_login(UserFactory())
    assert client.get(_url("campaign_metrics", campaign)).status_code == 403


def test_bad_dates_fall_back_to_the_default_range(client, big_day):
    campaign, owner = big_day
    client.force_login(owner)
    url = reverse("portal:campaign_metrics", args=[campaign.pk]) + "?from=nope&to=2025-99-99"
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["daily"]) == 30


def test_partner_page_shows_the_hand_computed_figures_when_groups_are_allowed(client, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 1
    data = dataset.build()
    campaign_metrics_compute(day=D)
    client.force_login(f.member(data.bank, "bank-owner"))

    response = client.get(_url("campaign_metrics", data.campaign))

    totals = response.context["totals"]
    assert (totals["unique_visitors"], totals["orders"], totals["net_revenue"]) == ("5", "2", "$124.00")
    assert totals["cvr"] == "40.0%"
    assert totals["satisfaction"] == "50.0%"
    assert totals["completion_rate"] == "50.0%"
    assert totals["roas"] == "3.10×"
    assert totals["roi"] == "210.0%"
    assert totals["cac"] == "$40.00"
    assert totals["cost_per_conversion"] == "$20.00"
    assert [v["name"] for v in response.context["variants"]] == ["A", "B"]
    assert [v["traffic_share"] for v in response.context["variants"]] == ["60.0%", "40.0%"]


def test_page_costs_a_fixed_number_of_queries(client, big_day, django_assert_num_queries):
    campaign, owner = big_day
    client.force_login(owner)
    client.get(_url("campaign_metrics", campaign))
    with django_assert_num_queries(14):  # the header's cart count; the user is cached
        client.get(_url("campaign_metrics", campaign))
    for i in range(3):
        f.variant(campaign, f"v{i}")
    with django_assert_num_queries(14):  # the header's cart count; the user is cached
        client.get(_url("campaign_metrics", campaign))


def test_overlap_is_shown_only_from_the_minimum_group_size(client, big_day):
    campaign, owner = big_day
    client.force_login(owner)
    AudienceOverlap.objects.create(
        partner=campaign.partner, date=date(2025, 3, 5), pushed_customers=500, overlap=9
    )
    html = client.get(_url("campaign_metrics", campaign)).content.decode()
    assert "9 of your 500" not in html
    AudienceOverlap.objects.create(
        partner=campaign.partner, date=date(2025, 3, 6), pushed_customers=500, overlap=10
    )
    html = client.get(_url("campaign_metrics", campaign)).content.decode()
    assert "10 of your 500" in html


@pytest.mark.parametrize("name", ["dashboard", "alliance", "trends"])
def test_staff_pages_need_staff(client, name):
    url = reverse(f"analytics_admin:{name}")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url).status_code == 200


def test_staff_dashboard_ranks_by_roi_and_alerts_on_budget(client):
    data = dataset.build()
    for day in (D - f.timedelta(days=1), D):
        campaign_metrics_compute(day=day)
    other = f.campaign(data.home, slug="other", budget_amount=Decimal("100"))
    f.spend(other, Decimal("85.00"), D)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(reverse("analytics_admin:dashboard"))

    rows = response.context["rows"]
    assert [str(row["campaign"].slug) for row in rows] == ["spring", "other"]
    assert rows[0]["roi"] == "163.8%"  # net 124.00, spend 47.00: (124 - 47) / 47 = 1.638
    assert [row["campaign"].slug for row in response.context["alerts"]] == ["other"]
    assert rows[1]["burn"] == "85.0%"
