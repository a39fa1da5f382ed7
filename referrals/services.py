"""Every write of the referral program: joining, link visits and code claims, the referral
of a paid order and its commissions (called by commerce through its sale-party registry),
reversal on refund, release after the hold, withdrawals and their payout statements.

Attribution follows the campaigns' one rule (``campaigns.services.attribution_pick``): a
code the buyer entered beats the link cookie, and only what lies inside the attribution
window counts. Money rows are locked in one order: referrer -> withdrawal -> commission."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from campaigns.services import attribution_pick, visitor_id_clean
from commerce.ledger import plan_instructor_pool_share, split_amount
from commerce.models import LedgerEntry, Order, Payment
from core.money import round_money
from core.rawsql import any_equal
from courses.models import Course
from plans.models import Plan

from .exceptions import (
    CourseUnknown,
    PlanUnknown,
    ReferralCodeOwn,
    ReferralCodeUnknown,
    WithdrawalExceedsBalance,
    WithdrawalInvalid,
    WithdrawalNotRequested,
)
from .models import (
    PARTY_PREFIX,
    CodeClaim,
    Commission,
    CommissionRate,
    Device,
    PayoutStatement,
    Referral,
    Referrer,
    Visit,
    Withdrawal,
)
from .selectors import earnings_for

ZERO = Decimal("0")
# No 0/O, 1/I/L: codes are read off posters and typed on phones.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def window_days() -> int:
    return int(getattr(settings, "REFERRAL_ATTRIBUTION_WINDOW_DAYS", 30))


def hold_days() -> int:
    return int(getattr(settings, "REFERRAL_HOLD_DAYS", 14))


def default_rates() -> tuple[Decimal, Decimal]:
    return (
        Decimal(str(getattr(settings, "REFERRAL_DEFAULT_RATE", "0.10"))),
        Decimal(str(getattr(settings, "REFERRAL_DEFAULT_INDIRECT_RATE", "0.02"))),
    )


def referral_code_clean(code: str | None) -> str:
    return "".join(str(code or "").split()).upper()[:16]


# --- joining, visits, claims -------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A code claim or a link visit, as attribution sees it."""

    kind: str
    pk: int
    created_at: datetime
    referrer_id: int
    address: str


def _hits(*, user_id: int | None, visitor_id: str | None, paid_at: datetime) -> tuple[Hit | None, list[Hit]]:
    """The buyer's latest code claim and latest link visit inside the window: one query
    (both sides of a UNION ALL), or none when there is nobody to look for.

    Hand-written SQL (SQLite runs it too): every paid order asks this, and the ORM's
    union of two annotated querysets cost ~2 ms of Python to build, ten times the
    statement itself."""
    if not user_id and not visitor_id:
        return None, []
    connection = connections[router.db_for_read(Visit)]
    earliest, latest = (
        connection.ops.adapt_datetimefield_value(value)
        for value in (paid_at - timedelta(days=window_days()), paid_at)
    )
    columns = "id, created_at, referrer_id, address"
    latest_first = "ORDER BY created_at DESC, id DESC LIMIT 1"
    who, params = any_equal({"visitor_id": visitor_id, "user_id": user_id})
    sql = (
        f"SELECT * FROM (SELECT 'visit' AS kind, {columns} FROM {Visit._meta.db_table}"
        f" WHERE {who} AND created_at >= %s AND created_at <= %s {latest_first}) AS visit"
    )
    params += [earliest, latest]
    if user_id:
        sql += (
            f" UNION ALL SELECT * FROM (SELECT 'claim' AS kind, {columns} FROM {CodeClaim._meta.db_table}"
            f" WHERE user_id = %s AND created_at >= %s AND created_at <= %s {latest_first}) AS claim"
        )
        params += [user_id, earliest, latest]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hits = [Hit(kind, pk, _aware(at), referrer, address) for kind, pk, at, referrer, address in rows]
    claim = next((hit for hit in hits if hit.kind == "claim"), None)
    return claim, [hit for hit in hits if hit.kind == "visit"]


