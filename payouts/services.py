"""Statements and payouts. Statements are closed month by month, in order, from the
ledger with set-based queries (a few per month whatever the number of entries); payouts
are recorded under a lock on the partner, so two staff members cannot pay out the same
balance twice."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from commerce.models import LedgerEntry, Order
from core.exceptions import ApplicationError
from core.money import round_money
from partners.models import Partner

from .exceptions import PayoutDuplicate, PayoutExceedsBalance, PayoutInvalid, PayoutMonthClosed
from .models import PartnerPayout, PartnerStatement, StatementLine
from .periods import local_today, month_bounds, month_end, month_start, next_month

PARTNER_PREFIX = "partner:"
ZERO = Decimal("0")
# Serializes closers (a beat run and a staff action): any number fits, it names the lock.
_CLOSE_LOCK = 0x7A51_0001


def partner_party(partner_id: int) -> str:
    return f"{PARTNER_PREFIX}{partner_id}"


def _lock_closing() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CLOSE_LOCK])


def _partner_ledger() -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(party__startswith=PARTNER_PREFIX)


def _first_open_month() -> date | None:
    """The earliest month with ledger entries or payouts and no statement after it."""
    last_closed = PartnerStatement.objects.aggregate(last=Max("period_start"))["last"]
    if last_closed is not None:
        return next_month(last_closed)
    first_entry = _partner_ledger().aggregate(first=Min("created_at"))["first"]
    first_payout = PartnerPayout.objects.aggregate(first=Min("paid_on"))["first"]
    candidates = [day for day in (first_entry and local_today(first_entry), first_payout) if day]
    return month_start(min(candidates)) if candidates else None


def statements_close_due(*, now: datetime | None = None) -> int:
    """Close every complete month not closed yet, oldest first; returns how many
    statements were written. Safe to run at any time and more than once."""
    today = local_today(now or timezone.now())
    current = month_start(today)
    written = 0
    with transaction.atomic():
        _lock_closing()
        start = _first_open_month()
        while start is not None and start < current:
            written += _close_month(start)
            start = next_month(start)
    return written


def _previous_closings(start: date) -> dict[tuple[int, str], Decimal]:
    """Each (partner, currency)'s latest closing balance before ``start``."""
    latest = (
        PartnerStatement.objects.filter(period_start__lt=start)
        .values("partner_id", "currency")
        .annotate(last=Max("period_start"))
    )
    if not latest:
        return {}
    match = Q()
    for row in latest:
        match |= Q(partner_id=row["partner_id"], currency=row["currency"], period_start=row["last"])
    return {
        (row["partner_id"], row["currency"]): row["closing_balance"]
        for row in PartnerStatement.objects.filter(match).values("partner_id", "currency", "closing_balance")
    }


def _close_month(start: date) -> int:
    begin, end = month_bounds(start)
    campaign_of_order = Order.objects.filter(pk=OuterRef("order_id")).values("campaign_id")[:1]
    sums = (
        _partner_ledger()
        .filter(created_at__gte=begin, created_at__lt=end)
        .annotate(campaign=Subquery(campaign_of_order))
        .values("party", "currency", "campaign", "kind")
        .annotate(total=Sum("amount"))
    )
    lines: dict[tuple[int, str], dict[int | None, dict[str, Decimal]]] = defaultdict(dict)
    for row in sums:
        key = (int(row["party"].removeprefix(PARTNER_PREFIX)), row["currency"])
        line = lines[key].setdefault(row["campaign"], {"earned": ZERO, "reversed": ZERO})
        # Ledger amounts are whole cents, but SQLite sums decimals as floats (8507.62999999997):
        # rounded to the currency, the statement adds up (its CHECK constraint) there too.
        line["earned" if row["kind"] == LedgerEntry.Kind.SALE else "reversed"] += round_money(
            row["total"], row["currency"]
        )
    paid = {
        (row["partner_id"], row["currency"]): round_money(row["total"], row["currency"])
        for row in PartnerPayout.objects.filter(paid_on__gte=start, paid_on__lte=month_end(start))
        .values("partner_id", "currency")
        .annotate(total=Sum("amount"))
    }
    opening = _previous_closings(start)
    known = set(Partner.objects.values_list("pk", flat=True))
    keys = {key for key in {*lines, *paid, *(k for k, v in opening.items() if v)} if key[0] in known}
    names = dict(
        Campaign.objects.filter(pk__in={c for key in keys for c in lines.get(key, {}) if c}).values_list(
            "pk", "name"
        )
    )

    statements = []
    for partner_id, currency in sorted(keys):
        by_campaign = lines.get((partner_id, currency), {})
        earned = sum((line["earned"] for line in by_campaign.values()), ZERO)
        reversed_ = sum((line["reversed"] for line in by_campaign.values()), ZERO)
        paid_out = paid.get((partner_id, currency), ZERO)
        before = opening.get((partner_id, currency), ZERO)
        statement = PartnerStatement(
            partner_id=partner_id,
            currency=currency,
            period_start=start,
            period_end=month_end(start),
            opening_balance=before,
            earned=earned,
            reversed=reversed_,
            paid_out=paid_out,
            closing_balance=before + earned + reversed_ - paid_out,
        )
        statement.pending_lines = by_campaign
        statements.append(statement)
    PartnerStatement.objects.bulk_create(statements)
    StatementLine.objects.bulk_create(
        StatementLine(
            statement=statement,
            campaign_id=campaign_id,
            campaign_name=names.get(campaign_id, ""),
            earned=line["earned"],
            reversed=line["reversed"],
        )
        for statement in statements
        for campaign_id, line in statement.pending_lines.items()
    )
    return len(statements)


