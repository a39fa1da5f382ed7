"""Reads of statements and balances for the portal, the partner API and the admin; each
page costs a fixed number of queries whatever the number of statements or lines."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from commerce.models import LedgerEntry

from .exceptions import StatementNotFound
from .models import PartnerPayout, PartnerStatement, StatementLine
from .periods import local_today, month_bounds, month_start
from .services import partner_party

ZERO = Decimal("0")


def statement_list(*, partner_id: int) -> QuerySet[PartnerStatement]:
    return PartnerStatement.objects.filter(partner_id=partner_id).prefetch_related(
        Prefetch("lines", queryset=StatementLine.objects.order_by("campaign_name", "id"))
    )


def statement_get(*, partner_id: int, pk: int) -> PartnerStatement:
    """One of the partner's statements with its lines; another partner's is not found."""
    statement = statement_list(partner_id=partner_id).filter(pk=pk).first()
    if statement is None:
        raise StatementNotFound()
    return statement


def partner_balances(*, partner_id: int) -> list[dict]:
    """Per currency: the balance owed now, what the current (open) month has added so far,
    and everything paid out; three queries."""
    party = partner_party(partner_id)
    owed = dict(
        LedgerEntry.objects.filter(party=party)
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    begin, _end = month_bounds(month_start(local_today(timezone.now())))
    this_month = dict(
        LedgerEntry.objects.filter(party=party, created_at__gte=begin)
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    paid = dict(
        PartnerPayout.objects.filter(partner_id=partner_id)
        .values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    )
    rows = defaultdict(dict)
    for currency in sorted({*owed, *paid}):
        rows[currency] = {
            "currency": currency,
            "balance": (owed.get(currency) or ZERO) - (paid.get(currency) or ZERO),
            "this_month": this_month.get(currency) or ZERO,
            "paid_out": paid.get(currency) or ZERO,
        }
    return list(rows.values())


def payout_list(*, partner_id: int) -> QuerySet[PartnerPayout]:
    return PartnerPayout.objects.filter(partner_id=partner_id)
