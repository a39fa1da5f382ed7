"""Partner API campaign calls: shapes, scoping, scopes, workflow, bad input, query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from analytics.models import CampaignDailyMetric
from campaigns.models import Campaign, DiscountCode
from partners.models import ApiKey
from partners.services import api_key_issue, api_key_revoke
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory, CampaignPartner, PartnerFactory

pytestmark = pytest.mark.django_db

ALL_SCOPES = [ApiKey.Scope.READ_METRICS, ApiKey.Scope.MANAGE_CAMPAIGNS]
BASE = "/api/partner/v1/campaigns/"


def _client(partner, scopes=ALL_SCOPES):
    _key, raw = api_key_issue(partner=partner, name="test", scopes=scopes, created_by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def partner():
    return PartnerFactory(slug="bank")


@pytest.fixture
def course():
    return CourseFactory(slug="budgeting-basics")


def _draft(partner, course=None):
    return CampaignFactory(partner=partner, status=Campaign.Status.DRAFT, courses=[course] if course else [])


def test_create_returns_the_contract_fields(partner, course):
    client = _client(partner)

    response = client.post(
        BASE,
        {
            "name": {"en": "Save and learn", "es": "Ahorra y aprende"},
            "headline": "Money skills for everyone",
            "courses": ["budgeting-basics"],
            "discount_percent": "10",
            "holdout_share": "0.1",
            "variants": [
                {"name": "A"},
                {"name": "B", "headline": {"en": "Deeper"}, "discount_percent": "20"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("slug", "name", "status", "courses")} == {
        "slug": "save-and-learn",
        "name": "Save and learn",
        "status": "draft",
        "courses": ["budgeting-basics"],
    }
    assert body["translations"]["name"]["es"] == "Ahorra y aprende"
    assert [v["name"] for v in body["variants"]] == ["A", "B"]
    assert body["partners"] == [{"partner": "bank", "revenue_share": "0.1000", "lead": True}]


def test_patch_a_draft_then_submit_then_patch_is_409(partner, course):
    client = _client(partner)
    campaign = _draft(partner, course)

    assert (
        client.patch(f"{BASE}{campaign.pk}/", {"headline": {"es": "Hola"}}, format="json").status_code == 200
    )
    submitted = client.post(f"{BASE}{campaign.pk}/submit/")
    refused = client.patch(f"{BASE}{campaign.pk}/", {"headline": "Changed"}, format="json")

    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert refused.status_code == 409
    assert refused.json()["code"] == "campaign_not_editable"
    campaign.refresh_from_db()
    assert (campaign.headline_en, campaign.headline_es) == ("Learn with us", "Hola")


def test_generate_codes(partner, course):
    client = _client(partner)
    campaign = CampaignFactory(partner=partner, courses=[course])

    response = client.post(
        f"{BASE}{campaign.pk}/codes/",
        {"count": 5, "max_redemptions": 1, "per_customer_limit": 1},
        format="json",
    )

    assert response.status_code == 201
    codes = [row["code"] for row in response.json()["codes"]]
    assert sorted(codes) == sorted(
        DiscountCode.objects.filter(campaign=campaign).values_list("code", flat=True)
    )
    assert len(codes) == 5


def test_metrics_from_the_nightly_rows(partner):
    client = _client(partner)
    campaign = CampaignFactory(partner=partner)
    day = date(2026, 5, 1)
    for offset, (visitors, clicks, views, orders, revenue) in enumerate(
        # Orders of at least PARTNER_MIN_GROUP_SIZE: smaller groups are hidden from partners.
        [(100, 30, 120, 12, "116.00"), (50, 10, 60, 10, "29.00")]
    ):
        CampaignDailyMetric.objects.create(
            campaign=campaign,
            date=day + timedelta(days=offset),
            unique_visitors=visitors,
            clicks=clicks,
            landing_views=views,
            orders=orders,
            revenue=Decimal(revenue),
            net_revenue=Decimal(revenue),
            spend=Decimal("50.00"),
        )
    # A per-variant row is not part of the campaign's daily totals.
    CampaignDailyMetric.objects.create(campaign=campaign, date=day, unique_visitors=999, language="es")

    response = client.get(f"{BASE}{campaign.pk}/metrics/?from=2026-05-01&to=2026-05-31")

    assert response.status_code == 200
    body = response.json()
    assert [row["date"] for row in body["rows"]] == ["2026-05-01", "2026-05-02"]
    totals = body["totals"]
    assert (totals["unique_visitors"], totals["clicks"], totals["orders"], totals["revenue"]) == (
        150,
        40,
        22,
        "145.00",
    )
    assert (totals["ctr"], totals["cvr"], totals["roas"], totals["roi"]) == (
        "0.2222",
        "0.1467",
        "1.4500",
        "0.4500",
    )


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01",
        "from=yesterday",
        "to=2026-02-30",
        "from=2026-05-02&to=2026-05-01",
        "from=2020-01-01&to=2026-01-01",
    ],
)
def test_metrics_bad_dates_are_400(partner, query):
    campaign = CampaignFactory(partner=partner)

    response = _client(partner).get(f"{BASE}{campaign.pk}/metrics/?{query}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_date"


@pytest.mark.parametrize(
    "payload",
    [
        {"name": 5},
        {"name": {"xx": "Hi"}},
        {"name": "N", "courses": ["no-such-course"]},
        {"name": "N", "discount_percent": "150"},
        {"name": "N", "holdout_share": "0.9"},
        {"name": "N", "starts_at": "2026-05-02T00:00:00Z", "ends_at": "2026-05-01T00:00:00Z"},
        {"name": "N", "co_partners": [{"partner": "ghost", "revenue_share": "0.1"}]},
        {"name": "N", "variants": [{"name": "A"}, {"name": "A"}]},
        {"name": "N", "target_countries": ["Spain"]},
        {"name": "N", "fixed_amounts": {"GBP": "5"}},
        {"headline": "no name"},
        ["not", "an", "object"],
    ],
)
def test_bad_input_is_400_and_creates_nothing(partner, course, payload):
    response = _client(partner).post(BASE, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) >= {"code", "detail"}
    assert Campaign.objects.count() == 0


def test_bad_codes_request_is_400(partner):
    campaign = CampaignFactory(partner=partner)
    client = _client(partner)

    for payload in ({"count": 0}, {"count": "x"}, {"count": 10_000}, {"count": 2, "per_customer_limit": 5}):
        assert client.post(f"{BASE}{campaign.pk}/codes/", payload, format="json").status_code == 400
    assert DiscountCode.objects.count() == 0


# --- Authorization matrix ----------------------------------------------------------------------


def _endpoints(campaign_id):
    return [
        ("get", f"{BASE}", None),
        ("post", f"{BASE}", {"name": "New one"}),
        ("get", f"{BASE}{campaign_id}/", None),
        ("patch", f"{BASE}{campaign_id}/", {"headline": "Changed"}),
        ("post", f"{BASE}{campaign_id}/submit/", None),
        ("post", f"{BASE}{campaign_id}/codes/", {"count": 2}),
        ("get", f"{BASE}{campaign_id}/metrics/", None),
    ]


def _snapshot():
    return (
        list(Campaign.objects.order_by("pk").values_list("pk", "status", "headline_en")),
        DiscountCode.objects.count(),
    )


@pytest.mark.parametrize("index", range(7))
@pytest.mark.parametrize(
    "who", ["anonymous", "learner_token", "staff_session", "revoked_key", "other_partner_key"]
)
def test_refused_callers_change_nothing(partner, course, who, index):
    campaign = _draft(partner, course)
    method, url, payload = _endpoints(campaign.pk)[index]
    client = APIClient()
    if who == "learner_token":
        from rest_framework.authtoken.models import Token

        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    elif who == "staff_session":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    elif who == "revoked_key":
        key, raw = api_key_issue(partner=partner, name="old", scopes=ALL_SCOPES, created_by=None)
        api_key_revoke(api_key=key)
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    elif who == "other_partner_key":
        client = _client(PartnerFactory(slug="museum"))
    before = _snapshot()

    response = getattr(client, method)(url, payload, format="json")

    if who == "other_partner_key":
        if url == BASE:
            # Their own (empty) list, or their own new draft: never this partner's data.
            assert response.status_code in (200, 201)
            assert campaign.slug not in response.content.decode()
            Campaign.objects.exclude(partner=partner).delete()
        else:
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
    else:
        assert response.status_code in (401, 403)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("scopes", "index", "expected"),
    [
        ([ApiKey.Scope.READ_METRICS], 0, 200),
        ([ApiKey.Scope.READ_METRICS], 1, 403),
        ([ApiKey.Scope.READ_METRICS], 3, 403),
        ([ApiKey.Scope.READ_METRICS], 4, 403),
        ([ApiKey.Scope.READ_METRICS], 5, 403),
        ([ApiKey.Scope.READ_METRICS], 6, 200),
        ([ApiKey.Scope.MANAGE_CAMPAIGNS], 6, 403),
        ([ApiKey.Scope.PUSH_CUSTOMERS], 3, 403),
    ],
)
def test_scopes(partner, course, scopes, index, expected):
    campaign = _draft(partner, course)
    method, url, payload = _endpoints(campaign.pk)[index]
    before = _snapshot()

    response = getattr(_client(partner, scopes), method)(url, payload, format="json")

    assert response.status_code == expected
    if expected == 403:
        assert _snapshot() == before


def test_co_partner_reads_but_cannot_change(partner, course):
    campaign = _draft(partner, course)
    ally = PartnerFactory(slug="travel")
    CampaignPartner.objects.create(campaign=campaign, partner=ally, revenue_share=Decimal("0.05"))
    client = _client(ally)

    assert client.get(f"{BASE}{campaign.pk}/").status_code == 200
    assert [row["id"] for row in client.get(BASE).json()["results"]] == [campaign.pk]
    response = client.patch(f"{BASE}{campaign.pk}/", {"headline": "Ours now"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "lead_partner_only"


@pytest.mark.parametrize("count", [5, 30])
def test_list_query_count_is_fixed(partner, django_assert_num_queries, count):
    courses = [CourseFactory() for _i in range(3)]
    for _i in range(count):
        campaign = CampaignFactory(partner=partner, courses=courses)
        campaign.variants.create(name="A")
    client = _client(partner)
    client.get(BASE)  # stamps last_used_at once

    with django_assert_num_queries(7):
        response = client.get(f"{BASE}?page_size=100")
    assert response.json()["count"] == count
