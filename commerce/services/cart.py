"""The cart. Signed-in learners keep it in the database; anonymous visitors keep a list
of items in the session (``[{"course": "<slug>", "live_session": <id or None>}]``),
merged into the database cart when they sign in. Prices are never stored in the cart:
they are read in the chosen currency when the cart is shown and at checkout."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.caching import user_namespace_bump
from courses.models import Course, Enrollment, LiveSession

from ..exceptions import (
    AlreadyEnrolled,
    CourseNotAvailable,
    LiveSessionNotAvailable,
    LiveSessionRequired,
    TooManyItems,
)
from ..models import Cart, CartLine
from .checkout import MAX_ITEMS

SESSION_KEY = "cart"


def cart_clean_item(
    *, course_slug: str, live_session_id: int | str | None
) -> tuple[Course, LiveSession | None]:
    """A purchasable course and, for a live class, one of its upcoming sessions."""
    course = Course.objects.filter(slug=str(course_slug or "").strip(), is_published=True).first()
    if course is None:
        raise CourseNotAvailable()
    session = None
    if live_session_id not in (None, ""):
        try:
            session_pk = int(live_session_id)
        except (TypeError, ValueError):
            raise LiveSessionNotAvailable() from None
        session = LiveSession.objects.filter(
            pk=session_pk, course=course, starts_at__gt=timezone.now()
        ).first()
        if session is None:
            raise LiveSessionNotAvailable()
    elif course.format == Course.Format.LIVE:
        raise LiveSessionRequired()
    return course, session


def session_cart_add(*, items: list[dict], course_slug: str, live_session_id=None) -> list[dict]:
    """Return the anonymous cart with the item added (or its session changed)."""
    course, session = cart_clean_item(course_slug=course_slug, live_session_id=live_session_id)
    kept = [item for item in items if item.get("course") != course.slug]
    if len(kept) >= MAX_ITEMS:
        raise TooManyItems()
    return [*kept, {"course": course.slug, "live_session": session.pk if session else None}]


def session_cart_remove(*, items: list[dict], course_slug: str) -> list[dict]:
    return [item for item in items if item.get("course") != course_slug]


@transaction.atomic
def cart_add(*, user, course_slug: str, live_session_id=None) -> CartLine:
    course, session = cart_clean_item(course_slug=course_slug, live_session_id=live_session_id)
    if Enrollment.objects.filter(user=user, course=course, is_active=True).exists():
        raise AlreadyEnrolled()
    cart, _created = Cart.objects.get_or_create(user=user)
    Cart.objects.select_for_update().filter(pk=cart.pk).values("pk").first()
    line = CartLine.objects.filter(cart=cart, course=course).first()
    # The header's cart count and the "In cart" buttons are on the learner's cached pages.
    user_namespace_bump(user.pk)
    if line is None:
        if CartLine.objects.filter(cart=cart).count() >= MAX_ITEMS:
            raise TooManyItems()
        return CartLine.objects.create(cart=cart, course=course, live_session=session)
    if line.live_session_id != (session.pk if session else None):
        line.live_session = session
        line.save(update_fields=["live_session", "updated_at"])
    return line


def cart_remove(*, user, course_slug: str) -> int:
    user_namespace_bump(user.pk)
    deleted, _ = CartLine.objects.filter(cart__user=user, course__slug=course_slug).delete()
    return deleted


def cart_merge(*, user, items: list[dict]) -> int:
    """Move an anonymous cart into the learner's cart on sign-in; returns how many lines
    were added. Items that are no longer on sale or already owned are dropped quietly:
    the visitor did nothing wrong by signing in."""
    added = 0
    for item in items or []:
        if not isinstance(item, dict):
            continue
        try:
            with transaction.atomic():
                cart_add(user=user, course_slug=item.get("course"), live_session_id=item.get("live_session"))
            added += 1
        except (AlreadyEnrolled, CourseNotAvailable, LiveSessionNotAvailable, LiveSessionRequired):
            continue
        except (TooManyItems, IntegrityError):
            break
    return added
