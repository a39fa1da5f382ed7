"""Where a visitor stands with a course: ``owned`` (with its progress), ``in_cart``, ``free``
or ``available``. Course cards, the course page and the catalog API all show it.

Enrollments are ours; the cart belongs to commerce, a floor above, which registers how to
read it (``register_cart_source`` in its app config), so nothing here imports it."""

from collections.abc import Callable, Iterable
from decimal import Decimal

from .learning.selectors import owned_course_progress

CartSource = Callable[[object], Iterable[str]]
_cart_sources: list[CartSource] = []

OWNED, IN_CART, FREE, AVAILABLE = "owned", "in_cart", "free", "available"


def register_cart_source(source: CartSource) -> None:
    """``source(request)`` gives the slugs of the courses in the visitor's cart."""
    if source not in _cart_sources:
        _cart_sources.append(source)


def cart_slugs(request) -> frozenset[str]:
    return frozenset(slug for source in _cart_sources for slug in source(request))


def is_free(price_amount, course_format: str) -> bool:
    """Free in the shown currency; a live class still takes a seat through the checkout."""
    return price_amount is not None and Decimal(str(price_amount)) == 0 and course_format != "live"


def state_of(slug: str, *, price_amount, course_format: str, owned: dict, in_cart) -> dict:
    if slug in owned:
        return {"state": OWNED, "progress": owned[slug]}
    if slug in in_cart:
        return {"state": IN_CART, "progress": None}
    if is_free(price_amount, course_format):
        return {"state": FREE, "progress": None}
    return {"state": AVAILABLE, "progress": None}


def visitor_states(request) -> tuple[dict[str, int], frozenset[str]]:
    """The visitor's owned courses (slug -> percent) and cart slugs: one query each for a
    signed-in learner, whatever the number of courses on the page."""
    return owned_course_progress(user=getattr(request, "user", None)), cart_slugs(request)
