"""Partner webhook events of campaigns, emitted from the rows that record them, in the
transaction that writes them (``partners.webhooks``): an order attributed, a code
redeemed, an attributed order refunded, a campaign's status changed, an attributed course
completed. Every partner of the campaign (the lead and alliance partners) gets the event.
Payloads name campaigns, codes, orders and amounts, never a learner."""

import json
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections, router
from django.db.models.signals import post_save

from courses.models import Enrollment
from partners.models import WebhookEndpoint
from partners.webhooks import webhook_emit

from .models import Campaign, CampaignPartner, CodeRedemption, DiscountCode, OrderAttribution

# Campaign id -> its endpoints' (partner id, events) rows, inside ``campaign_endpoints_read_once``.
_ENDPOINTS: ContextVar[dict[int, list] | None] = ContextVar("campaign_endpoints", default=None)


@contextmanager
def campaign_endpoints_read_once():
    """Inside, each campaign's webhook endpoints are read once: a paid coded order emits two
    events of its campaign (code redeemed, order attributed) in one transaction, and the
    second read would cost a statement on every such sale. Open it around one transaction's
    work only, so an endpoint added meanwhile counts from the next one. Inside another such
    block it is that block."""
    if _ENDPOINTS.get() is not None:
        yield
        return
    token = _ENDPOINTS.set({})
    try:
        yield
    finally:
        _ENDPOINTS.reset(token)


def _subscribers(campaign_id: int, event: str) -> list[int]:
    """The campaign's partners (lead and alliance) with an active endpoint for ``event``, in
    one query: a checkout of a campaign whose partners take no webhooks writes nothing.

    Hand-written SQL: a coded checkout asks this for two events (code redeemed, order
    attributed; one read inside ``campaign_endpoints_read_once``), and the ORM form (a
    DISTINCT over two reverse joins) cost ~1.2 ms of Python per call to build, several
    times the statement itself. Plain SQL that SQLite runs too."""
    known = _ENDPOINTS.get()
    rows = known.get(campaign_id) if known is not None else None
    if rows is None:
        rows = _endpoint_rows(campaign_id)
        if known is not None:
            known[campaign_id] = rows
    # A raw cursor hands JSON over as text (Django parses it in the field, not the driver).
    return sorted(
        {
            partner_id
            for partner_id, events in rows
            if event in (json.loads(events) if isinstance(events, str) else events)
        }
    )


def _endpoints_of(campaign: str) -> str:
    """FROM and WHERE of the active endpoints of the campaign whose id is ``campaign`` (a
    parameter mark or a column of an outer statement), as ``e``."""
    return (
        f"FROM {WebhookEndpoint._meta.db_table} e WHERE e.is_active AND e.partner_id IN ("
        f"SELECT partner_id FROM {Campaign._meta.db_table} WHERE id = {campaign}"
        f" UNION ALL SELECT partner_id FROM {CampaignPartner._meta.db_table} WHERE campaign_id = {campaign})"
    )


def _endpoint_rows(campaign_id: int) -> list:
    with connections[router.db_for_write(WebhookEndpoint)].cursor() as cursor:
        cursor.execute(f"SELECT e.partner_id, e.events {_endpoints_of('%s')}", [campaign_id, campaign_id])
        return cursor.fetchall()


def campaign_endpoints_column(connection, campaign: str) -> str | None:
    """For a statement that reads a campaign's id as the column ``campaign``: its endpoints'
    rows as one more column (a JSON array), when they will be asked for (inside
    ``campaign_endpoints_read_once``, on PostgreSQL); else None. Hand the value to
    ``campaign_endpoints_known``: a paid coded order's redemption brings them along, one
    statement less on every such sale."""
    if _ENDPOINTS.get() is None or connection.vendor != "postgresql":
        return None
    return f"(SELECT json_agg(json_build_array(e.partner_id, e.events)) {_endpoints_of(campaign)})"


