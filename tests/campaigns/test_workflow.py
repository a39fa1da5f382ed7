"""Campaign workflow: draft -> submitted -> approved/rejected -> running -> ended."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.exceptions import CampaignIncomplete, CampaignInvalid, CampaignNotEditable, InvalidTransition
from campaigns.models import Campaign, CampaignPartner
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def _draft(**overrides):
    partner = overrides.pop("partner", None) or PartnerFactory()
    course = CourseFactory()
    fields = {"name_en": "Spring savings", "headline_en": "Learn money skills", **overrides}
    return services.campaign_create(partner=partner, fields=fields, course_ids=[course.pk])


def test_create_makes_a_draft_with_the_lead_partner_as_party():
    campaign = _draft()

    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.slug == "spring-savings"
    assert list(
        CampaignPartner.objects.filter(campaign=campaign).values_list("partner_id", "revenue_share")
    ) == [(campaign.partner_id, Decimal("0.1000"))]


def test_draft_can_be_edited():
    campaign = _draft()

    services.campaign_update(
        campaign=campaign, fields={"headline_es": "Aprende", "discount_percent": Decimal("15")}
    )

    campaign.refresh_from_db()
    assert campaign.headline_es == "Aprende"
    assert campaign.discount_percent == Decimal("15.00")


@pytest.mark.parametrize("status", ["submitted", "approved", "rejected", "running", "ended"])
def test_only_drafts_are_editable(status):
    campaign = CampaignFactory(status=status)

    with pytest.raises(CampaignNotEditable) as exc:
        services.campaign_update(campaign=campaign, fields={"headline_en": "changed"})

    assert exc.value.code == "campaign_not_editable"
    assert exc.value.status_code == 409
    campaign.refresh_from_db()
    assert campaign.headline_en == "Learn with us"


def test_submit_then_approve_starts_a_campaign_whose_start_has_come():
    campaign = _draft(starts_at=timezone.now() - timedelta(hours=1))
    staff = UserFactory(is_staff=True)

    services.campaign_submit(campaign=campaign)
    approved = services.campaign_approve(campaign=campaign, reviewed_by=staff)

    assert approved.status == Campaign.Status.RUNNING
    assert approved.reviewed_by == staff


def test_approve_of_a_future_campaign_waits_for_the_schedule():
    start = timezone.now() + timedelta(days=2)
    campaign = _draft(starts_at=start, ends_at=start + timedelta(days=5))
    services.campaign_submit(campaign=campaign)

    approved = services.campaign_approve(campaign=campaign)
    assert approved.status == Campaign.Status.APPROVED

    result = services.campaigns_advance_schedule(now=start + timedelta(minutes=1))
    assert result == {"started": 1, "ended": 0}
    result = services.campaigns_advance_schedule(now=start + timedelta(days=6))
    assert result == {"started": 0, "ended": 1}
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ENDED


def test_reject_needs_a_reason_and_stores_it():
    campaign = _draft()
    services.campaign_submit(campaign=campaign)

    with pytest.raises(CampaignInvalid):
        services.campaign_reject(campaign=campaign, reason="  ")
    rejected = services.campaign_reject(campaign=campaign, reason="Logo missing")

    assert rejected.status == Campaign.Status.REJECTED
    assert rejected.rejection_reason == "Logo missing"
    reopened = services.campaign_reopen(campaign=rejected)
    assert reopened.status == Campaign.Status.DRAFT


def test_submit_without_courses_is_incomplete():
    campaign = services.campaign_create(
        partner=PartnerFactory(), fields={"name_en": "Empty", "headline_en": "Hi"}
    )

    with pytest.raises(CampaignIncomplete):
        services.campaign_submit(campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


@pytest.mark.parametrize(
    "action",
    [
        lambda c: services.campaign_approve(campaign=c),
        lambda c: services.campaign_reject(campaign=c, reason="no"),
        lambda c: services.campaign_start(campaign=c),
    ],
)
def test_staff_actions_need_a_submitted_or_approved_campaign(action):
    campaign = _draft()

    with pytest.raises(InvalidTransition):
        action(campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


@pytest.mark.parametrize(
    "fields",
    [
        {"discount_percent": Decimal("120")},
        {"holdout_share": Decimal("0.9")},
        {"attribution_window_days": 0},
        {"target_languages": ["xx"]},
        {"target_countries": ["Spain"]},
        {"budget_currency": "GBP"},
        {"starts_at": timezone.now(), "ends_at": timezone.now() - timedelta(days=1)},
        {"unknown_field": 1},
    ],
)
def test_invalid_fields_are_refused(fields):
    with pytest.raises(CampaignInvalid):
        _draft(**fields)
    assert Campaign.objects.count() == 0


def test_partner_shares_are_capped():
    other = PartnerFactory()
    campaign = _draft()

    with pytest.raises(CampaignInvalid):
        services.campaign_update(campaign=campaign, co_partners={other.pk: Decimal("0.45")})
    services.campaign_update(campaign=campaign, co_partners={other.pk: Decimal("0.2")})

    assert services.campaign_revenue_split(campaign_id=campaign.pk) == sorted(
        [
            {"party": f"partner:{campaign.partner_id}", "share": "0.1000"},
            {"party": f"partner:{other.pk}", "share": "0.2000"},
        ],
        key=lambda row: int(row["party"].split(":")[1]),
    )


def test_each_joint_course_gets_the_campaigns_split_in_one_statement(django_assert_num_queries):
    # given a campaign of two courses shared by two partners, and one nobody shares in
    first, second = CourseFactory(), CourseFactory()
    other = PartnerFactory()
    campaign = services.campaign_create(
        partner=PartnerFactory(), fields={"name_en": "Two courses"}, course_ids=[first.pk, second.pk]
    )
    services.campaign_update(campaign=campaign, co_partners={other.pk: Decimal("0.2")})
    unshared = _draft(name_en="Unshared")
    CampaignPartner.objects.filter(campaign=unshared).update(revenue_share=0)
    # when the splits per course are read
    with django_assert_num_queries(1):
        splits = services.campaign_course_revenue_splits(campaign_id=campaign.pk)
    # then each joint course has the same split as the campaign's, and no share means none
    split = services.campaign_revenue_split(campaign_id=campaign.pk)
    assert len(split) == 2
    assert splits == {first.pk: split, second.pk: split}
    assert services.campaign_course_revenue_splits(campaign_id=unshared.pk) == {}


def test_budget_exhausted_stops_the_campaign():
    campaign = CampaignFactory(budget_amount=Decimal("100.00"))

    services.spend_entry_add(campaign=campaign, amount=Decimal("60"), on=timezone.localdate())
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING
    services.spend_entry_add(campaign=campaign, amount=Decimal("40"), on=timezone.localdate())

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ENDED
