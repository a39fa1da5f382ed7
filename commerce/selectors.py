"""Commerce reads, each a fixed number of queries whatever the number of rows."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from courses.models import Course, LiveSession, Price

from .exceptions import OrderNotFound
from .models import CartLine, Order, OrderLine, Subscription


def _lines_prefetch() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=OrderLine.objects.select_related("course", "live_session", "plan", "bundle").order_by("id"),
    )


def order_list(*, user) -> QuerySet[Order]:
    """The learner's orders, newest first, lines and their courses in one more query."""
    return Order.objects.filter(user=user).prefetch_related(_lines_prefetch()).order_by("-created_at", "-id")


def order_get(*, user, number) -> Order:
    """One of the learner's orders by its number; anyone else's is "not found"."""
    try:
        number = uuid.UUID(str(number))
    except (TypeError, ValueError):
        raise OrderNotFound() from None
    order = Order.objects.filter(user=user, number=number).prefetch_related(_lines_prefetch()).first()
    if order is None:
        raise OrderNotFound()
    return order


@dataclass(frozen=True)
class CartItem:
    course: Course
    live_session: LiveSession | None
    price: Decimal | None  # None: not sold in this currency


@dataclass(frozen=True)
class CartView:
    items: list[CartItem]
    currency: str

    @property
    def total(self) -> Decimal:
        return sum((item.price for item in self.items if item.price is not None), Decimal("0"))

    @property
    def purchasable(self) -> bool:
        return bool(self.items) and all(item.price is not None for item in self.items)

    def __len__(self) -> int:
        return len(self.items)


def cart_view(*, user=None, session_items: list[dict] | None = None, currency: str) -> CartView:
    """The cart with prices in ``currency``: from the database for a signed-in learner,
    from the session's items otherwise. Three queries at most."""
    if user is not None and user.is_authenticated:
        pairs = [
            (line.course, line.live_session)
            for line in CartLine.objects.filter(cart__user=user)
            .select_related("course", "live_session")
            .order_by("created_at", "id")
        ]
    else:
        wanted = [item for item in session_items or [] if isinstance(item, dict)]
        courses = Course.objects.filter(
            slug__in=[str(item.get("course")) for item in wanted], is_published=True
        ).in_bulk(field_name="slug")
        session_ids = [
            item.get("live_session") for item in wanted if isinstance(item.get("live_session"), int)
        ]
        sessions = LiveSession.objects.in_bulk(session_ids) if session_ids else {}
        pairs = [
            (courses[item["course"]], sessions.get(item.get("live_session")))
            for item in wanted
            if item.get("course") in courses
        ]
    prices = (
        dict(
            Price.objects.filter(
                course__in=[course for course, _session in pairs], currency=currency
            ).values_list("course_id", "amount")
        )
        if pairs
        else {}
    )
    return CartView(
        items=[
            CartItem(course=course, live_session=session, price=prices.get(course.pk))
            for course, session in pairs
        ],
        currency=currency,
    )


def cart_course_slugs(request) -> list[str]:
    """Slugs of the courses in the visitor's cart: the session's for a visitor, one query
    for a signed-in learner."""
    from .services.cart import SESSION_KEY

    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return list(CartLine.objects.filter(cart__user=user).values_list("course__slug", flat=True))
    session = getattr(request, "session", None)
    items = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(items, list):
        return []
    return [str(item.get("course")) for item in items if isinstance(item, dict) and item.get("course")]


def subscription_list(*, user) -> QuerySet[Subscription]:
    """The learner's memberships with their plans, newest first: one query."""
    return Subscription.objects.filter(user=user).select_related("plan").order_by("-created_at", "-id")


def subscription_current(*, user) -> list[Subscription]:
    """The memberships to show on "my membership": live ones first, then the last ended."""
    return list(subscription_list(user=user)[:20])
