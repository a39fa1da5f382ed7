"""The partner portal's membership grants: a partner owner grants its alliance campaign's
plan to one of its own pushed, consenting customers by its own customer id (the rules of the
learner's claim: consent, idempotence, own campaigns only), sees the grants made so far, and
reads refusals in its language. Another partner's member gets a 404 and changes nothing."""

import pytest
from django.test import Client

from campaigns.exceptions import PlanGrantNotAvailable
from campaigns.models import PlanGrant
from campaigns.services import campaign_plan_grant, campaign_plan_grant_for_customer
from courses.models import Enrollment
from partners.models import PartnerMember
from partners.services import partner_customer_withdraw, partner_customers_upsert
from plans.models import Entitlement
from tests.factories import CourseFactory, UserFactory
from tests.partners.factories import PartnerConsentFactory
from tests.plans.factories import make_plan

from .factories import CampaignFactory, PartnerFactory, PartnerMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alliance():
    partner = PartnerFactory(slug="bank")
    course = CourseFactory()
    plan = make_plan(slug="bank-year", courses=[course], interval="year", renews=False)
    campaign = CampaignFactory(partner=partner, granted_plan=plan)
    partner_customers_upsert(
        partner=partner,
        customers=[
            {"external_id": "card-holder-1", "consent": True},
            {"external_id": "card-holder-2", "consent": True},
        ],
    )
    return {"partner": partner, "plan": plan, "campaign": campaign, "course": course}


def _client(partner, role=PartnerMember.Role.OWNER):
    user = UserFactory()
    PartnerMemberFactory(partner=partner, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def _url(campaign, language="en"):
    return f"/{language}/partner/campaigns/{campaign.pk}/plan-grants/"


def test_an_owner_grants_the_plan_to_a_pushed_customer_once_and_sees_it(alliance):
    client = _client(alliance["partner"])

    page = client.get(_url(alliance["campaign"]))
    first = client.post(_url(alliance["campaign"]), {"external_id": "card-holder-1"})
    again = client.post(_url(alliance["campaign"]), {"external_id": " card-holder-1 "})

    assert page.status_code == 200
    assert 'data-testid="plan-grant-form"' in page.content.decode()
    assert (first.status_code, again.status_code) == (302, 302)
    grant = PlanGrant.objects.get()
    assert (grant.campaign, grant.partner) == (alliance["campaign"], alliance["partner"])
    listed = client.get(_url(alliance["campaign"])).content.decode()
    assert listed.count('data-testid="plan-grant"') == 1
    assert grant.customer.external_hash[:12] in listed
    assert 'data-claimed="false"' in listed  # the customer has not claimed it yet
    # the detail page leads here
    assert (
        "campaign-plan-grants-link"
        in client.get(f"/en/partner/campaigns/{alliance['campaign'].pk}/").content.decode()
    )


def test_a_known_customer_with_consent_gets_the_membership_at_once(alliance):
    # the learner claimed an earlier campaign's grant with their id and consent
    learner = UserFactory()
    PartnerConsentFactory(user=learner, partner=alliance["partner"])
    earlier = CampaignFactory(partner=alliance["partner"], granted_plan=make_plan(slug="earlier"))
    campaign_plan_grant(campaign=earlier, user=learner, external_id="card-holder-1")
    client = _client(alliance["partner"])

    client.post(_url(alliance["campaign"]), {"external_id": "card-holder-1"})

    grant = PlanGrant.objects.get(campaign=alliance["campaign"])
    entitlement = Entitlement.objects.get(source=grant.entitlement_source)
    assert (entitlement.user, entitlement.plan) == (learner, alliance["plan"])
    assert Enrollment.objects.get(user=learner, course=alliance["course"]).is_active
    assert 'data-claimed="true"' in client.get(_url(alliance["campaign"])).content.decode()
    # and the learner's own claim returns the same entitlement
    assert campaign_plan_grant(campaign=alliance["campaign"], user=learner, external_id="card-holder-1") == (
        entitlement
    )


def test_without_consent_the_membership_waits(alliance):
    learner = UserFactory()
    consent = PartnerConsentFactory(user=learner, partner=alliance["partner"])
    earlier = CampaignFactory(partner=alliance["partner"], granted_plan=make_plan(slug="earlier"))
    campaign_plan_grant(campaign=earlier, user=learner, external_id="card-holder-1")
    consent.withdrawn_at = consent.granted_at
    consent.save()

    grant = campaign_plan_grant_for_customer(
        campaign=alliance["campaign"], partner=alliance["partner"], external_id="card-holder-1"
    )

    assert not Entitlement.objects.filter(source=grant.entitlement_source).exists()


@pytest.mark.parametrize(
    "external_id, language, message",
    [
        ("nobody", "zh-hans", "您推送的客户中没有使用此编号且已授权的客户"),
        ("card-holder-2", "ja", "この ID の顧客は、同意した送信済み顧客の中にいません"),  # withdrew
        ("", "es", "Este campo es requerido."),
    ],
)
def test_a_refused_grant_says_why_in_the_users_language(alliance, external_id, language, message):
    partner_customer_withdraw(partner=alliance["partner"], external_id="card-holder-2")
    client = _client(alliance["partner"])

    response = client.post(_url(alliance["campaign"], language), {"external_id": external_id})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PlanGrant.objects.exists()


def test_another_partners_member_gets_a_404_and_changes_nothing(alliance):
    other = _client(PartnerFactory(slug="home"))

    assert other.get(_url(alliance["campaign"])).status_code == 404
    assert other.post(_url(alliance["campaign"]), {"external_id": "card-holder-1"}).status_code == 404
    assert not PlanGrant.objects.exists()
    # nor may the service grant another partner's campaign plan
    with pytest.raises(PlanGrantNotAvailable):
        campaign_plan_grant_for_customer(
            campaign=alliance["campaign"], partner=PartnerFactory(slug="travel"), external_id="card-holder-1"
        )


def test_an_analyst_reads_but_cannot_grant(alliance):
    client = _client(alliance["partner"], role=PartnerMember.Role.ANALYST)

    page = client.get(_url(alliance["campaign"]))
    refused = client.post(_url(alliance["campaign"]), {"external_id": "card-holder-1"})

    assert page.status_code == 200
    assert 'data-testid="plan-grant-form"' not in page.content.decode()
    assert refused.status_code == 403
    assert not PlanGrant.objects.exists()


def test_the_page_fits_a_phone(alliance):
    client = _client(alliance["partner"])
    client.post(_url(alliance["campaign"]), {"external_id": "card-holder-1"})

    html = client.get(_url(alliance["campaign"])).content.decode()

    # the list scrolls inside its box instead of widening a 390 px page, and the long
    # customer hash may break anywhere
    assert '<div class="table-scroll">' in html
    assert 'class="break-anywhere"' in html
    assert 'name="viewport" content="width=device-width' in html
