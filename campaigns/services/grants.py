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
claiming again returns it, and its enrollments end with it (``end_due_entitlements``).

A partner may also grant the plan from the portal to one of its own pushed customers
(``campaign_plan_grant_for_customer``), under the same rules: a campaign of its own that is
live and names a plan, a pushed customer whose consent stands. The grant is recorded
(``PlanGrant``, once per customer); when the customer's account is already known (they
claimed one of this partner's grants before) and its consent to the partner still stands,
the entitlement is made at once, else it waits for the customer's claim."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from partners.models import Partner, PartnerConsent, PartnerCustomer
from partners.services import customer_external_hash
from plans.models import Entitlement, Plan
from plans.services import entitlement_extend, plan_period_end

from ..exceptions import PlanGrantCustomerRefused, PlanGrantNotAvailable, PlanGrantRefused
from ..models import Campaign, PlanGrant
from .lifecycle import campaign_is_live


def _granted_plan(campaign: Campaign, *, now: datetime) -> Plan:
    plan = campaign.granted_plan
    if plan is None or not plan.is_active or not campaign_is_live(campaign, now=now):
        raise PlanGrantNotAvailable()
    return plan


def _pushed_customer(*, partner: Partner, external_id: str) -> PartnerCustomer | None:
    """The partner's pushed customer of this id whose consent stands, locked: two claims or
    grants of one customer are decided one at a time."""
    if not external_id:
        return None
    return (
        PartnerCustomer.objects.select_for_update()
        .filter(
            partner=partner,
            external_hash=customer_external_hash(partner=partner, external_id=external_id),
            withdrawn_at__isnull=True,
        )
        .first()
    )


@transaction.atomic
def campaign_plan_grant(
    *, campaign: Campaign, user, external_id: str, now: datetime | None = None
) -> Entitlement:
    now = now or timezone.now()
    plan = _granted_plan(campaign, now=now)
    external_id = str(external_id or "").strip()[:200]
    partners = [part.partner for part in campaign.campaign_partners.select_related("partner").order_by("pk")]
    customer = None
    for partner in partners:
        customer = _pushed_customer(partner=partner, external_id=external_id)
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


def _known_learner_id(*, customer: PartnerCustomer) -> int | None:
    """The learner account that claimed a grant for this customer before, if any."""
    return (
        Entitlement.objects.filter(source__regex=rf"^campaign:[0-9]+:customer:{customer.pk}$")
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
        .first()
    )


@transaction.atomic
def campaign_plan_grant_for_customer(
    *, campaign: Campaign, partner: Partner, external_id: str, granted_by=None, now: datetime | None = None
) -> PlanGrant:
    """A partner grants its campaign's plan to one of its pushed customers (the portal).
    Refused like a claim: ``plan_grant_not_available`` when the campaign is not one of the
    partner's, not live or names no plan; ``plan_grant_refused`` when the id names no
    pushed customer of the partner with consent. Granting again returns the same grant."""
    now = now or timezone.now()
    if not campaign.campaign_partners.filter(partner=partner).exists():
        raise PlanGrantNotAvailable()
    plan = _granted_plan(campaign, now=now)
    customer = _pushed_customer(partner=partner, external_id=str(external_id or "").strip()[:200])
    if customer is None:
        raise PlanGrantCustomerRefused()
    grant, _created = PlanGrant.objects.get_or_create(
        campaign=campaign, customer=customer, defaults={"partner": partner, "granted_by": granted_by}
    )
    user_id = _known_learner_id(customer=customer)
    if user_id is None or Entitlement.objects.filter(source=grant.entitlement_source).exists():
        return grant  # waits for the customer's claim, or was claimed already
    consented = PartnerConsent.objects.filter(
        user_id=user_id, partner=partner, withdrawn_at__isnull=True
    ).select_related("user")
    consent = consented.first()
    if consent is not None:
        entitlement_extend(
            user=consent.user,
            plan=plan,
            source=grant.entitlement_source,
            starts_at=now,
            ends_at=plan_period_end(interval=plan.interval, start=now),
        )
    return grant
