"""Portal pages of campaigns: the authorization matrix, the draft flow, codes, links,
metrics, and fixed query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaigns.models import Campaign, CampaignPartner, DiscountCode, TrackingLink
from partners.models import PartnerMember
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory, PartnerFactory, PartnerMemberFactory, TouchFactory

pytestmark = pytest.mark.django_db

P = "/en/partner/campaigns/"


@pytest.fixture
def partner():
    return PartnerFactory(slug="bank")


@pytest.fixture
def owner(partner):
    return PartnerMemberFactory(partner=partner, role=PartnerMember.Role.OWNER).user


@pytest.fixture
def analyst(partner):
    return PartnerMemberFactory(partner=partner, role=PartnerMember.Role.ANALYST).user


@pytest.fixture
def draft(partner):
    return CampaignFactory(partner=partner, status=Campaign.Status.DRAFT, courses=[CourseFactory()])


def _form_data(course, **overrides):
    data = {
        "name_en": "Home learning week",
        "headline_en": "Make your home a classroom",
        "headline_es": "Haz de tu casa un aula",
        "courses": [course.pk],
        "discount_type": "percent",
        "discount_percent": "10",
        "budget_currency": "USD",
        "attribution_window_days": "30",
        "holdout_percent": "10",
        "revenue_share_percent": "10",
        "target_countries": "es, cn",
        "target_languages": ["en", "es"],
        "variant_1_name": "A",
        "variant_2_name": "B",
        "variant_2_discount": "20",
    }
    data.update(overrides)
    return data


def test_owner_creates_edits_and_submits_a_draft(client, owner, partner):
    course = CourseFactory()
    client.force_login(owner)

    response = client.post(f"{P}new/", _form_data(course))

    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.partner, campaign.status, campaign.holdout_share) == (
        partner,
        "draft",
        Decimal("0.1000"),
    )
    assert campaign.target_countries == ["ES", "CN"]
    assert list(campaign.variants.values_list("name", "discount_percent")) == [
        ("A", None),
        ("B", Decimal("20.00")),
    ]
    assert client.get(f"{P}{campaign.pk}/edit/").status_code == 200
    assert (
        client.post(f"{P}{campaign.pk}/edit/", _form_data(course, headline_en="Changed")).status_code == 302
    )
    assert client.post(f"{P}{campaign.pk}/submit/").status_code == 302
    campaign.refresh_from_db()
    assert (campaign.headline_en, campaign.status) == ("Changed", "submitted")
    # Not a draft any more: the edit page sends the owner back.
    assert client.post(f"{P}{campaign.pk}/edit/", _form_data(course, headline_en="Again")).status_code == 302
    campaign.refresh_from_db()
    assert campaign.headline_en == "Changed"


def test_invalid_form_is_400_and_saves_nothing(client, owner):
    client.force_login(owner)

    response = client.post(
        f"{P}new/", _form_data(CourseFactory(), discount_percent="500", target_countries="Spain")
    )

    assert response.status_code == 400
    assert Campaign.objects.count() == 0


def test_rejection_reason_is_shown_to_the_partner(client, analyst, partner):
    campaign = CampaignFactory(partner=partner, status="rejected", rejection_reason="The logo is blurry")
    client.force_login(analyst)

    assert "The logo is blurry" in client.get(f"{P}{campaign.pk}/").content.decode()


def test_codes_generate_download_and_named(client, owner, partner):
    campaign = CampaignFactory(partner=partner)
    client.force_login(owner)

    response = client.post(
        f"{P}{campaign.pk}/codes/",
        {"kind": "batch", "count": "3", "max_redemptions": "1", "per_customer_limit": "1"},
    )
    assert response.status_code == 302
    csv_response = client.get(response["Location"])
    lines = csv_response.content.decode().strip().splitlines()
    assert lines[0].startswith("code,max_redemptions")
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(
        DiscountCode.objects.values_list("code", flat=True)
    )

    client.post(
        f"{P}{campaign.pk}/codes/",
        {"kind": "named", "code": "bank10", "max_redemptions": "100", "per_customer_limit": "1"},
    )
    assert DiscountCode.objects.filter(code="BANK10", batch_id__isnull=True).exists()
    assert client.get(f"{P}{campaign.pk}/codes.csv?batch=not-a-uuid").status_code == 404


def test_tracking_links_with_qr_codes(client, owner, partner):
    campaign = CampaignFactory(partner=partner)
    client.force_login(owner)

    assert (
        client.post(
            f"{P}{campaign.pk}/links/", {"channel": "offline_qr", "name": "Branch posters", "language": "ja"}
        ).status_code
        == 302
    )
    link = TrackingLink.objects.get()
    html = client.get(f"{P}{campaign.pk}/links/").content.decode()

    assert f"http://testserver/t/{link.token}" in html
    # the QR code is a cached picture of its own, not drawn into every page view
    assert f'src="/t/{link.token}.svg"' in html
    qr = client.get(f"/t/{link.token}.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert b"<svg" in qr.content and b"<path" in qr.content
    assert client.get(f"/t/{link.token}.svg", HTTP_IF_NONE_MATCH=qr["ETag"]).status_code == 304
    assert "immutable" in qr["Cache-Control"]
    # and a PNG at print size, offered as a download
    png = client.get(f"/t/{link.token}.png?download=1")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"] == f'attachment; filename="qr-{link.token}.png"'
    width = int.from_bytes(png.content[16:20], "big")
    assert width >= 1000  # about 4 cm or more at 300 dpi
    assert client.get("/t/unknown-token.png").status_code == 404
    assert (link.utm_source, link.utm_medium, link.utm_campaign) == ("bank", "offline_qr", campaign.slug)
    assert client.post(f"{P}{campaign.pk}/links/", {"channel": "pigeon"}).status_code == 400


def test_metrics_page_shows_live_counts_before_the_nightly_job(client, analyst, partner, settings):
    # exact figures here; small groups are hidden by default (tests/campaigns/test_portal_privacy.py)
    settings.PARTNER_MIN_GROUP_SIZE = 1
    campaign = CampaignFactory(partner=partner, starts_at=timezone.now() - timedelta(days=3))
    TouchFactory(campaign=campaign, visitor_id="a", kind="landing_view")
    TouchFactory(campaign=campaign, visitor_id="b", kind="click")
    client.force_login(analyst)

    response = client.get(f"{P}{campaign.pk}/metrics/?from=garbage")

    assert response.status_code == 200
    assert response.context["live_days"][-1] == timezone.localdate()
    # Counts are shown as CLDR numbers (text), like the money and the shares.
    assert response.context["totals"]["unique_visitors"] == "2"
    assert response.context["totals"]["clicks"] == "1"
    assert "<polyline" in response.content.decode()
    assert 'data-testid="metrics-live"' in response.content.decode()


# --- Authorization matrix -------------------------------------------------------------------------


def _pages(pk):
    return [
        ("get", f"{P}", None, False),
        ("get", f"{P}new/", None, True),
        ("post", f"{P}new/", {"name_en": "x"}, True),
        ("get", f"{P}{pk}/", None, False),
        ("get", f"{P}{pk}/edit/", None, True),
        ("post", f"{P}{pk}/edit/", {"name_en": "x"}, True),
        ("post", f"{P}{pk}/submit/", None, True),
        ("post", f"{P}{pk}/reopen/", None, True),
        ("get", f"{P}{pk}/codes/", None, False),
        (
            "post",
            f"{P}{pk}/codes/",
            {"kind": "batch", "count": "2", "max_redemptions": "1", "per_customer_limit": "1"},
            True,
        ),
        ("get", f"{P}{pk}/codes.csv", None, False),
        ("get", f"{P}{pk}/links/", None, False),
        ("post", f"{P}{pk}/links/", {"channel": "email"}, True),
        ("get", f"{P}{pk}/metrics/", None, False),
    ]


def _snapshot():
    return (
        list(Campaign.objects.order_by("pk").values_list("pk", "status", "name_en")),
        DiscountCode.objects.count(),
        TrackingLink.objects.count(),
    )


@pytest.mark.parametrize("index", range(14))
@pytest.mark.parametrize("who", ["anonymous", "learner", "staff", "other_owner", "analyst", "owner"])
def test_portal_authorization_matrix(client, partner, draft, analyst, who, index):
    method, url, data, owner_only = _pages(draft.pk)[index]
    if who == "learner":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    elif who == "other_owner":
        client.force_login(PartnerMemberFactory(partner=PartnerFactory(slug="museum")).user)
    elif who == "analyst":
        client.force_login(analyst)
    elif who == "owner":
        client.force_login(PartnerMemberFactory(partner=partner).user)
    before = _snapshot()

    response = getattr(client, method)(url, data or {})

    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who in ("learner", "staff"):
        assert response.status_code == 403
    elif who == "other_owner":
        is_own_list_or_create = url in (P, f"{P}new/")
        assert response.status_code in ((200, 400) if is_own_list_or_create else (404,))
    elif who == "analyst":
        assert response.status_code == (403 if owner_only else 200)
    else:
        assert response.status_code in (200, 302, 400)
        return
    assert _snapshot() == before


def test_co_partner_owner_reads_but_cannot_change(client, draft):
    ally = PartnerFactory(slug="travel")
    CampaignPartner.objects.create(campaign=draft, partner=ally, revenue_share=Decimal("0.05"))
    client.force_login(PartnerMemberFactory(partner=ally).user)
    before = _snapshot()

    assert client.get(f"{P}{draft.pk}/").status_code == 200
    assert client.post(f"{P}{draft.pk}/submit/").status_code == 403
    assert client.post(f"{P}{draft.pk}/links/", {"channel": "email"}).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("count", [5, 30])
def test_portal_list_query_count_is_fixed(client, partner, analyst, django_assert_num_queries, count):
    courses = [CourseFactory() for _i in range(2)]
    for _i in range(count):
        campaign = CampaignFactory(partner=partner, courses=courses)
        TouchFactory(campaign=campaign)
    client.force_login(analyst)

    # 10 for the page, the header's cart count, and the live figures of today and yesterday:
    # the nightly SQL as one statement per day, for every listed campaign at once.
    with django_assert_num_queries(13):
        response = client.get(P)
    assert len(response.context["campaigns"]) == count


@pytest.mark.parametrize(("days", "visitors", "variants"), [(2, 3, 1), (12, 15, 3)])
def test_metrics_page_query_count_does_not_grow_with_rows(client, partner, analyst, days, visitors, variants):
    # given a campaign with stored nightly rows for a few or many days, visitors, languages,
    # countries and variants
    from analytics.metrics import campaign_metrics_compute
    from campaigns.models import Variant

    today = timezone.localdate()
    campaign = CampaignFactory(
        partner=partner, status=Campaign.Status.RUNNING, starts_at=timezone.now() - timedelta(days=days + 1)
    )
    made = [Variant.objects.create(campaign=campaign, name=f"V{n}") for n in range(variants)]
    for day in range(1, days + 1):
        for n in range(visitors):
            TouchFactory(
                campaign=campaign,
                variant=made[n % variants],
                visitor_id=f"00000000-0000-4000-8000-{day:04d}{n:08d}",
                kind="landing_view",
                language=["en", "ja", "es"][n % 3],
                country=["US", "JP", "ES", "MX"][n % 4],
                created_at=timezone.now() - timedelta(days=day),
            )
        campaign_metrics_compute(day=today - timedelta(days=day), campaign_ids=[campaign.pk])
    client.force_login(analyst)
    client.get(f"{P}{campaign.pk}/metrics/")  # warm the session and site caches

    # when the metrics page is opened, then it costs the same whatever the rows and variants
    # (today's live figures are one statement of them)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{P}{campaign.pk}/metrics/")
    if timezone.localdate() != today:
        # Past midnight the nightly rows above end the day before yesterday, and the page
        # reads the missing day live: one statement more (failed once in CI at 00:00 UTC).
        pytest.skip("the day changed while the test ran")
    assert len(queries) == 15, [query["sql"] for query in queries.captured_queries]
    assert response.status_code == 200
    assert len(response.context["variants"]) == variants
    shown = response.context["totals"]["unique_visitors"]
    assert shown == (str(days * visitors) if visitors >= 10 else "< 10")
