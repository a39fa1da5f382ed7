"""Ledger history for statement tests: partner sale and refund entries on given days,
each on its own order line, with the order credited to a campaign."""

from datetime import date, datetime
from decimal import Decimal

from commerce.models import LedgerEntry, Order, Refund
from tests.analytics.factories import at, course, learner, ledger, paid_order

_seq = iter(range(1, 10**6))


def earn(partner, campaign, amount: str, day: date, *, currency: str = "USD") -> tuple[Order, LedgerEntry]:
    """A paid order of ``campaign`` on ``day`` whose partner share is ``amount``."""
    n = next(_seq)
    buyer = learner(f"buyer-{n}")
    order, lines = paid_order(
        buyer, paid=at(day), currency=currency, amount=Decimal("100.00"), courses=[course(slug=f"c-{n}")]
    )
    Order.objects.filter(pk=order.pk).update(campaign_id=campaign.pk if campaign else None)
    entry = ledger(order, lines[0], party=f"partner:{partner.pk}", amount=Decimal(amount), when=at(day))
    return order, entry


def reverse_share(partner, sale: tuple[Order, LedgerEntry], amount: str, day: date) -> LedgerEntry:
    """A refund of the sale's order on ``day`` taking ``amount`` (positive) back."""
    order, entry = sale
    refund = Refund.objects.create(order=order, amount=Decimal("10.00"), currency=order.currency, reason="x")
    return ledger(
        order,
        entry.order_line,
        party=f"partner:{partner.pk}",
        amount=-Decimal(amount),
        when=at(day),
        refund=refund,
    )


def noon(day: date) -> datetime:
    return at(day)
