"""Audit of issue 4: self-purchases flagged in the portal; learners link their account to
the campaign's partner from the landing page."""

from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns.models import OrderAttribution
from partners.models import PartnerConsent, PartnerMember
from tests.factories import UserFactory
from tests.partners.factories import ConsentTextFactory

from .factories import CampaignFactory, PartnerFactory, PartnerMemberFactory

pytestmark = pytest.mark.django_db


def _attribution(campaign, n, *, self_purchase):
    return OrderAttribution.objects.create(
        order_ref=f"ZQ-{n:06d}",
        order_id=n,
        campaign=campaign,
        reason=OrderAttribution.Reason.CODE,
        paid_at=timezone.now(),
        amount=Decimal("24.30"),
        currency="EUR",
        is_self_purchase=self_purchase,
    )


def test_campaign_detail_flags_only_the_self_purchase(client, settings):
    # (single orders are listed only from the minimum group size: tests/campaigns/test_portal_privacy.py)
    settings.PARTNER_MIN_GROUP_SIZE = 2
    # given a campaign with one ordinary order and one bought by the partner's own admin
    partner = PartnerFactory(slug="bank")
    analyst = PartnerMemberFactory(partner=partner, role=PartnerMember.Role.ANALYST).user
    campaign = CampaignFactory(partner=partner)
    _attribution(campaign, 1, self_purchase=False)
    _attribution(campaign, 2, self_purchase=True)
    client.force_login(analyst)

    # when the analyst opens the campaign
    response = client.get(f"/en/partner/campaigns/{campaign.pk}/")

    # then only the self-purchase row carries the "own purchase" badge
    assert response.status_code == 200
    rows = response.content.decode().split('data-testid="attributions"', 1)[1].split("<tr>")[2:]
    flagged = {row.split("<code>", 1)[1].split("</code>", 1)[0]: "own purchase" in row for row in rows}
    assert flagged == {"ZQ-000001": False, "ZQ-000002": True}


def test_landing_page_lets_a_learner_link_to_the_partner_and_come_back(client):
    # given a running campaign of a bank and a current consent text
    partner = PartnerFactory(slug="bank", name_en="Harbor Bank", name_es="Banco Harbor")
    campaign = CampaignFactory(partner=partner)
    text = ConsentTextFactory(version=3)
    learner = UserFactory()
    client.force_login(learner)
    landing = f"/es/c/{campaign.slug}/"

    # when the learner follows the landing page's link and agrees
    html = client.get(landing).content.decode()
    link = f"/es/account/partners/bank/link/?next={landing}"
    assert f'href="{link}"' in html
    assert "Banco Harbor" in html.split('data-testid="campaign-consent"', 1)[1]
    assert client.get(link).status_code == 200
    response = client.post(link, {"agree": "on", "next": landing})

    # then they are linked under the current text, in Spanish, and back on the landing page
    assert response.status_code == 302
    assert response["Location"] == landing
    consent = PartnerConsent.objects.get(user=learner, partner=partner)
    assert (consent.consent_text_id, consent.language, consent.withdrawn_at) == (text.pk, "es", None)
