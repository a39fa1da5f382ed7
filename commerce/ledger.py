"""The revenue-share ledger.

Every paid order line writes one ``sale`` entry per party; every refund writes one
``refund`` (negative) entry per party of each line it touches.

Rounding rule (the only one, so every ledger adds up to the cent):
1. Parties other than the platform get ``round_money(amount * share, currency)``, i.e.
   ROUND_HALF_UP to the currency's minor unit (cents, fen; whole yen).
2. The platform gets the remainder: ``amount - sum(other parties)``. So the entries of a
   line sum exactly to what the line was paid, and refund entries exactly to the refund.
3. A refund reverses each non-platform party in proportion to what that party got from
   the line (``refund * party_sale / line_paid``, rounded by rule 1); the platform takes
   the remainder. The refund that empties a line reverses each party's remaining net
   exactly, so a fully refunded line nets zero for every party.

4. A plan period (a line with ``plan``) is sold to the platform alone; when the period
   is over, ``ledger_settle_plan_line`` moves ``PLAN_INSTRUCTOR_POOL_SHARE`` of what the
   line still nets (rule 1 rounding) to the instructors in proportion to the lessons the
   learner completed in their courses during the period, split by largest remainder
   (``core.money.allocate_largest_remainder``), as ``settlement`` entries that sum to
   zero. No lesson completed: the platform keeps the period. A later refund reverses
   every party in proportion to what it holds of the line (rule 3).

Parties are strings: ``platform``, ``instructor:<instructor id>``, and whatever extra
parties a line carries in ``OrderLine.revenue_split`` (``[{"party": "partner:7",
"share": "0.1000"}]``, filled by attribution). New kinds of parties need no change here.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from core.money import allocate_largest_remainder, round_money
from core.rawsql import insert
from courses.models import Instructor
from partners.models import Partner

from .models import LedgerEntry, Order, OrderLine, Refund

PLATFORM = "platform"
ZERO = Decimal("0")


@dataclass(frozen=True)
class Share:
    party: str
    share: Decimal | None
    amount: Decimal


def instructor_party(instructor_id: int) -> str:
    return f"instructor:{instructor_id}"


def line_parties(*, line: OrderLine) -> list[tuple[str, Decimal]]:
    """The non-platform parties of a line and their fractions, same party merged.

    Raises ``ValueError`` when the split is not data we can honour (a share outside
    0..1, or shares that together exceed the whole line)."""
    shares: dict[str, Decimal] = {}
    if line.course_id is not None:
        # A plan period has no course: its instructors are paid at settlement (rule 4).
        instructor = line.course.instructor
        shares[instructor_party(instructor.pk)] = Decimal(instructor.revenue_share)
    for item in line.revenue_split or []:
        try:
            party, share = str(item["party"]), Decimal(str(item["share"]))
        except (KeyError, TypeError, InvalidOperation) as exc:
            raise ValueError(f"bad revenue_split item {item!r} on order line {line.pk}") from exc
        if not party or party == PLATFORM or not ZERO <= share <= 1:
            raise ValueError(f"bad revenue_split item {item!r} on order line {line.pk}")
        shares[party] = shares.get(party, ZERO) + share
    if sum(shares.values(), ZERO) > 1:
        raise ValueError(f"revenue shares of order line {line.pk} exceed the whole line")
    return sorted(shares.items())


def split_amount(*, amount: Decimal, currency: str, parties: list[tuple[str, Decimal]]) -> list[Share]:
    """Rule 1 and 2: each party rounded half up, the platform takes the remainder."""
    result = [
        Share(party=party, share=share, amount=round_money(amount * share, currency))
        for party, share in parties
    ]
    platform = amount - sum((share.amount for share in result), ZERO)
    result.append(Share(party=PLATFORM, share=None, amount=platform))
    return result


def ledger_record_sale(*, line: OrderLine) -> list[LedgerEntry]:
    """Write the sale entries of a paid line (nothing for a free line)."""
    if line.total <= 0:
        return []
    shares = split_amount(amount=line.total, currency=line.currency, parties=line_parties(line=line))
    # Every sale writes these: without the ORM's compiler (see ``core.rawsql``).
    return insert(
        [
            LedgerEntry(
                order_id=line.order_id,
                order_line=line,
                kind=LedgerEntry.Kind.SALE,
                party=share.party,
                share=share.share,
                amount=share.amount,
                currency=line.currency,
            )
            for share in shares
        ],
        # Nothing reads the entries' keys before the sale's writes go out (in a checkout
        # they leave with its other writes, see ``commerce.services.payments``).
        keys_later=True,
    )


def ledger_record_refund(*, refund: Refund, line: OrderLine, amount: Decimal, empties_line: bool) -> list:
    """Rule 3. ``amount`` is the positive part of ``refund`` that falls on ``line``."""
    if amount <= 0:
        return []
    net: dict[str, Decimal] = defaultdict(lambda: ZERO)
    sale: dict[str, Decimal] = {}
    refunded_before = ZERO
    for entry in LedgerEntry.objects.filter(order_line=line).only("party", "kind", "amount"):
        net[entry.party] += entry.amount
        if entry.kind == LedgerEntry.Kind.REFUND:
            refunded_before -= entry.amount
        else:
            # What the party got from the line: its sale and, for a plan, its settlement.
            sale[entry.party] = sale.get(entry.party, ZERO) + entry.amount
    if empties_line:
        reversals = {party: -value for party, value in net.items() if value}
    else:
        # Rounded on the running total, not per refund: each party has then given back
        # round(share of everything refunded so far), never more than it was paid. Rounding
        # each partial refund alone could take a cent too much from a small party (two
        # refunds of 0.035 -> 0.04 + 0.04 from a 0.07 commission).
        refunded = refunded_before + amount
        reversals = {}
        for party, value in sale.items():
            if party == PLATFORM:
                continue
            owed = round_money(refunded * value / line.total, line.currency)
            given = value - net[party]
            reversals[party] = -max(min(owed - given, net[party]), ZERO)
        reversals[PLATFORM] = -(amount - sum((-value for value in reversals.values()), ZERO))
    return LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                order_id=line.order_id,
                order_line=line,
                refund=refund,
                kind=LedgerEntry.Kind.REFUND,
                party=party,
                amount=value,
                currency=line.currency,
            )
            for party, value in sorted(reversals.items())
            if value
        ]
    )


def plan_instructor_pool_share() -> Decimal:
    return Decimal(str(getattr(settings, "PLAN_INSTRUCTOR_POOL_SHARE", "0.5")))


def ledger_settle_plan_line(*, line: OrderLine, lessons_by_instructor: dict[int, int]) -> list[LedgerEntry]:
    """Rule 4: share a finished plan period with the instructors whose lessons were
    completed in it. The caller holds the period's lock and settles it once."""
    net = LedgerEntry.objects.filter(order_line=line).aggregate(total=Sum("amount", default=ZERO))["total"]
    counted = sorted((pk, count) for pk, count in lessons_by_instructor.items() if count > 0)
    if net <= 0 or not counted:
        return []
    pool = round_money(net * plan_instructor_pool_share(), line.currency)
    parts = allocate_largest_remainder(pool, [count for _pk, count in counted], line.currency)
    entries = [
        LedgerEntry(
            order_id=line.order_id,
            order_line=line,
            kind=LedgerEntry.Kind.SETTLEMENT,
            party=instructor_party(pk),
            amount=part,
            currency=line.currency,
        )
        for (pk, _count), part in zip(counted, parts, strict=True)
        if part
    ]
    if not entries:
        return []
    moved = sum((entry.amount for entry in entries), ZERO)
    entries.append(
        LedgerEntry(
            order_id=line.order_id,
            order_line=line,
            kind=LedgerEntry.Kind.SETTLEMENT,
            party=PLATFORM,
            amount=-moved,
            currency=line.currency,
        )
    )
    return LedgerEntry.objects.bulk_create(entries)