def campaign_endpoints_known(campaign_id: int, value) -> None:
    """The value of a ``campaign_endpoints_column``: the campaign's endpoints are then known
    until the end of the ``campaign_endpoints_read_once`` block."""
    known = _ENDPOINTS.get()
    if known is None or campaign_id in known:
        return
    # A raw cursor hands JSON over as text; no endpoint at all is NULL.
    rows = json.loads(value) if isinstance(value, str) else value
    known[campaign_id] = [tuple(row) for row in rows or ()]


def campaign_event_emit(campaign_id: int, event: str, data: dict, dedupe_key: str | None = None) -> None:
    """Send ``event`` about a campaign to each of its partners that subscribed to it (in the
    caller's transaction)."""
    for partner_id in _subscribers(campaign_id, event):
        webhook_emit(
            partner_id=partner_id, event=event, data={"campaign": campaign_id, **data}, dedupe_key=dedupe_key
        )


def _on_attribution(
    sender, instance: OrderAttribution, created: bool, update_fields=None, raw=False, **kwargs
):
    if raw:
        return
    if created:
        campaign_event_emit(
            instance.campaign_id,
            "attribution.created",
            {
                "order": instance.order_ref,
                "amount": str(instance.amount),
                "currency": instance.currency,
                "discount": str(instance.discount_amount),
                "reason": instance.reason,
                "variant": instance.variant_id,
                "code": instance.code_id,
                "holdout": instance.is_holdout,
                "self_purchase": instance.is_self_purchase,
                "paid_at": instance.paid_at,
            },
        )
    elif update_fields and "refunded_amount" in update_fields:
        campaign_event_emit(
            instance.campaign_id,
            "order.refunded",
            {
                "order": instance.order_ref,
                "refunded_amount": str(instance.refunded_amount),
                "amount": str(instance.amount),
                "currency": instance.currency,
            },
        )


def _on_redemption(sender, instance: CodeRedemption, created: bool, update_fields=None, raw=False, **kwargs):
    confirmed = instance.status == CodeRedemption.Status.CONFIRMED
    if raw or not confirmed or (not created and not (update_fields and "status" in update_fields)):
        return
    if CodeRedemption.code.is_cached(instance):  # discount_code_confirm reads it along
        code, campaign_id = instance.code.code, instance.code.campaign_id
    else:
        code, campaign_id = (
            DiscountCode.objects.filter(pk=instance.code_id).values_list("code", "campaign_id").get()
        )
    campaign_event_emit(campaign_id, "code.redeemed", {"code": code, "order": instance.order_ref})


def _on_campaign(sender, instance: Campaign, created: bool, update_fields=None, raw=False, **kwargs):
    if raw or created or not (update_fields and "status" in update_fields):
        return
    campaign_event_emit(
        instance.pk, "campaign.status_changed", {"status": instance.status, "slug": instance.slug}
    )


def _on_enrollment(sender, instance: Enrollment, created: bool, update_fields=None, raw=False, **kwargs):
    if raw or instance.completed_at is None or (update_fields and "completed_at" not in update_fields):
        return
    campaigns = (
        OrderAttribution.objects.filter(user_id=instance.user_id, is_holdout=False)
        .filter(campaign__campaign_courses__course_id=instance.course_id)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    for campaign_id in campaigns:
        campaign_event_emit(
            campaign_id,
            "enrollment.completed",
            {"course": instance.course_id, "completed_at": instance.completed_at},
            dedupe_key=f"completed:{instance.pk}:{campaign_id}",
        )


def connect() -> None:
    post_save.connect(_on_attribution, sender=OrderAttribution, dispatch_uid="webhooks-attribution")
    post_save.connect(_on_redemption, sender=CodeRedemption, dispatch_uid="webhooks-redemption")
    post_save.connect(_on_campaign, sender=Campaign, dispatch_uid="webhooks-campaign")
    post_save.connect(_on_enrollment, sender=Enrollment, dispatch_uid="webhooks-enrollment")
