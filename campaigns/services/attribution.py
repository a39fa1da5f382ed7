"""Attribution of paid orders to campaigns (code beats cookie, last touch inside the window)
and the revenue split."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db import connections, router, transaction
from django.db.models import Q

from core.rawsql import RowShape, any_equal, insert_or_first
from partners.models import PartnerMember

from .. import touch_buffer
from ..models import (
    Campaign,
    CampaignCourse,
    CampaignPartner,
    DiscountCode,
    OrderAttribution,
    Touch,
    VisitorAssignment,
)
from .tracking import visitor_id_clean


@dataclass(frozen=True)
class Attribution:
    campaign_id: int
    variant_id: int | None
    reason: str
    touch_id: int | None
    code_id: int | None
    is_self_purchase: bool
    is_holdout: bool = False
    user_id: int | None = None
    # The campaign's partner shares per joint course (``campaign_course_revenue_splits``)
    # when the statement that decided read them too; None: not read, ask for them.
    course_splits: dict[int, list[dict]] | None = field(default=None, compare=False)


# Touches older than this are never looked at, whatever a campaign's window says.
MAX_ATTRIBUTION_WINDOW_DAYS = 365
TOUCH_CANDIDATES = 200

Hit = TypeVar("Hit")


def attribution_pick(
    *,
    coded: Hit | None,
    touches: Iterable[Hit],
    paid_at: datetime,
    window_days: Callable[[Hit], int],
) -> tuple[str, Hit] | None:
    """The rule every attribution follows (campaigns here, learner referrals too): a code
    the buyer gave beats any cookie; else the newest touch (``touches`` come newest first,
    each with ``created_at``) that lies inside its own window before payment. Returns
    ``(reason, hit)`` with an ``OrderAttribution.Reason``, or ``None``. ``touches`` is only
    iterated when there is no code, so a lazy queryset costs nothing then."""
    if coded is not None:
        return OrderAttribution.Reason.CODE, coded
    for touch in touches:
        if paid_at - timedelta(days=window_days(touch)) <= touch.created_at <= paid_at:
            return OrderAttribution.Reason.LAST_TOUCH, touch
    return None


def _self_purchase(user_id: int, campaign_id: int) -> tuple[str, list]:
    """SQL true when the buyer is a member of the campaign's lead or alliance partners.
    Hand-written: every attributed order asks, and the ORM form (two subqueries) cost
    several times the statement in Python."""
    return (
        f"EXISTS (SELECT 1 FROM {PartnerMember._meta.db_table} WHERE user_id = %s AND partner_id IN ("
        f"SELECT partner_id FROM {CampaignPartner._meta.db_table} WHERE campaign_id = %s"
        f" UNION ALL SELECT partner_id FROM {Campaign._meta.db_table} WHERE id = %s))",
        [user_id, campaign_id, campaign_id],
    )


def _self_purchase_and_splits(
    user_id: int | None, campaign_id: int
) -> tuple[bool, dict[int, list[dict]] | None]:
    """Whether the order is a self purchase, and (PostgreSQL) the campaign's course splits
    read by the same statement (None elsewhere)."""
    connection = connections[router.db_for_write(PartnerMember)]
    if user_id is None and connection.vendor != "postgresql":
        return False, None  # nothing to ask
    splits, splits_params = _course_splits_column(campaign_id, connection.vendor)
    condition, params = _self_purchase(user_id, campaign_id) if user_id is not None else ("(1 = 0)", [])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {condition}, {splits}", [*params, *splits_params])
        is_self, splits_text = cursor.fetchone()
    return bool(is_self), _course_splits_parse(splits_text, connection.vendor)


def _course_splits_column(campaign_id: int, vendor: str) -> tuple[str, list]:
    """``campaign_course_revenue_splits`` as one column of the statement that decides the
    attribution, on PostgreSQL (JSON as text: the driver would read the shares as floats);
    a literal NULL elsewhere, and the caller asks ``campaign_course_revenue_splits``. Every
    attributed sale needs both, so this is one round trip less per sale."""
    if vendor != "postgresql":
        return "NULL", []
    return (
        "(SELECT json_agg(json_build_array(j.course_id, p.partner_id, p.revenue_share::text)"
        f" ORDER BY {_COURSE_SHARES_ORDER})::text {_COURSE_SHARES_FROM})",
        [campaign_id],
    )


# The partners with a share in each joint course of the campaign (``%s``: its id), as ``j``
# (the course) and ``p`` (the partner's share): what both ways of reading the splits select.
_COURSE_SHARES_ORDER = "j.course_id, p.partner_id"


_COURSE_SHARES_FROM = (
    f"FROM {CampaignCourse._meta.db_table} j JOIN {CampaignPartner._meta.db_table} p"
    " ON p.campaign_id = j.campaign_id WHERE j.campaign_id = %s AND p.revenue_share > 0"
)


def _course_splits_parse(text: str | None, vendor: str) -> dict[int, list[dict]] | None:
    if vendor != "postgresql":
        return None
    splits: dict[int, list[dict]] = {}
    for course_id, partner_id, share in json.loads(text) if text else ():
        splits.setdefault(course_id, []).append(_split_part(partner_id, Decimal(share)))
    return splits


def attribution_decide(
    *,
    user_id: int | None,
    visitor_id: str | None,
    code_id: int | None,
    paid_at: datetime,
    code: DiscountCode | None = None,
) -> Attribution | None:
    """The code beats the cookie; else the latest touch of the visitor (or the learner)
    that lies inside its campaign's attribution window before payment. ``code``: the
    caller's row of ``code_id`` when it has one (the confirmed redemption brings it), so it
    is not read again."""
    # A touch recorded a second ago may still be in the Redis buffer.
    touch_buffer.touch_buffer_flush_pending()
    visitor_id = visitor_id_clean(visitor_id)
    if code is None or code.pk != code_id:
        code = (
            DiscountCode.objects.filter(pk=code_id).only("pk", "campaign_id").first()
            if code_id is not None
            else None
        )
    if code is None and not visitor_id and not user_id:
        return None
    earliest = paid_at - timedelta(days=MAX_ATTRIBUTION_WINDOW_DAYS)
    # A coded order never reads the touches: not even the queryset is built then (its
    # filters cost about 0.2 ms of Python per paid coded order).
    candidates = (
        ()
        if code is not None
        else _touches_for(user_id, visitor_id)
        .filter(created_at__lte=paid_at, created_at__gte=earliest)
        .select_related("campaign")
        .order_by("-created_at", "-id")[:TOUCH_CANDIDATES]
    )
    picked = attribution_pick(
        coded=code,
        touches=candidates,
        paid_at=paid_at,
        window_days=lambda touch: touch.campaign.attribution_window_days,
    )
    if picked is None:
        return None
    reason, hit = picked
    if reason == OrderAttribution.Reason.CODE:
        # The buyer's latest touch of the code's campaign (only the two columns recorded: a
        # touch row has 16), the browser's assignment, the self-purchase check and the
        # partners' shares: one statement.
        found = _coded_context(user_id, visitor_id, campaign_id=code.campaign_id, paid_at=paid_at)
        assigned = found.assignment
        return Attribution(
            campaign_id=code.campaign_id,
            variant_id=assigned[0] if assigned else (found.touch.variant_id if found.touch else None),
            reason=reason,
            touch_id=found.touch.pk if found.touch else None,
            code_id=code.pk,
            is_self_purchase=found.is_self_purchase,
            is_holdout=bool(assigned and assigned[1]),
            user_id=user_id,
            course_splits=found.course_splits,
        )
    is_self_purchase, course_splits = _self_purchase_and_splits(user_id, hit.campaign_id)
    return Attribution(
        campaign_id=hit.campaign_id,
        variant_id=hit.variant_id,
        reason=reason,
        touch_id=hit.pk,
        code_id=None,
        is_self_purchase=is_self_purchase,
        is_holdout=hit.is_holdout,
        user_id=user_id,
        course_splits=course_splits,
    )


@dataclass(frozen=True)
class _Coded:
    touch: Touch | None
    # The browser's assignment to the campaign: (variant id, in the control group).
    assignment: tuple[int | None, bool] | None
    is_self_purchase: bool
    course_splits: dict[int, list[dict]] | None


def _coded_context(user_id: int | None, visitor_id: str | None, *, campaign_id: int, paid_at) -> _Coded:
    """What a coded sale's attribution reads besides the code, in one statement.
    Hand-written: every paid coded order asks, and the ORM's OR of two conditions cost
    several times the statement in Python."""
    # The paying transaction's connection: a read in it never goes to a replica.
    connection = connections[router.db_for_write(Touch)]
    self_purchase, self_params = _self_purchase(user_id, campaign_id) if user_id else ("(1 = 0)", [])
    splits, splits_params = _course_splits_column(campaign_id, connection.vendor)
    # A source the buyer has nothing in (no cookie, nobody signed in) is NULL columns.
    touch_columns, assignment_columns, params = "NULL, NULL", "NULL, NULL, NULL", []
    joins = ""
    if visitor_id or user_id:
        who, who_params = any_equal({"visitor_id": visitor_id, "user_id": user_id})
        joins += (
            f" LEFT JOIN (SELECT id, variant_id FROM {Touch._meta.db_table} WHERE {who} AND campaign_id = %s"
            " AND created_at <= %s ORDER BY created_at DESC, id DESC LIMIT 1) t ON 1 = 1"
        )
        touch_columns = "t.id, t.variant_id"
        params += [*who_params, campaign_id, connection.ops.adapt_datetimefield_value(paid_at)]
    if visitor_id:
        joins += (
            f" LEFT JOIN (SELECT id, variant_id, is_holdout FROM {VisitorAssignment._meta.db_table}"
            " WHERE campaign_id = %s AND visitor_id = %s LIMIT 1) a ON 1 = 1"
        )
        assignment_columns = "a.id, a.variant_id, a.is_holdout"
        params += [campaign_id, visitor_id]
    with connection.cursor() as cursor:
        # The self-purchase check and the shares are asked whether or not a touch is found.
        cursor.execute(
            f"SELECT {touch_columns}, {assignment_columns}, {self_purchase}, {splits}"
            f" FROM (SELECT 1 AS one) o{joins}",
            [*self_params, *splits_params, *params],
        )
        touch_id, variant_id, assignment_id, assigned, holdout, is_self, splits_text = cursor.fetchone()
    touch = (
        Touch.from_db(connection.alias, ["id", "variant_id"], [touch_id, variant_id])
        if touch_id is not None
        else None
    )
    return _Coded(
        touch=touch,
        assignment=(assigned, bool(holdout)) if assignment_id is not None else None,
        is_self_purchase=bool(is_self),
        course_splits=_course_splits_parse(splits_text, connection.vendor),
    )


def _touches_for(user_id: int | None, visitor_id: str | None):
    condition = Q()
    if visitor_id:
        condition |= Q(visitor_id=visitor_id)
    if user_id:
        condition |= Q(user_id=user_id)
    return Touch.objects.filter(condition)


# savepoint=False and no get_or_create (which adds two savepoints): the caller holds the
# paid order's row lock, so nobody else records this order meanwhile, and an error ends the
# caller's transaction anyway.
@transaction.atomic(savepoint=False)
def attribution_record(
    *,
    order_ref: str,
    order_id: int,
    attribution: Attribution,
    amount: Decimal,
    currency: str,
    paid_at: datetime,
    discount_amount: Decimal = Decimal("0"),
) -> OrderAttribution:
    """Store the decision for the paid order; a repeated call returns the first row. Inside
    a sale's ``core.rawsql.deferred_writes`` the row goes out with the sale's other writes:
    its key (or the first row's, for a repeated call) is set then."""
    row = OrderAttribution(
        order_ref=order_ref,
        order_id=order_id,
        campaign_id=attribution.campaign_id,
        variant_id=attribution.variant_id,
        reason=attribution.reason,
        touch_id=attribution.touch_id,
        code_id=attribution.code_id,
        user_id=attribution.user_id,
        is_self_purchase=attribution.is_self_purchase,
        is_holdout=attribution.is_holdout,
        paid_at=paid_at,
        amount=Decimal(amount),
        currency=currency,
        discount_amount=Decimal(discount_amount),
    )
    # One statement on every attributed sale (the common answer is "not there yet").
    return insert_or_first(row, unique=("order_ref",))


@transaction.atomic
def attribution_reverse(*, order_ref: str, amount: Decimal) -> OrderAttribution | None:
    """A refund of ``amount``: the attributed revenue shrinks, never below zero."""
    row = OrderAttribution.objects.select_for_update().filter(order_ref=order_ref).first()
    if row is None:
        return None
    row.refunded_amount = min(row.amount, row.refunded_amount + Decimal(amount))
    row.save(update_fields=["refunded_amount", "updated_at"])
    return row


_PARTNER_SHARE = RowShape(CampaignPartner, "p", ("partner_id", "revenue_share"))


def _split_part(partner_id: int, share: Decimal) -> dict:
    return {"party": f"partner:{partner_id}", "share": f"{share.quantize(Decimal('0.0001'))}"}


def campaign_revenue_split(*, campaign_id: int) -> list[dict]:
    """Each partner's fraction of an attributed payment, for the ledger:
    ``[{"party": "partner:<id>", "share": "0.1000"}, ...]`` ordered by partner id."""
    share = _PARTNER_SHARE
    with connections[share.db].cursor() as cursor:
        cursor.execute(
            f"SELECT {share.columns} FROM {CampaignPartner._meta.db_table} p"
            " WHERE p.campaign_id = %s AND p.revenue_share > 0 ORDER BY p.partner_id",
            [campaign_id],
        )
        return [_split_part(*share.values(row)) for row in cursor.fetchall()]


def campaign_course_revenue_splits(*, campaign_id: int) -> dict[int, list[dict]]:
    """``campaign_revenue_split`` for each joint course of the campaign (the lines its
    partners share in); no entry when no partner has a share. One plain statement: every
    attributed sale asks, and the split and the joint courses apart were two."""
    share = _PARTNER_SHARE
    splits: dict[int, list[dict]] = {}
    with connections[share.db].cursor() as cursor:
        cursor.execute(
            f"SELECT j.course_id, {share.columns} {_COURSE_SHARES_FROM} ORDER BY {_COURSE_SHARES_ORDER}",
            [campaign_id],
        )
        for row in cursor.fetchall():
            splits.setdefault(row[0], []).append(_split_part(*share.values(row, 1)))
    return splits