# --- Balances and payouts ---------------------------------------------------------------


def partner_balance(*, partner_id: int, currency: str) -> Decimal:
    """Everything the ledger owes the partner in ``currency`` minus what was paid out."""
    owed = (
        _partner_ledger()
        .filter(party=partner_party(partner_id), currency=currency)
        .aggregate(total=Sum("amount"))["total"]
    )
    paid = PartnerPayout.objects.filter(partner_id=partner_id, currency=currency).aggregate(
        total=Sum("amount")
    )["total"]
    # Rounded: SQLite sums decimals as floats (a full payout would exceed 8507.62999999997).
    return round_money(owed or ZERO, currency) - round_money(paid or ZERO, currency)


def payout_refusal(
    *,
    partner: Partner,
    currency: str,
    amount: Decimal,
    paid_on: date,
    reference: str,
    now: datetime | None = None,
) -> ApplicationError | None:
    """Why a payout cannot be recorded, or None. The admin form shows it beside the fields;
    ``payout_record`` asks again under the partner's lock, which makes it the answer."""
    amount = Decimal(amount)
    if amount <= 0 or round_money(amount, currency) != amount:
        return PayoutInvalid(_("The amount must be positive, in the currency's smallest unit."))
    if not (reference or "").strip():
        return PayoutInvalid(_("Enter the bank transfer reference."))
    if paid_on > local_today(now or timezone.now()):
        return PayoutInvalid(_("A payout cannot be dated in the future."))
    if PartnerStatement.objects.filter(
        partner_id=partner.pk, currency=currency, period_start__gte=month_start(paid_on)
    ).exists():
        return PayoutMonthClosed(_("That month's statement is closed; date the payout today."))
    if PartnerPayout.objects.filter(partner_id=partner.pk, reference=reference.strip()).exists():
        return PayoutDuplicate()
    available = partner_balance(partner_id=partner.pk, currency=currency)
    if amount > available:
        return PayoutExceedsBalance(
            _("The partner's balance is %(balance)s %(currency)s; the payout cannot exceed it.")
            % {"balance": available, "currency": currency}
        )
    return None


def payout_record(
    *,
    partner: Partner,
    currency: str,
    amount: Decimal,
    paid_on: date,
    reference: str,
    note: str = "",
    recorded_by=None,
    now: datetime | None = None,
) -> PartnerPayout:
    """Record a transfer to a partner. Refused (nothing written) when the amount is not
    positive, the day is in the future or in a closed month, the reference was already
    recorded, or the amount is more than the partner's balance in that currency."""
    check = {"partner": partner, "currency": currency, "amount": amount, "paid_on": paid_on, "now": now}
    with transaction.atomic():
        # One payout at a time per partner: the balance read below stays true until commit.
        Partner.objects.select_for_update().filter(pk=partner.pk).values_list("pk", flat=True).get()
        refusal = payout_refusal(reference=reference, **check)
        if refusal is not None:
            raise refusal
        try:
            with transaction.atomic():
                return PartnerPayout.objects.create(
                    partner=partner,
                    currency=currency,
                    amount=Decimal(amount),
                    paid_on=paid_on,
                    reference=reference.strip(),
                    note=note,
                    recorded_by=recorded_by,
                )
        except IntegrityError as exc:  # the same reference, committed a moment ago
            raise PayoutDuplicate() from exc
