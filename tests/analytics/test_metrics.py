"""The nightly metrics job on the hand-computed data set (tests/analytics/dataset.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from analytics.metrics import campaign_metrics_compute
from analytics.models import CampaignDailyMetric, CampaignMarketMetric
from tests.analytics import dataset
from tests.analytics.dataset import D

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")


def _row(campaign, day=D, variant=None, language=None):
    return CampaignDailyMetric.objects.get(campaign=campaign, date=day, variant=variant, language=language)


def _values(row, names):
    return {name: getattr(row, name) for name in names}


COUNTS = [
    "unique_visitors",
    "holdout_visitors",
    "landing_views",
    "clicks",
    "clicks_email",
    "clicks_social",
    "clicks_sms",
    "clicks_partner_app",
    "clicks_offline_qr",
    "clicks_other",
    "signups",
    "orders",
    "conversions",
    "new_customers",
    "returning_customers",
    "holdout_orders",
    "reviews",
    "positive_reviews",
    "enrollments",
    "completions",
]
MONEY = ["revenue", "refunds", "net_revenue", "discount_cost", "partner_shares", "spend"]


def _expect(**values):
    base = {name: 0 for name in COUNTS} | {name: ZERO for name in MONEY}
    return base | {k: (Decimal(v) if k in MONEY else v) for k, v in values.items()}


@pytest.fixture
def data():
    return dataset.build()


def test_total_row_matches_the_hand_computation(data):
    # given the data set, when the job runs for D
    result = campaign_metrics_compute(day=D)

    # then the total row holds every figure computed by hand
    row = _row(data.campaign)
    assert row.currency == "USD"
    assert _values(row, COUNTS + MONEY) == _expect(
        unique_visitors=5,
        holdout_visitors=2,
        landing_views=6,
        clicks=4,
        clicks_email=1,
        clicks_social=1,
        clicks_sms=1,
        clicks_other=1,
        signups=1,
        orders=2,
        conversions=2,
        new_customers=1,
        returning_customers=1,
        holdout_orders=1,
        reviews=2,
        positive_reviews=1,
        enrollments=2,
        completions=1,
        revenue="154.00",
        refunds="30.00",
        net_revenue="124.00",
        discount_cost="15.40",
        partner_shares="17.40",
        spend="40.00",
    )
    assert result.campaigns == 1


def test_variant_rows(data):
    campaign_metrics_compute(day=D)

    a = _row(data.campaign, variant=data.variant_a)
    assert _values(a, COUNTS + MONEY) == _expect(
        unique_visitors=3,
        landing_views=3,
        clicks=1,
        clicks_email=1,
        signups=1,
        orders=1,
        conversions=1,
        new_customers=1,
        reviews=2,
        positive_reviews=1,
        enrollments=1,
        completions=1,
        revenue="100.00",
        refunds="30.00",
        net_revenue="70.00",
        discount_cost="10.00",
        partner_shares="12.00",
    )
    b = _row(data.campaign, variant=data.variant_b)
    assert _values(b, COUNTS + MONEY) == _expect(
        unique_visitors=2,
        landing_views=1,
        clicks=3,
        clicks_social=1,
        clicks_sms=1,
        clicks_other=1,
        orders=1,
        conversions=1,
        returning_customers=1,
        enrollments=1,
        revenue="54.00",
        net_revenue="54.00",
        discount_cost="5.40",
        partner_shares="5.40",
    )
    # (variant, language) rows exist too, e.g. A in Chinese
    a_zh = _row(data.campaign, variant=data.variant_a, language="zh-hans")
    assert (a_zh.unique_visitors, a_zh.refunds, a_zh.completions) == (1, Decimal("30.00"), 1)


def test_language_rows(data):
    campaign_metrics_compute(day=D)

    en = _row(data.campaign, language="en")
    assert _values(en, COUNTS + MONEY) == _expect(
        unique_visitors=3,
        holdout_visitors=1,
        landing_views=4,
        clicks=2,
        clicks_email=1,
        clicks_social=1,
        signups=1,
        orders=2,
        conversions=2,
        new_customers=1,
        returning_customers=1,
        holdout_orders=1,
        reviews=1,
        positive_reviews=1,
        enrollments=2,
        revenue="154.00",
        net_revenue="154.00",
        discount_cost="15.40",
        partner_shares="20.40",
    )
    zh = _row(data.campaign, language="zh-hans")
    assert _values(zh, COUNTS + MONEY) == _expect(
        unique_visitors=1,
        holdout_visitors=1,
        landing_views=2,
        reviews=1,
        completions=1,
        refunds="30.00",
        net_revenue="-30.00",
        partner_shares="-3.00",
    )
    und = _row(data.campaign, language="und")
    assert (und.unique_visitors, und.clicks, und.clicks_sms, und.clicks_other) == (1, 2, 1, 1)
    # 2 variants x their languages + 2 variant totals + 3 languages + 1 total
    assert CampaignDailyMetric.objects.filter(campaign=data.campaign, date=D).count() == 4 + 2 + 3 + 1


def test_market_rows_give_international_satisfaction(data):
    campaign_metrics_compute(day=D)

    rows = {
        (m.language, m.country): (
            m.unique_visitors,
            m.orders,
            m.net_revenue,
            m.reviews,
            m.positive_reviews,
            m.enrollments,
            m.completions,
        )
        for m in CampaignMarketMetric.objects.filter(campaign=data.campaign, date=D)
    }
    assert rows == {
        ("en", "US"): (2, 1, Decimal("100.00"), 1, 1, 1, 0),
        ("en", "GB"): (1, 1, Decimal("54.00"), 0, 0, 1, 0),
        ("zh-hans", "CN"): (1, 0, Decimal("-30.00"), 1, 0, 0, 1),
        ("und", "ZZ"): (1, 0, ZERO, 0, 0, 0, 0),
    }


def test_refund_on_a_later_day_lowers_that_days_net_revenue(data):
    # when D and D+1 are computed
    campaign_metrics_compute(day=D)
    campaign_metrics_compute(day=D + timedelta(days=1))

    # then the second refund of o0 (20.00) is on D+1 and D keeps its own numbers
    assert _row(data.campaign).net_revenue == Decimal("124.00")
    later = _row(data.campaign, day=D + timedelta(days=1))
    assert (later.revenue, later.refunds, later.net_revenue) == (ZERO, Decimal("20.00"), Decimal("-20.00"))
    assert later.unique_visitors == 1  # v7 at 00:00 of D+1


def test_rerun_changes_nothing(data):
    campaign_metrics_compute(day=D)
    before = list(CampaignDailyMetric.objects.order_by("id").values())
    markets_before = list(CampaignMarketMetric.objects.order_by("id").values())

    campaign_metrics_compute(day=D)

    assert list(CampaignDailyMetric.objects.order_by("id").values()) == before
    assert list(CampaignMarketMetric.objects.order_by("id").values()) == markets_before


def test_rerun_after_data_changed_updates_and_removes_rows(data):
    campaign_metrics_compute(day=D)
    # the Spanish-speaking visitor appears, and all Chinese touches vanish
    from campaigns.models import Touch

    dataset.f.touch(data.campaign, dataset.f.at(D), visitor="v9", variant=data.variant_a, language="es")
    Touch.objects.filter(language="zh-hans", created_at__date=D).delete()

    campaign_metrics_compute(day=D)

    assert _row(data.campaign, language="es").unique_visitors == 1
    assert _row(data.campaign).unique_visitors == 5  # v2 gone, v9 came
    zh = _row(data.campaign, language="zh-hans")  # the refund and the review still are Chinese
    assert (zh.unique_visitors, zh.holdout_visitors) == (0, 0)


def test_command_defaults_to_yesterday_and_accepts_a_date(data, capsys):
    call_command("compute_campaign_metrics", "--date", D.isoformat())
    assert "2025-03-10" in capsys.readouterr().out
    assert _row(data.campaign).orders == 2


def test_command_rejects_a_bad_date(data):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("compute_campaign_metrics", "--date", "2025-13-40")


def test_backfill_covers_the_range(data):
    call_command(
        "backfill_campaign_metrics",
        "--from",
        (D - timedelta(days=3)).isoformat(),
        "--to",
        (D + timedelta(days=1)).isoformat(),
    )
    dates = set(
        CampaignDailyMetric.objects.filter(variant=None, language=None).values_list("date", flat=True)
    )
    assert dates == {D - timedelta(days=3), D - timedelta(days=1), D, D + timedelta(days=1)}
    old = _row(data.campaign, day=D - timedelta(days=3))
    assert (old.orders, old.revenue) == (1, Decimal("200.00"))
    assert _row(data.campaign, day=D - timedelta(days=1)).spend == Decimal("7.00")
