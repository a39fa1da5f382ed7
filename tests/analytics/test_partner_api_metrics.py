"""Partner API `GET campaigns/<id>/metrics/`: the nightly columns, small groups hidden in every
row and in the totals exactly as on the portal's analytics pages, the contract keys kept."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analytics.metrics import campaign_metrics_compute
from analytics.models import CampaignDailyMetric
from partners.models import ApiKey
from partners.services import api_key_issue
from tests.analytics import dataset
from tests.analytics import factories as f
from tests.analytics.dataset import D

pytestmark = pytest.mark.django_db

BIG_DAY, SMALL_DAY = date(2025, 3, 5), date(2025, 3, 6)
CONTRACT_TOTALS = {"unique_visitors", "clicks", "orders", "revenue", "ctr", "cvr", "roas", "roi"}
# Every figure that comes from the 3 visitors and the 1 order of the small day.
HIDDEN_ON_SMALL_DAY = {
    "unique_visitors",
    "landing_views",
    "clicks",
    "clicks_email",
    "clicks_social",
    "clicks_sms",
    "clicks_partner_app",
    "clicks_offline_qr",
    "clicks_other",
    "ctr",
    "cvr",
    "orders",
    "revenue",
    "refunds",
    "net_revenue",
    "discount_cost",
    "partner_shares",
    "roas",
    "roi",
    "average_order_value",
    "conversions",
    "cost_per_conversion",
    "new_customers",
    "cac",
}


def _client(partner_obj, scopes=(ApiKey.Scope.READ_METRICS,)):
    _key, raw = api_key_issue(partner=partner_obj, name="test", scopes=list(scopes), created_by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _metrics(client, campaign, date_from, date_to):
    response = client.get(
        f"/api/partner/v1/campaigns/{campaign.pk}/metrics/?from={date_from.isoformat()}&to={date_to.isoformat()}"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def stored():
    """A big day (every group large) and a small day (3 visitors, 1 order) of one campaign."""
    bank = f.partner("bank")
    campaign = f.campaign(bank, slug="big-and-small")
    CampaignDailyMetric.objects.create(
        campaign=campaign,
        date=BIG_DAY,
        currency="USD",
        unique_visitors=400,
        landing_views=500,
        clicks=60,
        clicks_email=60,
        signups=12,
        orders=40,
        conversions=36,
        new_customers=20,
        returning_customers=16,
        holdout_visitors=100,
        holdout_orders=10,
        reviews=20,
        positive_reviews=15,
        enrollments=40,
        completions=12,
        revenue=Decimal("1200.00"),
        refunds=Decimal("50.00"),
        net_revenue=Decimal("1150.00"),
        discount_cost=Decimal("120.00"),
        partner_shares=Decimal("115.00"),
        spend=Decimal("200.00"),
    )
    CampaignDailyMetric.objects.create(
        campaign=campaign,
        date=SMALL_DAY,
        currency="USD",
        unique_visitors=3,
        landing_views=4,
        clicks=2,
        clicks_email=2,
        orders=1,
        conversions=1,
        new_customers=1,
        revenue=Decimal("30.00"),
        net_revenue=Decimal("30.00"),
        spend=Decimal("20.00"),
    )
    # Per-variant and per-language rows are not the campaign's daily rows.
    CampaignDailyMetric.objects.create(campaign=campaign, date=BIG_DAY, language="es", unique_visitors=5)
    return campaign, bank


def test_a_row_with_3_visitors_is_suppressed(stored):
    # given a stored day with 3 visitors and 1 order
    campaign, bank = stored

    # when the partner asks for that day
    body = _metrics(_client(bank), campaign, SMALL_DAY, SMALL_DAY)

    # then the row keeps its date but every figure of those people is null
    (row,) = body["rows"]
    assert row["date"] == "2025-03-06"
    assert row["suppressed"] is True
    assert row["suppressed_groups"] == ["conversions", "new_customers", "orders", "unique_visitors"]
    # (satisfaction and completion rate are unknown: no reviews, no enrollments)
    nulls = {key for key, value in row.items() if value is None}
    assert nulls == HIDDEN_ON_SMALL_DAY | {"satisfaction", "completion_rate"}
    # figures that point at nobody stay visible
    assert (row["spend"], row["returning_customers"], row["currency"]) == ("20.00", 0, "USD")


def test_totals_of_a_small_period_are_suppressed(stored):
    campaign, bank = stored

    totals = _metrics(_client(bank), campaign, SMALL_DAY, SMALL_DAY)["totals"]

    assert totals["suppressed"] is True
    assert {key: totals[key] for key in CONTRACT_TOTALS} == dict.fromkeys(CONTRACT_TOTALS)
    assert (totals["net_revenue"], totals["conversions"], totals["new_customers"]) == (None, None, None)
    assert totals["lift"] is None
    assert totals["days"] == 1


def test_large_groups_are_shown_with_the_new_daily_columns(stored):
    campaign, bank = stored

    body = _metrics(_client(bank), campaign, BIG_DAY, BIG_DAY)

    (row,) = body["rows"]
    assert row["suppressed"] is False
    assert row["suppressed_groups"] == []
    assert {key: row[key] for key in (*CONTRACT_TOTALS, "landing_views")} == {
        "unique_visitors": 400,
        "landing_views": 500,
        "clicks": 60,
        "orders": 40,
        "revenue": "1200.00",
        "ctr": "0.1200",
        "cvr": "0.1000",
        "roas": "5.7500",
        "roi": "4.7500",
    }
    assert {
        key: row[key]
        for key in (
            "signups",
            "conversions",
            "new_customers",
            "returning_customers",
            "refunds",
            "net_revenue",
            "discount_cost",
            "partner_shares",
            "spend",
            "reviews",
            "positive_reviews",
            "satisfaction",
            "enrollments",
            "completions",
            "completion_rate",
            "cac",
            "cost_per_conversion",
            "holdout_visitors",
            "holdout_orders",
        )
    } == {
        "signups": 12,
        "conversions": 36,
        "new_customers": 20,
        "returning_customers": 16,
        "refunds": "50.00",
        "net_revenue": "1150.00",
        "discount_cost": "120.00",
        "partner_shares": "115.00",
        "spend": "200.00",
        "reviews": 20,
        "positive_reviews": 15,
        "satisfaction": "0.7500",
        "enrollments": 40,
        "completions": 12,
        "completion_rate": "0.3000",
        "cac": "10.00",
        "cost_per_conversion": "5.56",
        "holdout_visitors": 100,
        "holdout_orders": 10,
    }


def test_totals_over_a_large_period_add_up_the_shown_days_only(stored):
    # given the big and the small day together
    campaign, bank = stored

    totals = _metrics(_client(bank), campaign, BIG_DAY, SMALL_DAY)["totals"]

    # then the totals are those of the big day: the small day's hidden figures are left out
    # (else "both days" minus "big day" would give the small day away), and say so
    assert totals["suppressed"] is False
    assert totals["partial"] is True
    big = _metrics(_client(bank), campaign, BIG_DAY, BIG_DAY)["totals"]
    people = CONTRACT_TOTALS - {"roas", "roi"}
    assert {key: totals[key] for key in people} == {key: big[key] for key in people}
    assert {key: totals[key] for key in CONTRACT_TOTALS} == {
        "unique_visitors": 400,
        "clicks": 60,
        "orders": 40,
        "revenue": "1200.00",
        "ctr": "0.1200",
        "cvr": "0.1000",
        # spend is about no people: both days' spend counts (1150 / 220)
        "roas": "5.2273",
        "roi": "4.2273",
    }
    assert (totals["net_revenue"], totals["partner_shares"], totals["spend"]) == (
        "1150.00",
        "115.00",
        "220.00",
    )
    assert (totals["satisfaction"], totals["completion_rate"], totals["days"]) == ("0.7500", "0.3000", 2)
    # lift: CVR 40/400 against the control group's 10/100, from the shown days too
    assert totals["lift"]["cvr"] == "0.1000"
    assert totals["lift"] == big["lift"]


def test_subtracting_overlapping_ranges_reveals_nothing_about_a_small_day(stored):
    # given a day of 3 visitors and 1 order beside a big day
    campaign, bank = stored
    client = _client(bank)

    # when a partner asks for both days and for the big day alone and subtracts
    both = _metrics(client, campaign, BIG_DAY, SMALL_DAY)["totals"]
    big = _metrics(client, campaign, BIG_DAY, BIG_DAY)["totals"]
    small = _metrics(client, campaign, SMALL_DAY, SMALL_DAY)["totals"]

    # then every figure about people differs by nothing: the small day stays hidden
    spend_ratios = {"roas", "roi", "cac", "cost_per_conversion"}  # over the (public) spend
    for key in HIDDEN_ON_SMALL_DAY - spend_ratios:
        assert both[key] == big[key], key
        assert small[key] is None, key
    assert both["spend"] != big["spend"]


def test_contract_keys_are_kept(stored):
    campaign, bank = stored

    body = _metrics(_client(bank), campaign, BIG_DAY - timedelta(days=3), SMALL_DAY)

    assert set(body) == {"rows", "totals"}
    assert set(body["totals"]) >= CONTRACT_TOTALS
    assert [row["date"] for row in body["rows"]] == ["2025-03-05", "2025-03-06"]
    for row in body["rows"]:
        assert set(row) >= CONTRACT_TOTALS | {"date", "currency", "suppressed"}


def test_api_hides_exactly_what_the_portal_csv_hides(client, stored):
    # given the same campaign and range on the portal and in the API
    campaign, bank = stored
    client.force_login(f.member(bank, "bank-owner"))
    url = reverse("portal:campaign_analytics_csv", args=[campaign.pk])

    response = client.get(f"{url}?from=2025-03-05&to=2025-03-06")
    body = _metrics(_client(bank), campaign, BIG_DAY, SMALL_DAY)

    # then each day hides the same groups
    portal = {
        row["date"]: sorted(filter(None, row["suppressed"].split(";")))
        for row in csv.DictReader(io.StringIO(response.content.decode()))
    }
    assert {row["date"]: row["suppressed_groups"] for row in body["rows"]} == portal


def test_query_count_does_not_grow_with_the_range(stored, django_assert_num_queries):
    campaign, bank = stored
    client = _client(bank)
    for offset in range(2, 31):
        CampaignDailyMetric.objects.create(
            campaign=campaign, date=BIG_DAY + timedelta(days=offset), unique_visitors=50, orders=12
        )

    _metrics(client, campaign, BIG_DAY, BIG_DAY)  # the key's first use is recorded once

    with django_assert_num_queries(7):
        one = _metrics(client, campaign, BIG_DAY, BIG_DAY)
    with django_assert_num_queries(7):
        many = _metrics(client, campaign, BIG_DAY, BIG_DAY + timedelta(days=30))

    assert (len(one["rows"]), len(many["rows"])) == (1, 31)


def test_another_partners_campaign_is_404(stored):
    campaign, _bank = stored

    response = _client(f.partner("museum")).get(f"/api/partner/v1/campaigns/{campaign.pk}/metrics/")

    assert response.status_code == 404


def test_a_key_without_the_metrics_scope_is_refused(stored):
    campaign, bank = stored

    response = _client(bank, scopes=[ApiKey.Scope.MANAGE_CAMPAIGNS]).get(
        f"/api/partner/v1/campaigns/{campaign.pk}/metrics/"
    )

    assert response.status_code == 403


def test_job_output_reaches_the_api_exactly(settings):
    # given the hand-computed data set, the nightly job run for D, and no minimum group size
    data = dataset.build()
    campaign_metrics_compute(day=D)
    settings.PARTNER_MIN_GROUP_SIZE = 1

    body = _metrics(_client(data.bank), data.campaign, D, D)

    # then the API shows the figures of tests/analytics/test_metrics.py
    (row,) = body["rows"]
    expected = {
        "unique_visitors": 5,
        "landing_views": 6,
        "clicks": 4,
        "orders": 2,
        "conversions": 2,
        "new_customers": 1,
        "returning_customers": 1,
        "revenue": "154.00",
        "refunds": "30.00",
        "net_revenue": "124.00",
        "partner_shares": "17.40",
        "spend": "40.00",
        "ctr": "0.6667",
        "cvr": "0.4000",
        "roas": "3.1000",
        "roi": "2.1000",
        "satisfaction": "0.5000",
        "completion_rate": "0.5000",
        "suppressed": False,
    }
    assert {key: row[key] for key in expected} == expected
    assert body["totals"]["lift"] == {
        "lift": "-0.2000",
        "ci_low": "-0.8614",
        "ci_high": "3.6177",
        "cvr": "0.4000",
        "cvr_holdout": "0.5000",
        "incremental_orders": "-0.50",
        "significant": False,
    }


def test_job_output_of_a_small_campaign_is_hidden():
    # given the same data with the default minimum group size of 10
    data = dataset.build()
    campaign_metrics_compute(day=D)

    body = _metrics(_client(data.bank), data.campaign, D, D)

    (row,) = body["rows"]
    assert row["suppressed"] is True
    assert (row["unique_visitors"], row["orders"], row["net_revenue"], row["satisfaction"]) == (
        None,
        None,
        None,
        None,
    )
    assert body["totals"]["suppressed"] is True
    assert body["totals"]["lift"] is None