def _aware(value) -> datetime:
    """PostgreSQL gives an aware datetime; SQLite the UTC text Django stored."""
    if isinstance(value, datetime):
        return value
    return parse_datetime(value).replace(tzinfo=UTC)


def referral_decide(
    *, user_id: int | None, visitor_id: str | None, paid_at: datetime
) -> tuple[str, Hit] | None:
    """Who referred a purchase made at ``paid_at``: the campaigns' rule, code beats cookie."""
    claim, visits = _hits(user_id=user_id, visitor_id=visitor_id_clean(visitor_id), paid_at=paid_at)
    return attribution_pick(
        coded=claim, touches=visits, paid_at=paid_at, window_days=lambda hit: window_days()
    )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def device_remember(*, referrer: Referrer, visitor_id: str | None) -> None:
    visitor_id = visitor_id_clean(visitor_id)
    if visitor_id:
        Device.objects.bulk_create([Device(referrer=referrer, visitor_id=visitor_id)], ignore_conflicts=True)


def referrer_join(*, user, visitor_id: str | None = None) -> Referrer:
    """Opt in (a second call returns the same referrer). The parent, the only upline ever
    paid, is whoever referred this learner: the code or link inside the window, else the
    referrer of the learner's latest referred purchase."""
    existing = Referrer.objects.filter(user=user).first()
    if existing is not None:
        device_remember(referrer=existing, visitor_id=visitor_id)
        return existing
    parent_id = None
    decided = referral_decide(user_id=user.pk, visitor_id=visitor_id, paid_at=timezone.now())
    if decided is not None:
        parent_id = decided[1].referrer_id
    else:
        parent_id = (
            Referral.objects.filter(buyer=user, is_flagged=False)
            .order_by("-created_at", "-id")
            .values_list("referrer_id", flat=True)
            .first()
        )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                referrer = Referrer.objects.create(user=user, code=_new_code(), parent_id=parent_id)
                break
        except IntegrityError:
            existing = Referrer.objects.filter(user=user).first()
            if existing is not None:  # a concurrent join won
                return existing
    else:  # pragma: no cover - 31**8 codes
        raise RuntimeError("could not find a free referral code")
    device_remember(referrer=referrer, visitor_id=visitor_id)
    return referrer


def visit_record(
    *, code: str, course_slug: str | None, visitor_id: str, user, address: str, plan_slug: str | None = None
) -> tuple[Referrer | None, Course | Plan | None]:
    """A click on a referral link (of a course, of a plan, or of neither). Unknown codes,
    courses and plans record nothing (the visitor still lands somewhere useful)."""
    referrer = Referrer.objects.filter(code=referral_code_clean(code), is_active=True).first()
    course = Course.objects.filter(slug=course_slug, is_published=True).first() if course_slug else None
    plan = Plan.objects.filter(slug=plan_slug, is_active=True).first() if plan_slug else None
    if referrer is None:
        return None, course or plan
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    Visit.objects.create(
        referrer=referrer,
        course=course,
        plan=plan,
        visitor_id=visitor_id,
        user_id=user_id,
        address=address[:64],
    )
    if user_id == referrer.user_id:
        # The referrer opening their own link: this browser is theirs.
        device_remember(referrer=referrer, visitor_id=visitor_id)
    return referrer, course or plan


def code_claim(*, user, code: str, address: str = "") -> CodeClaim:
    """The learner typed a referrer's code (it beats any link inside the window)."""
    referrer = Referrer.objects.filter(code=referral_code_clean(code), is_active=True).first()
    if referrer is None:
        raise ReferralCodeUnknown()
    if referrer.user_id == user.pk:
        raise ReferralCodeOwn()
    return CodeClaim.objects.create(user=user, referrer=referrer, address=address[:64])


def course_for_link(*, slug: str | None) -> Course | None:
    if not slug:
        return None
    course = Course.objects.filter(slug=slug, is_published=True).first()
    if course is None:
        raise CourseUnknown()
    return course


def plan_for_link(*, slug: str | None) -> Plan | None:
    """A plan on sale to share (bundles are sold course by course: share a course)."""
    if not slug:
        return None
    plan = Plan.objects.filter(slug=slug, is_active=True).first()
    if plan is None:
        raise PlanUnknown()
    return plan