# --- Reads for staff: balances and payout statements ------------------------------------


def ledger_balances(*, start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """Per party and currency: sales, refunds and the balance, for entries written in
    ``[start, end)``. One query; sums are exact on PostgreSQL (SQLite adds decimals as
    floats, so they are brought back to the currency's minor unit here)."""
    entries = LedgerEntry.objects.all()
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    if end is not None:
        entries = entries.filter(created_at__lt=end)
    rows = (
        entries.values("party", "currency")
        .annotate(
            sales=Sum("amount", filter=~Q(kind=LedgerEntry.Kind.REFUND), default=ZERO),
            refunds=Sum("amount", filter=Q(kind=LedgerEntry.Kind.REFUND), default=ZERO),
            balance=Sum("amount", default=ZERO),
            entries=Count("id"),
        )
        .order_by("party", "currency")
    )
    return [
        {
            **row,
            **{
                key: round_money(Decimal(str(row[key])), row["currency"])
                for key in ("sales", "refunds", "balance")
            },
        }
        for row in rows
    ]


def ledger_statement(*, party: str, start: datetime | None = None, end: datetime | None = None) -> QuerySet:
    """One party's entries in the period, with the order number, for a payout statement."""
    entries = LedgerEntry.objects.filter(party=party)
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    if end is not None:
        entries = entries.filter(created_at__lt=end)
    return entries.select_related("order", "order_line__course").order_by("created_at", "id")


def order_ledger_total(*, order: Order) -> Decimal:
    return LedgerEntry.objects.filter(order=order).aggregate(total=Sum("amount", default=ZERO))["total"]


def party_names(parties) -> dict[str, str]:
    """Readable names of ledger parties (``partner:7`` -> the partner's name, ``instructor:3``
    -> the instructor's), two queries whatever their number; unknown parties keep their key."""
    ids: dict[str, set[int]] = {"partner": set(), "instructor": set()}
    for party in parties:
        kind, _sep, number = party.partition(":")
        if kind in ids and number.isdigit():
            ids[kind].add(int(number))
    names = {PLATFORM: "Zhiqiao"}
    for partner in Partner.objects.filter(pk__in=ids["partner"]).only("pk", "name"):
        names[f"partner:{partner.pk}"] = partner.name
    for instructor in Instructor.objects.filter(pk__in=ids["instructor"]).only("pk", "name"):
        names[instructor_party(instructor.pk)] = instructor.name
    return names
