"""Tracking: links, anonymous visitor ids, sticky variant assignment and touches (buffered)."""

import hashlib
import secrets
import uuid
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils.translation import gettext_lazy as _

from .. import touch_buffer
from ..exceptions import (
    CampaignInvalid,
)
from ..models import (
    Campaign,
    Touch,
    TrackingLink,
    Variant,
    VisitorAssignment,
)
from .lifecycle import _now


def visitor_is_holdout(*, campaign_id: int, visitor_id: str | None = None, user=None) -> bool:
    """The control group never gets the offer, whether it is recognised by its cookie or
    by a signed-in learner's recorded touches."""
    touch_buffer.touch_buffer_flush_pending()
    condition, params = holdout_condition(
        campaign="%s", campaign_params=[campaign_id], visitor_id=visitor_id, user=user
    )
    if not params:
        return False
    with connections[router.db_for_read(Touch)].cursor() as cursor:
        cursor.execute(f"SELECT {condition}", params)
        return bool(cursor.fetchone()[0])


def holdout_condition(
    *, campaign: str, campaign_params: list, visitor_id: str | None, user
) -> tuple[str, list]:
    """SQL true when the visitor (cookie) or the signed-in learner (recorded touches) is in
    the control group of ``campaign`` (an SQL expression: a placeholder with
    ``campaign_params``, or a column of the caller's statement, which a coded checkout
    uses to ask with the code's row). Hand-written: every coded checkout asks, and the
    ORM's two EXISTS cost several times the statement in Python. The caller flushes the
    touch buffer first (``touch_buffer_flush_pending``)."""
    checks, params = [], []
    if visitor_id:
        checks.append(
            f"EXISTS (SELECT 1 FROM {VisitorAssignment._meta.db_table}"
            f" WHERE campaign_id = {campaign} AND visitor_id = %s AND is_holdout)"
        )
        params += [*campaign_params, visitor_id]
    if user is not None and getattr(user, "is_authenticated", False):
        checks.append(
            f"EXISTS (SELECT 1 FROM {Touch._meta.db_table}"
            f" WHERE campaign_id = {campaign} AND user_id = %s AND is_holdout)"
        )
        params += [*campaign_params, user.pk]
    return (f"({' OR '.join(checks)})" if checks else "(1 = 0)"), params


def tracking_link_create(
    *,
    campaign: Campaign,
    channel: str,
    name: str = "",
    language: str = "",
    variant: Variant | None = None,
    utm_source: str = "",
    utm_medium: str = "",
    utm_content: str = "",
) -> TrackingLink:
    if channel not in TrackingLink.Channel.values:
        raise CampaignInvalid(_("Unknown channel."))
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise CampaignInvalid(_("Unknown language."))
    if variant is not None and variant.campaign_id != campaign.pk:
        raise CampaignInvalid(_("Unknown variant."))
    return TrackingLink.objects.create(
        campaign=campaign,
        channel=channel,
        name=name[:80],
        language=language,
        variant=variant,
        token=secrets.token_urlsafe(12),
        utm_source=(utm_source or campaign.partner.slug)[:80],
        utm_medium=(utm_medium or channel)[:80],
        utm_campaign=campaign.slug[:80],
        utm_content=utm_content[:80],
    )


def new_visitor_id() -> str:
    return str(uuid.uuid4())


def visitor_id_clean(value: str | None) -> str | None:
    """A cookie value is ours only if it parses as a UUID; anything else is ignored."""
    if not value:
        return None
    try:
        return str(uuid.UUID(str(value)[:36]))
    except ValueError:
        return None


def _pick_variant(
    variants: list[Variant], holdout_share: Decimal, visitor_id: str, preferred: Variant | None = None
) -> tuple[Variant | None, bool]:
    """Random but reproducible from the visitor id, so a race between two first requests
    still lands on the same choice."""
    digest = hashlib.sha256(visitor_id.encode()).digest()
    roll = Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**32)
    if roll < holdout_share:
        return None, True
    if preferred is not None:
        return preferred, False
    if not variants:
        return None, False
    total = sum(v.weight for v in variants)
    point = int.from_bytes(digest[4:8], "big") % total
    for variant in variants:
        if point < variant.weight:
            return variant, False
        point -= variant.weight
    return variants[-1], False


