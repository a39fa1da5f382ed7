"""The seam between checkout and discount codes.

Wired to ``campaigns.services`` by the campaigns integration: only the bodies of these
three functions change then, their signatures and call sites (in ``commerce.services``)
stay. Until then every non-empty code is refused with ``code_invalid``.

- ``discount_quote`` prices a code against the order lines and returns one discount per
  line (same order as ``lines``), each ``Decimal`` in ``currency``, never above the line.
- ``discount_redeem`` is called inside the checkout transaction, after the order exists,
  and must lock the code row (``select_for_update``) so a code cannot be used past its
  limit by concurrent checkouts.
- ``discount_release`` gives a redemption back when the order fails, is cancelled or its
  seat hold expires.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from .exceptions import DiscountCodeInvalid


@dataclass(frozen=True)
class DiscountLine:
    """What checkout knows about one line when it asks for a quote."""

    course_id: int
    unit_price: Decimal


@dataclass(frozen=True)
class DiscountQuote:
    code: str
    currency: str
    line_discounts: list[Decimal] = field(default_factory=list)
    # Whatever the campaigns side needs to redeem (code id, campaign id...).
    data: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.line_discounts, Decimal("0"))


def discount_quote(*, code: str, user, lines: list[DiscountLine], currency: str) -> DiscountQuote:
    code = (code or "").strip()
    if not code:
        return DiscountQuote(code="", currency=currency, line_discounts=[Decimal("0")] * len(lines))
    raise DiscountCodeInvalid()


def discount_redeem(*, quote: DiscountQuote, user, order) -> None:
    if not quote.code:
        return
    raise DiscountCodeInvalid()


def discount_release(*, order) -> None:
    return None
