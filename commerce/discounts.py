"""The seam between checkout and discount codes, wired to ``campaigns.services``.

- ``discount_quote`` prices a code against the order lines and returns one discount per
  line (same order as ``lines``), each ``Decimal`` in ``currency``, never above the line.
  A visitor in a campaign's control group (``visitor_id``: the ``zq_vid`` cookie) is never
  given the discount; wrong codes count against ``client`` (default: the learner) and are
  refused with 429 after too many, so codes cannot be enumerated.
- ``discount_redeem`` is called inside the checkout transaction, after the order exists;
  campaigns locks the code row (``select_for_update``) so a code cannot be used past its
  limit by concurrent checkouts.
- ``discount_release`` gives a redemption back when the order fails, is cancelled or its
  seat hold expires.

The order number is the ``order_ref`` campaigns knows the order by.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from campaigns import services as campaign_services
from campaigns.exceptions import CodeInvalid

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
    # What campaigns needs to redeem: its own quote (code id, campaign id, variant id).
    data: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.line_discounts, Decimal("0"))


def order_ref(order) -> str:
    return str(order.number)


def rate_limit_client(user) -> str:
    """Wrong codes are counted per learner: checkout needs a signed-in learner, and a key
    per account cannot be dodged by changing networks."""
    return f"user:{user.pk}"


def discount_quote(
    *,
    code: str,
    user,
    lines: list[DiscountLine],
    currency: str,
    visitor_id: str = "",
    client: str | None = None,
) -> DiscountQuote:
    code = (code or "").strip()
    if not code:
        return DiscountQuote(code="", currency=currency, line_discounts=[Decimal("0")] * len(lines))
    try:
        quote = campaign_services.discount_code_quote(
            code=code,
            user=user,
            course_ids=[line.course_id for line in lines],
            currency=currency,
            amounts={line.course_id: line.unit_price for line in lines},
            visitor_id=campaign_services.visitor_id_clean(visitor_id),
            client=client or rate_limit_client(user),
        )
    except CodeInvalid as exc:
        # Commerce callers know the unknown-code error by commerce's own class (same code).
        raise DiscountCodeInvalid(exc.message) from exc
    return DiscountQuote(
        code=quote.code,
        currency=currency,
        line_discounts=[quote.discounts.get(line.course_id, Decimal("0")) for line in lines],
        data={"quote": quote},
    )


def discount_redeem(*, quote: DiscountQuote, user, order) -> None:
    if not quote.code:
        return
    try:
        campaign_services.discount_code_redeem(
            quote=quote.data["quote"], user=user, order_ref=order_ref(order)
        )
    except CodeInvalid as exc:
        raise DiscountCodeInvalid(exc.message) from exc


def discount_release(*, order) -> None:
    if not order.discount_code:
        return
    campaign_services.discount_code_release(order_ref=order_ref(order))


# The code a visitor brought along (landing page "buy now" form, ``?code=``) is kept with the
# cart in the session, so the checkout page and the session-authenticated API can use it.
CART_CODE_SESSION_KEY = "cart_discount_code"


def cart_code_remember(*, session, code: str) -> None:
    code = "".join(ch for ch in str(code or "") if ch.isprintable()).strip()[:64]
    if code:
        session[CART_CODE_SESSION_KEY] = code


def cart_code_get(*, session) -> str:
    code = session.get(CART_CODE_SESSION_KEY) if session is not None else ""
    return code if isinstance(code, str) else ""


def cart_code_forget(*, session) -> None:
    if session is not None:
        session.pop(CART_CODE_SESSION_KEY, None)
