"""Touch figures at every grain when visitors are not "simple": a visitor seen in two
languages, countries or variants on one day, touches without any visitor, a control-group
visitor in two markets. PostgreSQL counts such visitors on an exact second pass, SQLite with
plain distinct counts; both must give these hand-computed numbers."""

import pytest

from analytics.metrics import campaign_metrics_compute
from analytics.models import CampaignDailyMetric, CampaignMarketMetric
from campaigns.models import Touch
from tests.analytics import factories as f
from tests.analytics.dataset import D
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CLICK = Touch.Kind.CLICK
FIGURES = (
    "unique_visitors",
    "holdout_visitors",
    "landing_views",
    "clicks",
    "clicks_email",
    "clicks_social",
    "clicks_sms",
    "clicks_other",
)


@pytest.fixture
def mixed():
    bank = f.partner("bank")
    mix = f.campaign(bank, slug="mix")
    a, b = f.variant(mix, "A"), f.variant(mix, "B")
    noon = f.at(D)

    def t(visitor, variant, language, country, kind=Touch.Kind.LANDING_VIEW, **fields):
        return f.touch(
            mix,
            noon,
            visitor=visitor,
            variant=variant,
            language=language,
            country=country,
            kind=kind,
            **fields,
        )

    t("m1", a, "en", "US")  # m1: two languages and countries
    t("m1", a, "ja", "JP", CLICK, channel="email")
    t("m2", a, "en", "US")  # m2: two variants
    t("m2", b, "en", "US", CLICK, channel="social")
    t("m3", None, "en", "US")  # m3: without and with a variant
    t("m3", a, "en", "US")
    t("s1", a, "en", "US")  # simple visitors
    t("s1", a, "en", "US")
    t("s2", b, "ja", "JP", CLICK, channel="sms")
    t("", a, "en", "US")  # no visitor id and no user: counted as touches only
    t("", b, "es", "ES", CLICK, channel="")
    t("", b, "es", "ES", user=UserFactory())  # a learner without visitor id is one visitor
    t("h1", None, "en", "US", is_holdout=True)  # control group, two markets
    t("h1", None, "ja", "JP", is_holdout=True)
    t("h2", None, "en", "US", is_holdout=True)
    # Another campaign's touches of the same visitors change nothing above.
    other = f.campaign(bank, slug="other")
    f.touch(other, noon, visitor="m1", language="es", country="ES")
    f.touch(other, noon, visitor="s1", language="en", country="US", kind=CLICK, channel="sms")
    return mix, a, b, other


def _daily(campaign, a, b):
    names = {None: None, a.pk: "A", b.pk: "B"}
    return {
        (names[row.variant_id], row.language): tuple(getattr(row, name) for name in FIGURES)
        for row in CampaignDailyMetric.objects.filter(campaign=campaign, date=D)
    }


EXPECTED_DAILY = {
    #             visitors, control, views, clicks, email, social, sms, other
    ("A", "en"): (4, 0, 6, 0, 0, 0, 0, 0),
    ("A", "ja"): (1, 0, 0, 1, 1, 0, 0, 0),
    ("A", None): (4, 0, 6, 1, 1, 0, 0, 0),
    ("B", "en"): (1, 0, 0, 1, 0, 1, 0, 0),
    ("B", "ja"): (1, 0, 0, 1, 0, 0, 1, 0),
    ("B", "es"): (1, 0, 1, 1, 0, 0, 0, 1),
    ("B", None): (3, 0, 1, 3, 0, 1, 1, 1),
    (None, "en"): (4, 2, 9, 1, 0, 1, 0, 0),
    (None, "ja"): (2, 1, 1, 2, 1, 0, 1, 0),
    (None, "es"): (1, 0, 1, 1, 0, 0, 0, 1),
    (None, None): (6, 2, 11, 4, 1, 1, 1, 1),
}


def test_every_grain_counts_each_visitor_once(mixed):
    mix, a, b, _other = mixed

    campaign_metrics_compute(day=D)

    assert _daily(mix, a, b) == EXPECTED_DAILY
    markets = {
        (row.language, row.country): row.unique_visitors
        for row in CampaignMarketMetric.objects.filter(campaign=mix, date=D)
    }
    assert markets == {("en", "US"): 4, ("ja", "JP"): 2, ("es", "ES"): 1}


def test_one_campaign_at_a_time_gives_the_same_rows(mixed):
    mix, a, b, other = mixed

    result = campaign_metrics_compute(day=D, campaign_ids=[mix.pk])

    assert _daily(mix, a, b) == EXPECTED_DAILY
    assert not CampaignDailyMetric.objects.filter(campaign=other).exists()
    assert result.campaigns == 1
    other_result = campaign_metrics_compute(day=D, campaign_ids=[other.pk])
    total = CampaignDailyMetric.objects.get(campaign=other, date=D, variant=None, language=None)
    assert (total.unique_visitors, total.landing_views, total.clicks_sms) == (2, 1, 1)
    assert other_result.daily_rows == 3  # es, en and the total


def test_rerun_changes_nothing(mixed):
    mix, a, b, _other = mixed
    campaign_metrics_compute(day=D)
    stamps = sorted(CampaignDailyMetric.objects.values_list("id", "computed_at"))

    campaign_metrics_compute(day=D)

    assert sorted(CampaignDailyMetric.objects.values_list("id", "computed_at")) == stamps
    assert _daily(mix, a, b) == EXPECTED_DAILY
