"""The seam between a paid order and campaign attribution, wired to ``campaigns.services``.

``attribution_for_paid_order`` is called by ``commerce.services.order_mark_paid`` inside its
transaction; it confirms the order's discount code, decides and records the attribution
(the code beats the cookie; else the last touch inside the campaign's window), sets
``order.campaign_id`` (the caller saves it) and returns the extra revenue-share parties of
the order as data per course, e.g. ``{12: [{"party": "partner:7", "share": "0.1000"}]}``:
only the campaign's joint courses carry partner shares (a course outside the campaign in the
same order is not the partners' sale). They are added to those lines' ``revenue_split`` and
read by ``commerce.ledger``. An empty mapping means the instructor and the platform share
every line alone.

``attribution_for_refund`` is called by ``commerce.services.order_refund``: the campaign's
attributed revenue shrinks by the refund (the ledger reverses the partners' entries itself).
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import CodeRedemption
from core.exceptions import ApplicationError

from .discounts import order_ref

logger = logging.getLogger(__name__)


def _confirmed_code(order):
    """The code the order was priced with (its row, read along with the redemption), its
    reservation turned into a use."""
    if not order.discount_code:
        return None
    ref = order_ref(order)
    redemption = campaign_services.discount_code_confirm(order_ref=ref)
    if redemption is None:
        return None
    if redemption.status == CodeRedemption.Status.RELEASED:
        # A payment that arrives after the order was given up on (declined, then paid by
        # webhook) finds its code released: take the use again. The learner has paid the
        # discounted price whatever happens, so a code used up meanwhile is only logged.
        quote = campaign_services.DiscountQuote(
            code_id=redemption.code_id,
            code=order.discount_code,
            campaign_id=0,
            variant_id=None,
            currency=order.currency,
        )
        try:
            with transaction.atomic():
                campaign_services.discount_code_redeem(quote=quote, user=order.user, order_ref=ref)
                campaign_services.discount_code_confirm(order_ref=ref)
        except ApplicationError as exc:
            logger.warning("late payment of order %s could not take its code back: %s", ref, exc.code)
    return redemption.code


def attribution_for_paid_order(*, order) -> dict[int, list[dict]]:
    # The code's and the attribution's webhook events read the campaign's endpoints once.
    with attribution_events_read_once():
        return _attribute(order=order)


def attribution_events_read_once():
    """A block (one transaction's work) in which the campaign events of the sale read the
    campaign's webhook endpoints once: around the paying transaction's deferred writes,
    whose attribution row sends its event when it goes out, at the end."""
    return campaign_services.campaign_endpoints_read_once()


def _attribute(*, order) -> dict[int, list[dict]]:
    paid_at = order.paid_at or timezone.now()
    code = _confirmed_code(order)
    decision = campaign_services.attribution_decide(
        user_id=order.user_id,
        visitor_id=order.visitor_id or None,
        code_id=code.pk if code is not None else None,
        paid_at=paid_at,
        code=code,
    )
    if decision is None:
        return {}
    campaign_services.attribution_record(
        order_ref=order_ref(order),
        order_id=order.pk,
        attribution=decision,
        amount=order.total,
        currency=order.currency,
        paid_at=paid_at,
        discount_amount=order.discount,
    )
    order.campaign_id = decision.campaign_id
    if decision.is_self_purchase:
        # Campaigns' rule: a partner member buying through their own partner's campaign is
        # shown as such but left out of partner payouts.
        return {}
    if decision.course_splits is not None:  # read with the decision
        return decision.course_splits
    return campaign_services.campaign_course_revenue_splits(campaign_id=decision.campaign_id)


def attribution_for_refund(*, order, amount: Decimal) -> None:
    if order.campaign_id is None:
        return
    campaign_services.attribution_reverse(order_ref=order_ref(order), amount=amount)
