"""Campaign audiences: learner segments of the recommender and the lead partner's pushed
customers. Sizes are exact SQL counts, small groups are hidden, the picks come from the
members' stored recommendation scores (not popularity), and only a consenting customer of
the lead partner can be listed, through the portal, the partner API and the admin."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from campaigns.models import Campaign, CampaignAudienceCustomer
from campaigns.services import campaign_audience_set
from core.exceptions import ApplicationError
from courses.models import Enrollment, Price
from partners.models import ApiKey, PartnerCustomer, PartnerMember
from partners.services import api_key_issue, customer_external_hash
from recommender.audiences import aggregate_scores, audience_estimate, audience_picks
from recommender.models import (
    CustomerRecommendation,
    ModelVersion,
    PopularCourse,
    Recommendation,
    Segment,
    SegmentMembership,
)
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory, PartnerFactory, PartnerMemberFactory

pytestmark = pytest.mark.django_db

P = "/en/partner/campaigns/"
# The audience block: the segments (1), the two counts (2), the members' and the customers'
# scores (2), the currency filter (1) and the picked courses (1); the rest of the page 14.
AUDIENCE_QUERIES = 7
DETAIL_QUERIES = 14 + AUDIENCE_QUERIES
API = "/api/partner/v1/campaigns/"


def _version(**fields) -> ModelVersion:
    return ModelVersion.objects.create(
        algorithm="hybrid", status=ModelVersion.Status.ACTIVE, is_active=True, **fields
    )


def _segment(version: ModelVersion, number: int, users: list, field: str = "Finance") -> Segment:
    segment = Segment.objects.create(
        model_version=version,
        number=number,
        size=len(users),
        profile={"domains": [{"slug": field.lower(), "share": 0.9, "name": {"en": field}}]},
        dominant_level="beginner",
    )
    SegmentMembership.objects.bulk_create([SegmentMembership(segment=segment, user=u) for u in users])
    return segment


def _recommend(version: ModelVersion, user, scored: list[tuple]) -> None:
    Recommendation.objects.bulk_create(
        [
            Recommendation(
                model_version=version, user=user, course=course, rank=rank, score=score, reason_code="popular"
            )
            for rank, (course, score) in enumerate(scored, 1)
        ]
    )


def _customers(partner, prefix: str, n: int, *, withdrawn: bool = False) -> list[PartnerCustomer]:
    now = timezone.now()
    return PartnerCustomer.objects.bulk_create(
        [
            PartnerCustomer(
                partner=partner,
                external_hash=customer_external_hash(partner=partner, external_id=f"{prefix}-{i}"),
                consent_at=now - timedelta(days=1),
                withdrawn_at=now if withdrawn else None,
            )
            for i in range(n)
        ]
    )


def _users(n: int, prefix: str) -> list:
    return [UserFactory(username=f"{prefix}-{i}") for i in range(n)]


@pytest.fixture
def partner():
    return PartnerFactory(slug="bank")


@pytest.fixture
def world(partner):
    """Segment 0 (7 learners), 1 (5) and 2 (4) of the active version; the partner's 8
    consenting and 2 withdrawn customers; another partner's 3 customers."""
    version = _version()
    groups = {0: _users(7, "s0"), 1: _users(5, "s1"), 2: _users(4, "s2")}
    segments = {
        n: _segment(version, n, users, field)
        for (n, users), field in zip(groups.items(), ("Finance", "Travel", "Cooking"), strict=True)
    }
    other = PartnerFactory(slug="airline")
    return {
        "version": version,
        "groups": groups,
        "segments": segments,
        "consenting": _customers(partner, "c", 8),
        "withdrawn": _customers(partner, "w", 2, withdrawn=True),
        "other": other,
        "others_customers": _customers(other, "o", 3),
    }


@pytest.fixture
def draft(partner):
    return CampaignFactory(partner=partner, status=Campaign.Status.DRAFT, courses=[CourseFactory()])