def visitor_assign(
    *,
    campaign: Campaign,
    visitor_id: str,
    variants: list[Variant] | None = None,
    preferred_variant: Variant | None = None,
    known_new: bool = False,
    buffered: bool = False,
) -> VisitorAssignment:
    """The visitor's variant (or control group) for this campaign, chosen once and kept.
    A tracking link's variant is preferred for a new visitor, but the control group is
    drawn first so links cannot bypass it.

    ``known_new``: the visitor id was made for this request, so nothing is stored for it
    yet. ``buffered`` (web views, with the Redis touch buffer on): a new assignment is not
    inserted here but returned unsaved with ``pending_write`` set, for ``touch_record`` to
    buffer with the touch; buffered assignments are found in Redis until they are written."""
    buffered = buffered and touch_buffer.enabled()
    if variants is None:
        variants = list(campaign.variants.order_by("id"))
    if not known_new:
        if buffered:
            pending = touch_buffer.assignment_cached(campaign_id=campaign.pk, visitor_id=visitor_id)
            if pending is not None:
                variant = next((v for v in variants if v.pk == pending["variant_id"]), None)
                return VisitorAssignment(
                    campaign=campaign,
                    visitor_id=visitor_id,
                    variant=variant,
                    is_holdout=pending["is_holdout"],
                )
        assignment = (
            VisitorAssignment.objects.select_related("variant")
            .filter(campaign=campaign, visitor_id=visitor_id)
            .first()
        )
        if assignment is not None:
            return assignment
    variant, is_holdout = _pick_variant(variants, campaign.holdout_share, visitor_id, preferred_variant)
    if buffered:
        assignment = VisitorAssignment(
            campaign=campaign, visitor_id=visitor_id, variant=variant, is_holdout=is_holdout
        )
        assignment.pending_write = True
        return assignment
    try:
        with transaction.atomic():
            return VisitorAssignment.objects.create(
                campaign=campaign, visitor_id=visitor_id, variant=variant, is_holdout=is_holdout
            )
    except IntegrityError:
        return VisitorAssignment.objects.select_related("variant").get(
            campaign=campaign, visitor_id=visitor_id
        )


def _clean_text(value, length: int) -> str:
    """Request-supplied text (UTM values, headers) without control characters."""
    return "".join(ch for ch in str(value or "") if ch.isprintable())[:length]


def touch_record(
    *,
    campaign: Campaign,
    kind: str,
    visitor_id: str,
    user=None,
    variant: Variant | None = None,
    is_holdout: bool = False,
    link: TrackingLink | None = None,
    channel: str = "",
    language: str = "",
    country: str = "",
    utm: dict[str, str] | None = None,
    at: datetime | None = None,
    assignment: VisitorAssignment | None = None,
    buffered: bool = False,
) -> Touch:
    """Record a touch. ``buffered`` (web views): appended to the Redis buffer with the
    visitor's new ``assignment`` and written in bulk by ``campaigns.flush_touches``; the
    returned touch is then unsaved but has its primary key."""
    touch = touch_build(
        campaign=campaign,
        kind=kind,
        visitor_id=visitor_id,
        user=user,
        variant=variant,
        is_holdout=is_holdout,
        link=link,
        channel=channel,
        language=language,
        country=country,
        utm=utm,
        at=at,
    )
    pending = assignment is not None and getattr(assignment, "pending_write", False)
    if buffered and touch_buffer.enabled():
        touch.pk = touch_buffer.touch_buffer_push(
            touch=touch_buffer_values(touch),
            assignment=assignment_buffer_values(assignment) if pending else None,
        )
        return touch
    if pending:
        # Buffering was asked for the assignment but is off now: write both at once.
        VisitorAssignment.objects.bulk_create([assignment], ignore_conflicts=True)
    touch.save(force_insert=True)
    return touch


_TOUCH_FIELDS = [f for f in Touch._meta.concrete_fields if not f.primary_key]


def touch_buffer_values(touch: Touch) -> dict:
    """What the touch buffer stores of an unsaved touch (field values, ids for foreign keys)."""
    return {f.attname: f.value_from_object(touch) for f in _TOUCH_FIELDS}


def assignment_buffer_values(assignment: VisitorAssignment) -> dict:
    return {
        "campaign_id": assignment.campaign_id,
        "visitor_id": assignment.visitor_id,
        "variant_id": assignment.variant_id,
        "is_holdout": assignment.is_holdout,
    }


def touch_build(
    *,
    campaign: Campaign,
    kind: str,
    visitor_id: str,
    user=None,
    variant: Variant | None = None,
    is_holdout: bool = False,
    link: TrackingLink | None = None,
    channel: str = "",
    language: str = "",
    country: str = "",
    utm: dict[str, str] | None = None,
    at: datetime | None = None,
) -> Touch:
    """The unsaved touch ``touch_record`` records (request text cleaned)."""
    utm = utm or {}
    return Touch(
        campaign=campaign,
        kind=kind,
        visitor_id=visitor_id,
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        variant=variant,
        is_holdout=is_holdout,
        link=link,
        channel=_clean_text(channel or (link.channel if link else ""), 12),
        language=_clean_text(language, 10),
        country=_clean_text(country, 2).upper(),
        utm_source=_clean_text(utm.get("utm_source") or (link.utm_source if link else ""), 80),
        utm_medium=_clean_text(utm.get("utm_medium") or (link.utm_medium if link else ""), 80),
        utm_campaign=_clean_text(utm.get("utm_campaign") or (link.utm_campaign if link else ""), 80),
        utm_content=_clean_text(utm.get("utm_content") or (link.utm_content if link else ""), 80),
        created_at=at or _now(),
    )