# --- the sale: referral, commissions, ledger parties --------------------------------------


def _fraud_flags(*, order: Order, referrer: Referrer, upline: Referrer | None, hit: Hit) -> dict[int, str]:
    """Level -> flag. Level 0 stands for the whole referral (both levels unpaid): the buyer
    is the referrer, or shares the referrer's device or payment, or the address bursts."""
    flags: dict[int, str] = {}
    if order.user_id == referrer.user_id:
        flags[0] = Referral.Flag.SELF_PURCHASE
    elif upline is not None and order.user_id == upline.user_id:
        flags[2] = Referral.Flag.SELF_PURCHASE
    levels = {referrer.pk: 1, **({upline.pk: 2} if upline else {})}
    users = {referrer.user_id: 1, **({upline.user_id: 2} if upline else {})}
    visitor_id = visitor_id_clean(order.visitor_id)
    if visitor_id and 0 not in flags:
        for referrer_id in Device.objects.filter(referrer_id__in=levels, visitor_id=visitor_id).values_list(
            "referrer_id", flat=True
        ):
            flags.setdefault(levels[referrer_id], Referral.Flag.SAME_DEVICE)
        for user_id in (
            Order.objects.filter(user_id__in=users, visitor_id=visitor_id)
            .exclude(pk=order.pk)
            .values_list("user_id", flat=True)
            .distinct()
        ):
            flags.setdefault(users[user_id], Referral.Flag.SAME_DEVICE)
    payer = (
        Payment.objects.filter(order=order, status=Payment.Status.SUCCEEDED)
        .exclude(payer="")
        .values_list("payer", flat=True)
        .first()
        if 0 not in flags
        else None
    )
    if payer:
        # The card or wallet that paid has paid for the referrer (or the upline) before.
        for user_id in (
            Payment.objects.filter(order__user_id__in=users, payer=payer, status=Payment.Status.SUCCEEDED)
            .exclude(order=order)
            .values_list("order__user_id", flat=True)
            .distinct()
        ):
            flags.setdefault(users[user_id], Referral.Flag.SAME_PAYMENT)
    if flags.get(1) in (Referral.Flag.SAME_DEVICE, Referral.Flag.SAME_PAYMENT):
        flags[0] = flags.pop(1)
    if hit.address and 0 not in flags:
        since = timezone.now() - timedelta(
            minutes=int(getattr(settings, "REFERRAL_BURST_WINDOW_MINUTES", 60))
        )
        recent = Referral.objects.filter(
            referrer=referrer, address=hit.address, created_at__gte=since
        ).count()
        if recent + 1 > int(getattr(settings, "REFERRAL_BURST_LIMIT", 3)):
            flags[0] = Referral.Flag.BURST
    return flags


def _room(line) -> Decimal:
    """What is left of the line once the instructor and the partners have their shares.
    A plan period pays its instructors later (ledger rule 4: ``PLAN_INSTRUCTOR_POOL_SHARE``
    of what the line nets), so their pool is kept free here: a commission never eats into
    it and the platform's part can always pay it."""
    if line.course_id is None:
        taken = plan_instructor_pool_share()
    else:
        taken = Decimal(line.course.instructor.revenue_share)
    for item in line.revenue_split or []:
        taken += Decimal(str(item.get("share", "0")))
    return max(ZERO, Decimal("1") - taken)


