"""An alliance campaign gives its partners' pushed customers a membership for free: the
learner claims it with their partner's customer reference, with a data-sharing consent to
that partner; nobody else can claim the same customer's grant."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Enrollment
from partners.models import ConsentText
from partners.services import partner_customer_withdraw, partner_customers_upsert
from plans.models import Entitlement
from plans.tasks import end_due_entitlements
from tests.campaigns.factories import CampaignFactory
from tests.factories import CourseFactory, UserFactory
from tests.partners.factories import PartnerConsentFactory

from .factories import make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def alliance():
    course = CourseFactory()
    plan = make_plan(slug="bank-year", courses=[course], interval="year", renews=False)
    campaign = CampaignFactory(granted_plan=plan)
    partner_customers_upsert(
        partner=campaign.partner,
        customers=[{"external_id": "card-holder-1", "consent": True, "country": "CN", "language": "zh-hans"}],
    )
    return {"campaign": campaign, "plan": plan, "course": course, "partner": campaign.partner}


def _claim(user, campaign, external_id="card-holder-1"):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.post(
        f"/api/v1/campaigns/{campaign.slug}/plan-grant/", {"external_id": external_id}, format="json"
    )


def test_a_consenting_customer_gets_a_year_of_the_plan_once(alliance):
    learner = UserFactory()
    PartnerConsentFactory(user=learner, partner=alliance["partner"])

    first = _claim(learner, alliance["campaign"])
    again = _claim(learner, alliance["campaign"])

    assert (first.status_code, first.json()["plan"]) == (201, "bank-year")
    assert again.json() == first.json()
    entitlement = Entitlement.objects.get(user=learner)
    assert entitlement.ends_at - entitlement.starts_at >= timedelta(days=365)
    assert Enrollment.objects.get(user=learner, course=alliance["course"]).source == "membership"

    # when the year is over, the course closes again
    Entitlement.objects.filter(pk=entitlement.pk).update(
        starts_at=timezone.now() - timedelta(days=366), ends_at=timezone.now() - timedelta(seconds=1)
    )
    assert end_due_entitlements.delay().get() == 1
    assert not Enrollment.objects.get(user=learner, course=alliance["course"]).is_active


@pytest.mark.parametrize(
    "case", ["no-learner-consent", "unknown-customer", "customer-withdrew", "claimed-by-another", "anonymous"]
)
def test_a_claim_without_both_consents_or_twice_is_refused_and_changes_nothing(alliance, case):
    learner = UserFactory()
    if case != "no-learner-consent":
        PartnerConsentFactory(user=learner, partner=alliance["partner"])
    external_id = "someone-else" if case == "unknown-customer" else "card-holder-1"
    if case == "customer-withdrew":
        partner_customer_withdraw(partner=alliance["partner"], external_id="card-holder-1")
    if case == "claimed-by-another":
        other = UserFactory()
        PartnerConsentFactory(
            user=other, partner=alliance["partner"], consent_text=ConsentText.objects.get(is_current=True)
        )
        assert _claim(other, alliance["campaign"]).status_code == 201

    response = _claim(None if case == "anonymous" else learner, alliance["campaign"], external_id)

    if case == "anonymous":
        assert response.status_code in (401, 403)
    else:
        assert (response.status_code, response.json()["code"]) == (403, "plan_grant_refused")
    assert not Entitlement.objects.filter(user=learner).exists()
    assert not Enrollment.objects.filter(user=learner).exists()


def test_a_campaign_without_a_granted_plan_says_so():
    campaign = CampaignFactory()
    learner = UserFactory()

    response = _claim(learner, campaign)

    assert (response.status_code, response.json()["code"]) == (404, "plan_grant_not_available")
