"""Alliance grants: a campaign can give its partners' pushed customers a membership plan
for free (``Campaign.granted_plan``), one period of it. A signed-in learner claims it with
the customer reference their partner gave them (a personal link or code); the claim
holds only when

- the campaign is running and names a plan;
- the reference is a pushed customer of one of the campaign's partners, whose consent
  the partner has not withdrawn (pushed with consent, see partners.PartnerCustomer);
- the learner has an active data-sharing consent with that partner (they agreed that
  Zhiqiao and the partner link their accounts);
- nobody else has claimed that customer's grant.

The grant is an entitlement (plans app) with the source ``campaign:<id>:customer:<id>``:
claiming again returns it, and its enrollments end with it (``end_due_entitlements``)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from partners.models import PartnerConsent, PartnerCustomer
from partners.services import customer_external_hash
from plans.models import Entitlement
from plans.services import entitlement_extend, plan_period_end

from ..exceptions import PlanGrantNotAvailable, PlanGrantRefused
from ..models import Campaign
from .lifecycle import campaign_is_live


@transaction.atomic
def campaign_plan_grant(
    *, campaign: Campaign, user, external_id: str, now: datetime | None = None
) -> Entitlement:
    now = now or timezone.now()
    plan = campaign.granted_plan
    if plan is None or not plan.is_active or not campaign_is_live(campaign, now=now):
        raise PlanGrantNotAvailable()
    external_id = str(external_id or "").strip()[:200]
    partners = [part.partner for part in campaign.campaign_partners.select_related("partner").order_by("pk")]
    customer = None
    if external_id:
        for partner in partners:
            # Locked: two learners claiming one customer's grant are decided one at a time.
            customer = (
                PartnerCustomer.objects.select_for_update()
                .filter(
                    partner=partner,
                    external_hash=customer_external_hash(partner=partner, external_id=external_id),
                    withdrawn_at__isnull=True,
                )
                .first()
            )
            if customer is not None:
                break
    if customer is None:
        raise PlanGrantRefused()
    consented = PartnerConsent.objects.filter(
        user=user, partner_id=customer.partner_id, withdrawn_at__isnull=True
    ).exists()
    source = f"campaign:{campaign.pk}:customer:{customer.pk}"
    if not consented or Entitlement.objects.filter(source=source).exclude(user=user).exists():
        raise PlanGrantRefused()
    existing = Entitlement.objects.filter(user=user, source=source).first()
    if existing is not None:
        return existing
    return entitlement_extend(
        user=user,
        plan=plan,
        source=source,
        starts_at=now,
        ends_at=plan_period_end(interval=plan.interval, start=now),
    )