def _set(campaign, **kwargs) -> Campaign:
    campaign_audience_set(campaign=campaign, **kwargs)
    campaign.refresh_from_db()
    return campaign


# --- Estimate -------------------------------------------------------------------------------


def test_estimate_counts_segments_and_listed_customers_exactly(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    listed = [f"c-{i}" for i in range(6)]
    _set(draft, segments=[0, 1], customer_external_ids=listed)

    estimate = audience_estimate(campaign=draft)

    assert (estimate.learners, estimate.customers, estimate.total) == (12, 6, 18)
    assert not estimate.suppressed


def test_all_customers_counts_only_consenting_customers_of_the_partner(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    _set(draft, segments=[2], all_customers=True)

    estimate = audience_estimate(campaign=draft)

    # 8 consenting of this partner: the 2 withdrawn and the other partner's 3 are left out.
    assert (estimate.learners, estimate.customers, estimate.total) == (4, 8, 12)


def test_a_customer_who_withdraws_after_being_listed_leaves_the_estimate(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    _set(draft, customer_external_ids=[f"c-{i}" for i in range(5)])
    assert audience_estimate(campaign=draft).customers == 5

    PartnerCustomer.objects.filter(pk=world["consenting"][0].pk).update(withdrawn_at=timezone.now())

    assert audience_estimate(campaign=draft).customers == 4
    assert CampaignAudienceCustomer.objects.filter(campaign=draft).count() == 5  # the audit trail stays


def test_estimate_below_the_minimum_group_size_is_suppressed(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 10
    _set(draft, segments=[2])  # 4 learners

    estimate = audience_estimate(campaign=draft)

    assert (estimate.learners, estimate.customers, estimate.total) == (None, 0, None)
    assert estimate.suppressed and estimate.min_group == 10


def test_a_small_part_hides_the_total_too_so_it_cannot_be_subtracted(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 10
    _set(draft, segments=[0, 1], customer_external_ids=[f"c-{i}" for i in range(6)])  # 12 + 6

    estimate = audience_estimate(campaign=draft)

    assert (estimate.learners, estimate.customers, estimate.total) == (12, None, None)


def test_estimate_costs_two_queries_whatever_the_size(world, draft, settings, django_assert_num_queries):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    _set(draft, segments=[0, 1, 2], all_customers=True)
    draft.refresh_from_db()

    with django_assert_num_queries(2):
        audience_estimate(campaign=draft)


# --- Validation -------------------------------------------------------------------------------


def _snapshot(campaign):
    campaign.refresh_from_db()
    return (
        campaign.audience_segments,
        campaign.audience_all_customers,
        sorted(
            CampaignAudienceCustomer.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
        ),
    )


def test_another_partners_customer_is_refused_and_nothing_changes(world, draft):
    _set(draft, segments=[0], customer_external_ids=["c-0"])
    before = _snapshot(draft)

    with pytest.raises(ApplicationError) as raised:
        # "o-0" is the other partner's customer: hashed with this partner's secret, unknown here.
        _set(draft, segments=[1], customer_external_ids=["c-1", "o-0"])
    assert raised.value.code == "audience_customer_unknown"
    assert "o-0" not in str(raised.value.message)

    with pytest.raises(ApplicationError) as raised:
        # The admin names customers by row id: the other partner's row is refused the same way.
        _set(draft, customer_ids=[world["others_customers"][0].pk])
    assert raised.value.code == "audience_customer_unknown"
    assert _snapshot(draft) == before


def test_a_withdrawn_customer_cannot_be_listed(world, draft):
    with pytest.raises(ApplicationError) as raised:
        _set(draft, customer_external_ids=["c-0", "w-1"])
    assert raised.value.code == "audience_customer_withdrawn"
    assert _snapshot(draft) == ([], False, [])


def test_an_unknown_segment_is_refused(world, draft):
    with pytest.raises(ApplicationError) as raised:
        _set(draft, segments=[0, 9])
    assert raised.value.code == "audience_segment_unknown"
    assert _snapshot(draft) == ([], False, [])


def test_only_drafts_change_their_audience(world, partner):
    running = CampaignFactory(partner=partner)
    with pytest.raises(ApplicationError) as raised:
        _set(running, segments=[0])
    assert raised.value.code == "campaign_not_editable"


def test_segments_record_the_version_they_belong_to(world, draft):
    _set(draft, segments=[1, 0, 1])
    draft.refresh_from_db()
    assert draft.audience_segments == [0, 1]
    assert draft.audience_segments_version == world["version"].pk


# --- Picks --------------------------------------------------------------------------------


def test_picks_aggregate_the_members_scores_not_popularity(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    popular, loved, liked, foreign = CourseFactory(), CourseFactory(), CourseFactory(), CourseFactory()
    # The most popular course on the platform: everyone outside the audience took it, and the
    # recommender's popularity table puts it first.
    outsiders = world["groups"][2]
    Enrollment.objects.bulk_create([Enrollment(user=u, course=popular) for u in outsiders])
    PopularCourse.objects.create(
        model_version=world["version"], category=popular.category, course=popular, rank=1, score=99.0
    )
    for user in world["groups"][0]:
        _recommend(world["version"], user, [(loved, 0.9), (liked, 0.5), (popular, 0.1)])
    for user in outsiders:
        _recommend(world["version"], user, [(popular, 5.0), (foreign, 4.0)])
    _set(draft, segments=[0])

    picks = audience_picks(campaign=draft)

    assert [p.course for p in picks] == [loved, liked, popular]
    assert picks[0].score == pytest.approx(1.0) and picks[0].reach == pytest.approx(1.0)
    assert picks[1].score == pytest.approx(0.5 / 0.9)


def test_every_member_weighs_the_same_whatever_the_scale_of_their_scores(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    big, shared = CourseFactory(), CourseFactory()
    loud, *quiet = world["groups"][1]
    _recommend(world["version"], loud, [(big, 100.0), (shared, 10.0)])
    for user in quiet:
        _recommend(world["version"], user, [(shared, 0.02)])
    _set(draft, segments=[1])

    picks = audience_picks(campaign=draft)

    # Raw sums would put ``big`` first (100 against 10.08).
    assert [p.course for p in picks] == [shared, big]
    assert picks[0].reach == pytest.approx(1.0)


def test_customer_lists_count_and_picks_keep_to_the_campaigns_currency_and_published_courses(
    world, draft, settings
):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    yen_only = CourseFactory(prices={"JPY": 4200})
    unpublished = CourseFactory(is_published=False)
    good = CourseFactory()
    for customer in world["consenting"][:4]:
        CustomerRecommendation.objects.bulk_create(
            [
                CustomerRecommendation(
                    model_version=world["version"],
                    customer=customer,
                    course=course,
                    rank=r,
                    score=s,
                    reason_code="interest",
                )
                for r, (course, s) in enumerate([(yen_only, 1.0), (unpublished, 0.9), (good, 0.5)], 1)
            ]
        )
    assert draft.budget_currency == "USD"
    _set(draft, customer_external_ids=[f"c-{i}" for i in range(4)])

    assert [p.course for p in audience_picks(campaign=draft)] == [good]
    assert not Price.objects.filter(course=yen_only, currency="USD").exists()


def test_no_picks_for_an_audience_below_the_minimum_group_size(world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 10
    course = CourseFactory()
    for user in world["groups"][0]:
        _recommend(world["version"], user, [(course, 1.0)])
    _set(draft, segments=[0])  # 7 members

    assert audience_picks(campaign=draft) == []


def test_aggregate_scores_is_exact():
    import numpy as np

    members = np.array([1, 1, 2, 3])
    courses = np.array([10, 11, 11, 12])
    scores = np.array([2.0, 1.0, 4.0, -1.0])

    course_ids, sums, counts, n = aggregate_scores(members, courses, scores)

    assert course_ids.tolist() == [10, 11, 12]
    assert sums.tolist() == [1.0, 1.5, 1.0]
    assert counts.tolist() == [1, 2, 1]
    assert n == 3


# --- Portal -------------------------------------------------------------------------------


@pytest.fixture
def owner(partner):
    return PartnerMemberFactory(partner=partner, role=PartnerMember.Role.OWNER).user


def _form(course, **overrides):
    data = {
        "name_en": "Home learning week",
        "courses": [course.pk],
        "discount_type": "percent",
        "discount_percent": "10",
        "budget_currency": "USD",
        "attribution_window_days": "30",
        "holdout_percent": "10",
        "revenue_share_percent": "10",
        "target_countries": "es",
    }
    data.update(overrides)
    return data


def test_portal_form_sets_the_audience_and_the_detail_page_shows_estimate_and_picks(
    client, owner, world, settings
):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    course = CourseFactory()
    pick = CourseFactory(title_en="Budgeting for families")
    for user in world["groups"][0]:
        _recommend(world["version"], user, [(pick, 1.0)])
    client.force_login(owner)

    response = client.post(
        f"{P}new/",
        _form(course, audience_segments=["0"], audience_customer_ids="c-0\nc-1\n c-2 \n"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(name_en="Home learning week")
    assert campaign.audience_segments == [0]
    assert CampaignAudienceCustomer.objects.filter(campaign=campaign).count() == 3
    page = client.get(f"{P}{campaign.pk}/").content.decode()
    assert 'data-testid="audience-total">10<' in page
    assert 'data-testid="audience-learners">7<' in page
    assert 'data-testid="audience-customers">3<' in page
    assert f'data-slug="{pick.slug}"' in page


def test_portal_shows_fewer_than_n_in_the_readers_language(client, owner, world, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 10
    _set(draft, segments=[2])
    client.force_login(owner)

    english = client.get(f"{P}{draft.pk}/").content.decode()
    spanish = client.get(f"/es/partner/campaigns/{draft.pk}/").content.decode()

    assert 'data-testid="audience-total">fewer than 10<' in english
    assert 'data-testid="audience-suppressed"' in english
    assert 'data-testid="audience-total">menos de 10<' in spanish


def test_portal_form_refuses_another_partners_customer_with_a_message(client, owner, world, draft):
    client.force_login(owner)

    response = client.post(f"{P}{draft.pk}/edit/", _form(CourseFactory(), audience_customer_ids="o-1"))

    assert response.status_code == 400
    assert "not customers your partner pushed" in response.content.decode()
    assert _snapshot(draft)[2] == []


def test_portal_form_edits_keep_the_list_when_the_box_is_empty_and_clear_it_on_request(
    client, owner, world, draft
):
    _set(draft, customer_external_ids=["c-0", "c-1"])
    client.force_login(owner)
    course = CourseFactory()

    assert client.post(f"{P}{draft.pk}/edit/", _form(course)).status_code == 302
    assert len(_snapshot(draft)[2]) == 2
    assert (
        client.post(f"{P}{draft.pk}/edit/", _form(course, audience_clear_customers="on")).status_code == 302
    )
    assert _snapshot(draft)[2] == []


@pytest.mark.parametrize("members", [6, 24])
def test_portal_draft_page_query_count_is_fixed(
    client, owner, partner, settings, django_assert_num_queries, members
):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    version = _version()
    users = _users(members, "m")
    _segment(version, 0, users)
    courses = [CourseFactory() for _i in range(4)]
    for user in users:
        _recommend(version, user, [(c, 1.0 / (i + 1)) for i, c in enumerate(courses)])
    customers = _customers(partner, "c", members)
    CustomerRecommendation.objects.bulk_create(
        [
            CustomerRecommendation(
                model_version=version,
                customer=c,
                course=courses[0],
                rank=1,
                score=1.0,
                reason_code="interest",
            )
            for c in customers
        ]
    )
    draft = CampaignFactory(partner=partner, status=Campaign.Status.DRAFT, courses=courses[:2])
    _set(draft, segments=[0], all_customers=True)
    client.force_login(owner)
    client.get(f"{P}{draft.pk}/")  # warm the session and header caches

    # The campaign page as before, plus the audience: the segments (1), the two counts (2),
    # the members' and the customers' scores (2), the currency filter (1), the picked courses (1).
    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(f"{P}{draft.pk}/")
    assert len(response.context["audience"]["picks"]) == 4
    from portal.campaigns import _audience_block

    with django_assert_num_queries(AUDIENCE_QUERIES):
        _audience_block(draft)


def test_co_partners_do_not_see_the_lead_partners_audience(client, world, draft):
    co = PartnerFactory(slug="museum")
    draft.campaign_partners.create(partner=co)
    member = PartnerMemberFactory(partner=co, role=PartnerMember.Role.OWNER).user
    client.force_login(member)

    response = client.get(f"{P}{draft.pk}/")

    assert response.status_code == 200
    assert response.context["audience"] is None
    assert 'data-testid="audience"' not in response.content.decode()


def test_reporting_time_zone_is_editable_in_the_portal_and_validated(client, owner, draft):
    client.force_login(owner)
    course = CourseFactory()

    assert (
        client.post(f"{P}{draft.pk}/edit/", _form(course, reporting_time_zone="Asia/Tokyo")).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.reporting_time_zone == "Asia/Tokyo"

    bad = client.post(f"{P}{draft.pk}/edit/", _form(course, reporting_time_zone="Mars/Olympus_Mons"))
    assert bad.status_code == 400
    draft.refresh_from_db()
    assert draft.reporting_time_zone == "Asia/Tokyo"

    # Empty: the zone follows the target countries again.
    assert (
        client.post(
            f"{P}{draft.pk}/edit/", _form(course, reporting_time_zone="", target_countries="cn")
        ).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.reporting_time_zone == "Asia/Shanghai"


def test_a_market_zone_nobody_chose_keeps_following_the_market(client, owner, partner):
    client.force_login(owner)
    course = CourseFactory()
    assert client.post(f"{P}new/", _form(course, target_countries="jp")).status_code == 302
    campaign = Campaign.objects.get(name_en="Home learning week")
    assert campaign.reporting_time_zone == "Asia/Tokyo"

    page = client.get(f"{P}{campaign.pk}/edit/")
    assert page.context["form"].initial["reporting_time_zone"] == ""
    assert client.post(f"{P}{campaign.pk}/edit/", _form(course, target_countries="es")).status_code == 302
    campaign.refresh_from_db()
    assert campaign.reporting_time_zone == "Europe/Madrid"


# --- Partner API ----------------------------------------------------------------------------


def _key(partner, scopes=(ApiKey.Scope.MANAGE_CAMPAIGNS,)) -> str:
    return api_key_issue(partner=partner, name="crm", scopes=list(scopes), created_by=None)[1]


def test_api_sets_and_reads_the_audience(api_client, world, partner, draft, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {_key(partner)}"}

    response = api_client.put(
        f"{API}{draft.pk}/audience/",
        {"segments": [1], "customers": ["c-0", "c-1", "c-2"]},
        format="json",
        **auth,
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [s["number"] for s in body["segments"]] == [1]
    assert body["segments"][0]["description"] == "Travel beginners"
    assert body["estimate"] == {
        "total": 8,
        "learners": 5,
        "customers": 3,
        "suppressed": False,
        "min_group_size": 3,
    }
    assert [s["number"] for s in body["available_segments"]] == [0, 1, 2]
    assert api_client.get(f"{API}{draft.pk}/audience/", **auth).json() == body


def test_api_refuses_another_partners_customer_with_its_code(api_client, world, partner, draft):
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {_key(partner)}"}

    response = api_client.put(f"{API}{draft.pk}/audience/", {"customers": ["o-0"]}, format="json", **auth)

    assert response.status_code == 400
    assert response.json()["code"] == "audience_customer_unknown"
    assert _snapshot(draft) == ([], False, [])


def test_api_refuses_withdrawn_customers_and_other_partners_and_non_drafts(api_client, world, partner, draft):
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {_key(partner)}"}
    withdrawn = api_client.put(f"{API}{draft.pk}/audience/", {"customers": ["w-0"]}, format="json", **auth)
    assert (withdrawn.status_code, withdrawn.json()["code"]) == (400, "audience_customer_withdrawn")

    other_auth = {"HTTP_AUTHORIZATION": f"Api-Key {_key(world['other'])}"}
    assert api_client.get(f"{API}{draft.pk}/audience/", **other_auth).status_code == 404

    running = CampaignFactory(partner=partner)
    refused = api_client.put(f"{API}{running.pk}/audience/", {"segments": [0]}, format="json", **auth)
    assert (refused.status_code, refused.json()["code"]) == (409, "campaign_not_editable")

    read_only = {"HTTP_AUTHORIZATION": f"Api-Key {_key(partner, scopes=[ApiKey.Scope.READ_METRICS])}"}
    assert (
        api_client.put(
            f"{API}{draft.pk}/audience/", {"segments": [0]}, format="json", **read_only
        ).status_code
        == 403
    )
    assert _snapshot(draft) == ([], False, [])


# --- Admin ----------------------------------------------------------------------------------


def test_admin_lists_only_consenting_customers_of_the_lead_partner(rf, world, draft):
    from django.contrib import admin as django_admin

    from campaigns.admin import AudienceCustomerInline

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    formset_class = AudienceCustomerInline(Campaign, django_admin.site).get_formset(request, draft)

    def bound(customer):
        data = {
            "audience_customers-TOTAL_FORMS": "1",
            "audience_customers-INITIAL_FORMS": "0",
            "audience_customers-0-customer": str(customer.pk),
        }
        return formset_class(data, instance=draft, prefix="audience_customers")

    assert bound(world["consenting"][0]).is_valid()
    other = bound(world["others_customers"][0])
    assert not other.is_valid()
    assert "not customers your partner pushed" in str(other.non_form_errors())
    withdrawn = bound(world["withdrawn"][0])
    assert not withdrawn.is_valid()
    assert "withdrew their consent" in str(withdrawn.non_form_errors())


def test_admin_change_page_renders_with_an_audience(admin_client, world, draft):
    _set(draft, segments=[0], customer_external_ids=["c-0"])

    response = admin_client.get(f"/admin/campaigns/campaign/{draft.pk}/change/")

    assert response.status_code == 200
    assert "audience_customers-0-customer" in response.content.decode()


# --- Runtime: the landing page --------------------------------------------------------------


def test_landing_page_shows_the_audience_picks_only_to_learners_in_the_audience(
    client, world, partner, settings
):
    settings.PARTNER_MIN_GROUP_SIZE = 3
    cache.clear()
    pick, owned = CourseFactory(slug="audience-pick"), CourseFactory(slug="owned-pick")
    members = world["groups"][0]
    for user in members:
        _recommend(world["version"], user, [(pick, 1.0), (owned, 0.9)])
    campaign = CampaignFactory(partner=partner, status=Campaign.Status.DRAFT, courses=[CourseFactory()])
    _set(campaign, segments=[0])
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.RUNNING)
    Enrollment.objects.create(user=members[0], course=owned)
    url = f"/en/c/{campaign.slug}/"

    client.force_login(members[0])
    inside = client.get(url).content.decode()
    client.force_login(world["groups"][1][0])
    outside = client.get(url).content.decode()
    client.logout()
    anonymous = client.get(url).content.decode()

    assert 'data-testid="rail-audience"' in inside
    assert 'data-slug="audience-pick"' in inside
    assert 'data-slug="owned-pick"' not in inside  # already theirs
    assert 'data-testid="rail-audience"' not in outside
    assert 'data-testid="rail-audience"' not in anonymous
    # Everyone gets the same offer: the audience decides the picks, never the price.
    assert outside.count('data-testid="campaign-course"') == inside.count('data-testid="campaign-course"')
