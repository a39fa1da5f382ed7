"""The seam between checkout and discount codes, wired to ``campaigns.services``.

- ``discount_quote`` prices a code against the order lines and returns one discount per
  line (same order as ``lines``), each ``Decimal`` in ``currency``, never above the line.
  A visitor in a campaign's control group (``visitor_id``: the ``zq_vid`` cookie) is never
  given the discount; wrong codes count against ``client`` (default: the learner) and are
  refused with 429 after too many, so codes cannot be enumerated.
- ``discount_redeem`` is called inside the checkout transaction, after the order exists;
  the code row is locked (by the checkout's quote, ``lock=True``, or else by the
  redemption) so a code cannot be used past its limit by concurrent checkouts.
- ``discount_release`` gives a redemption back when the order fails, is cancelled or its
  seat hold expires.

The order number is the ``order_ref`` campaigns knows the order by.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from campaigns import services as campaign_services
from campaigns.exceptions import CodeInvalid, TooManyAttempts
from core.exceptions import ApplicationError
from core.money import allocate_largest_remainder, round_money

from .exceptions import DiscountCodeInvalid
from .selectors import CartItem, CartView


@dataclass(frozen=True)
class DiscountLine:
    """What checkout knows about one line when it asks for a quote."""

    course_id: int | None
    unit_price: Decimal
    # "bundle:<id>" or "plan:<id>" when the line belongs to one: campaigns discount the
    # product as a whole, and its discount is spread over its lines.
    product: str = ""


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
    count_failure: bool = True,
    lock: bool = False,
) -> DiscountQuote:
    """``lock``: the checkout's quote, made in its transaction after the seats are held:
    the code row is locked by it (LOCK_ORDER), and ``discount_redeem`` then does not read
    it again."""
    code = (code or "").strip()
    if not code:
        return DiscountQuote(code="", currency=currency, line_discounts=[Decimal("0")] * len(lines))
    singles = [line for line in lines if not line.product]
    products: dict[str, Decimal] = {}
    for line in lines:
        if line.product:
            products[line.product] = products.get(line.product, Decimal("0")) + line.unit_price
    try:
        quote = campaign_services.discount_code_quote(
            code=code,
            user=user,
            course_ids=[line.course_id for line in singles],
            currency=currency,
            amounts={line.course_id: line.unit_price for line in singles},
            products=products,
            visitor_id=campaign_services.visitor_id_clean(visitor_id),
            client=client or rate_limit_client(user),
            count_failure=count_failure,
            lock=lock,
        )
    except CodeInvalid as exc:
        # Commerce callers know the unknown-code error by commerce's own class (same code).
        raise DiscountCodeInvalid(exc.message) from exc
    return DiscountQuote(
        code=quote.code,
        currency=currency,
        line_discounts=_line_discounts(lines=lines, discounts=quote.discounts, currency=currency),
        data={"quote": quote},
    )


def _line_discounts(*, lines: list[DiscountLine], discounts: dict, currency: str) -> list[Decimal]:
    """A course's discount goes to its line; a bundle's is spread over its lines in
    proportion to their prices (largest remainder, so the parts add up to the cent)."""
    result = [Decimal("0")] * len(lines)
    groups: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if line.product:
            groups.setdefault(line.product, []).append(index)
        else:
            result[index] = discounts.get(line.course_id, Decimal("0"))
    for product, indexes in groups.items():
        off = discounts.get(product, Decimal("0"))
        if not off:
            continue
        parts = allocate_largest_remainder(off, [lines[i].unit_price for i in indexes], currency)
        for index, part in zip(indexes, parts, strict=True):
            result[index] = part
    return result


def discount_redeem(*, quote: DiscountQuote, user, order, new_order: bool = False) -> None:
    """``new_order``: the order was created in the caller's transaction, so no redemption
    can name it yet (campaigns then skips looking for one)."""
    if not quote.code:
        return
    try:
        campaign_services.discount_code_redeem(
            quote=quote.data["quote"], user=user, order_ref=order_ref(order), new_order_ref=new_order
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
# The code whose check has already counted against the wrong-code limit in this session:
# showing the price preview again must not count it again (a learner who reloads the
# checkout page would lock themselves out), but a code must count once, wherever it came
# from, or the preview would be a free oracle for guessing codes.
CART_CODE_CHECKED_SESSION_KEY = "cart_discount_code_checked"


def cart_code_remember(*, session, code: str) -> None:
    code = cart_code_clean(code)
    if code:
        session[CART_CODE_SESSION_KEY] = code


def cart_code_get(*, session) -> str:
    code = session.get(CART_CODE_SESSION_KEY) if session is not None else ""
    return code if isinstance(code, str) else ""


def cart_code_forget(*, session) -> None:
    if session is not None:
        session.pop(CART_CODE_SESSION_KEY, None)
        session.pop(CART_CODE_CHECKED_SESSION_KEY, None)


def cart_code_clean(code: str) -> str:
    return "".join(ch for ch in str(code or "") if ch.isprintable()).strip()[:64]


def cart_code_mark_checked(*, session, code: str) -> None:
    session[CART_CODE_CHECKED_SESSION_KEY] = code


def cart_code_was_checked(*, session, code: str) -> bool:
    return bool(code) and session is not None and session.get(CART_CODE_CHECKED_SESSION_KEY) == code


# --- Price preview on the cart and checkout pages ------------------------------------------


@dataclass(frozen=True)
class PreviewLine:
    item: CartItem
    discount: Decimal

    @property
    def total(self) -> Decimal | None:
        return None if self.item.price is None else self.item.price - self.discount


@dataclass(frozen=True)
class PricePreview:
    """What the learner will pay: each line with its discount, and the totals. ``code`` is
    the code kept with the cart; ``applied`` tells whether it takes anything off, else
    ``error`` says why in the learner's language (``pending``: not checked yet because the
    visitor is not signed in or the cart cannot be bought in this currency)."""

    lines: list[PreviewLine]
    currency: str
    code: str = ""
    applied: bool = False
    error: str = ""
    pending: bool = False

    @property
    def subtotal(self) -> Decimal:
        return sum((line.item.price for line in self.lines if line.item.price is not None), Decimal("0"))

    @property
    def discount(self) -> Decimal:
        return sum((line.discount for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount


def cart_price_preview(*, cart: CartView, user, session, visitor_id: str = "") -> PricePreview:
    """Price the cart with the code kept in the session, the way checkout will. Reads only:
    nothing is reserved, and a code already checked once in this session is not counted
    again against the wrong-code limit (a valid code never counts)."""
    undiscounted = [PreviewLine(item=item, discount=Decimal("0")) for item in cart.items]
    code = cart_code_get(session=session)
    if not code:
        return PricePreview(lines=undiscounted, currency=cart.currency)
    if not (user is not None and user.is_authenticated and cart.purchasable):
        return PricePreview(lines=undiscounted, currency=cart.currency, code=code, pending=True)
    already_counted = cart_code_was_checked(session=session, code=code)
    try:
        quote = discount_quote(
            code=code,
            user=user,
            lines=[DiscountLine(course_id=item.course.pk, unit_price=item.price) for item in cart.items],
            currency=cart.currency,
            visitor_id=visitor_id,
            count_failure=not already_counted,
        )
    except TooManyAttempts as exc:
        # Refused before looking the code up: nothing was counted, so it is not marked.
        return PricePreview(lines=undiscounted, currency=cart.currency, code=code, error=str(exc.message))
    except ApplicationError as exc:
        cart_code_mark_checked(session=session, code=code)
        return PricePreview(lines=undiscounted, currency=cart.currency, code=code, error=str(exc.message))
    cart_code_mark_checked(session=session, code=code)
    # The same rounding as order_checkout, so the preview is what the order will say.
    return PricePreview(
        lines=[
            PreviewLine(item=item, discount=round_money(min(off, item.price), cart.currency))
            for item, off in zip(cart.items, quote.line_discounts, strict=True)
        ],
        currency=cart.currency,
        code=quote.code,
        applied=True,
    )