def referral_sale_parties(*, order: Order, lines) -> dict[int, list[dict]]:
    """commerce's sale-party source: decide the referral of a paid order, write its
    commissions (pending, or flagged) and return the ledger parties of the paid ones. Runs
    inside ``order_mark_paid``'s transaction; an order nobody referred costs one query.

    A renewal of a plan (an order made for a subscription period) is nobody's referral:
    the referral paid on the purchase (the first period), not on every month after it."""
    if order.subscription_period_id:
        return {}
    paid_at = order.paid_at or timezone.now()
    decided = referral_decide(user_id=order.user_id, visitor_id=order.visitor_id, paid_at=paid_at)
    if decided is None:
        return {}
    reason, hit = decided
    referrer = Referrer.objects.select_related("parent").filter(pk=hit.referrer_id, is_active=True).first()
    if referrer is None:
        return {}
    upline = referrer.parent if referrer.parent and referrer.parent.is_active else None
    flags = _fraud_flags(order=order, referrer=referrer, upline=upline, hit=hit)
    referral = Referral.objects.create(
        order=order,
        buyer_id=order.user_id,
        referrer=referrer,
        upline=upline,
        reason=reason,
        visit_id=hit.pk if hit.kind == "visit" else None,
        claim_id=hit.pk if hit.kind == "claim" else None,
        address=hit.address,
        flags=sorted(set(flags.values())),
        is_flagged=bool(flags),
    )
    # Rates by product: ("course", id) or ("plan", id), one query for the whole order.
    rates = {
        ("course", rate.course_id) if rate.course_id else ("plan", rate.plan_id): (
            rate.direct_rate,
            rate.indirect_rate,
        )
        for rate in CommissionRate.objects.filter(
            Q(course_id__in=[line.course_id for line in lines if line.course_id])
            | Q(plan_id__in=[line.plan_id for line in lines if line.plan_id]),
            is_active=True,
        )
    }
    hold_until = paid_at + timedelta(days=hold_days())
    parties: dict[int, list[dict]] = {}
    commissions = []
    for line in lines:
        if line.total <= 0:
            continue
        product = ("course", line.course_id) if line.course_id else ("plan", line.plan_id)
        direct, indirect = rates.get(product, default_rates())
        room = _room(line)
        direct = min(direct, room)
        # Two levels and never a third: the upline is the referrer's parent, nobody above.
        levels = [(1, referrer, direct), (2, upline, min(indirect, room - direct) if upline else ZERO)]
        for level, who, share in levels:
            if who is None or share <= 0:
                continue
            party = f"{PARTY_PREFIX}{who.pk}"
            # The ledger's own rounding rule, so the commission is its entry to the cent.
            amount = split_amount(amount=line.total, currency=line.currency, parties=[(party, share)])[
                0
            ].amount
            flag = flags.get(0) or flags.get(level, "")
            commissions.append(
                Commission(
                    referral=referral,
                    referrer=who,
                    level=level,
                    order_line=line,
                    currency=line.currency,
                    rate=share,
                    amount=amount,
                    status=Commission.Status.FLAGGED if flag else Commission.Status.PENDING,
                    flag=flag,
                    hold_until=hold_until,
                )
            )
            if not flag:
                parties.setdefault(line.pk, []).append({"party": party, "share": f"{share:.4f}"})
    Commission.objects.bulk_create(commissions)
    return parties


@transaction.atomic
def commissions_reverse_for_refund(*, refund_id: int) -> int:
    """A refund went through: each commission shrinks by its ledger reversal (the ledger
    already reversed the party in proportion), and one emptied is ``reversed``."""
    entries = list(
        LedgerEntry.objects.filter(refund_id=refund_id, party__startswith=PARTY_PREFIX).values_list(
            "order_line_id", "party", "amount"
        )
    )
    changed = 0
    for line_id, party, amount in sorted(entries):
        commission = (
            Commission.objects.select_for_update()
            .filter(order_line_id=line_id, referrer_id=int(party[len(PARTY_PREFIX) :]))
            .exclude(status=Commission.Status.FLAGGED)
            .first()
        )
        if commission is None:
            continue
        commission.reversed_amount = min(commission.amount, commission.reversed_amount - amount)
        if commission.reversed_amount == commission.amount:
            commission.status = Commission.Status.REVERSED
        commission.save(update_fields=["reversed_amount", "status", "updated_at"])
        changed += 1
    return changed


def commissions_release_due(*, now: datetime | None = None) -> int:
    """Pending commissions whose hold (the refund window) has passed become available;
    one conditional UPDATE, so a rerun or a concurrent refund changes nothing twice."""
    now = now or timezone.now()
    return Commission.objects.filter(status=Commission.Status.PENDING, hold_until__lte=now).update(
        status=Commission.Status.AVAILABLE, released_at=now, updated_at=now
    )


# --- withdrawals and payout statements ---------------------------------------------------


def _parse_amount(value, currency: str) -> Decimal:
    if isinstance(value, bool | float) or currency not in settings.CURRENCIES:
        raise WithdrawalInvalid()
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise WithdrawalInvalid() from None
    if not amount.is_finite() or amount <= 0 or amount != round_money(amount, currency):
        raise WithdrawalInvalid()
    return amount


def withdrawal_request(*, referrer: Referrer, amount, currency: str) -> Withdrawal:
    """Ask for ``amount`` of the available balance. The referrer's row is locked while the
    balance is read and the request written, so two requests at once cannot both take it."""
    amount = _parse_amount(amount, currency)
    with transaction.atomic():
        Referrer.objects.select_for_update().filter(pk=referrer.pk).first()
        available = earnings_for(referrer=referrer).get(currency, {}).get("available", ZERO)
        if amount > available:
            raise WithdrawalExceedsBalance()
        return Withdrawal.objects.create(referrer=referrer, currency=currency, amount=amount)


def _ledger_sum(*, party: str, currency: str, kind: str, start: datetime, end: datetime) -> Decimal:
    total = LedgerEntry.objects.filter(
        party=party, currency=currency, kind=kind, created_at__gte=start, created_at__lt=end
    ).aggregate(total=Sum("amount", default=ZERO))["total"]
    # Whole cents, but SQLite sums decimals as floats (see payouts' statements).
    return round_money(total, currency)


@transaction.atomic
def withdrawal_approve(
    *, withdrawal: Withdrawal, staff_user, reference: str, note: str = ""
) -> PayoutStatement:
    """Staff paid the withdrawal (bank transfer ``reference``): mark it paid and close its
    statement from the ledger. A second approval is refused."""
    referrer = Referrer.objects.select_for_update().get(pk=withdrawal.referrer_id)
    withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
    if withdrawal.status != Withdrawal.Status.REQUESTED:
        raise WithdrawalNotRequested()
    now = timezone.now()
    withdrawal.status = Withdrawal.Status.PAID
    withdrawal.reference = (reference or "").strip()[:120]
    withdrawal.note = note or withdrawal.note
    withdrawal.decided_by = staff_user if getattr(staff_user, "pk", None) else None
    withdrawal.decided_at = now
    withdrawal.save(update_fields=["status", "reference", "note", "decided_by", "decided_at", "updated_at"])
    previous = (
        PayoutStatement.objects.filter(referrer=referrer, currency=withdrawal.currency)
        .order_by("-period_end", "-id")
        .first()
    )
    start = previous.period_end if previous else referrer.created_at
    opening = previous.closing_balance if previous else ZERO
    earned = _ledger_sum(
        party=referrer.party, currency=withdrawal.currency, kind=LedgerEntry.Kind.SALE, start=start, end=now
    )
    reversed_ = _ledger_sum(
        party=referrer.party, currency=withdrawal.currency, kind=LedgerEntry.Kind.REFUND, start=start, end=now
    )
    return PayoutStatement.objects.create(
        withdrawal=withdrawal,
        referrer=referrer,
        currency=withdrawal.currency,
        period_start=start,
        period_end=now,
        opening_balance=opening,
        earned=earned,
        reversed=reversed_,
        paid_out=withdrawal.amount,
        closing_balance=opening + earned + reversed_ - withdrawal.amount,
    )


@transaction.atomic
def withdrawal_reject(*, withdrawal: Withdrawal, staff_user, note: str = "") -> Withdrawal:
    """The amount goes back to the available balance."""
    Referrer.objects.select_for_update().filter(pk=withdrawal.referrer_id).first()
    withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
    if withdrawal.status != Withdrawal.Status.REQUESTED:
        raise WithdrawalNotRequested()
    withdrawal.status = Withdrawal.Status.REJECTED
    withdrawal.note = note or withdrawal.note
    withdrawal.decided_by = staff_user if getattr(staff_user, "pk", None) else None
    withdrawal.decided_at = timezone.now()
    withdrawal.save(update_fields=["status", "note", "decided_by", "decided_at", "updated_at"])
    return withdrawal
