"""Template tags that put learning data on pages other views render (the course page's
reviews panel, an "enrolled" state, the wishlist button), each with a fixed number of queries."""

from urllib.parse import urlsplit

from django import template

from core.caching import cached

from ..catalog_cache import CATALOG
from ..learning import selectors
from ..learning.forms import ReviewForm
from ..models import Course

register = template.Library()

REVIEW_PANEL_SIZE = 10
_VIDEO_SUFFIXES = (".mp4", ".webm", ".ogv", ".mov", ".m4v")
_AUDIO_SUFFIXES = (".mp3", ".m4a", ".ogg", ".oga", ".wav", ".aac", ".flac")


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag
def course_reviews(course: Course, limit: int = REVIEW_PANEL_SIZE) -> dict:
    """The latest reviews and the count per star: the same for every visitor, so the course
    page renders them into its shared cached pieces (two queries when it does)."""

    def shared() -> dict:
        return {
            "reviews": list(selectors.review_list_for_course(course=course)[:limit]),
            "counts": selectors.review_star_counts(course=course),
        }

    # A review bumps the catalog cache, so the panel is never stale.
    panel = cached((CATALOG,), ("reviews", course.pk, limit), shared)
    reviews, counts = panel["reviews"], panel["counts"]
    total = sum(counts.values())
    stars = [
        {"stars": value, "count": count, "percent": round(100 * count / total) if total else 0}
        for value, count in counts.items()
    ]
    return {"reviews": reviews, "stars": stars, "total": total, "has_more": total > len(reviews)}


@register.simple_tag(takes_context=True)
def course_review_state(context, course: Course) -> dict:
    """For a signed-in learner, their own review and whether they may write one (two
    queries; none for a visitor)."""
    user = _user(context)
    my_review = selectors.review_for_user(user=user, course=course)
    can_review = selectors.enrollment_active_get(user=user, course_id=course.pk) is not None
    initial = {"rating": my_review.rating, "text": my_review.text} if my_review else {}
    return {
        "my_review": my_review,
        "can_review": can_review,
        "form": ReviewForm(initial=initial, auto_id="review-%s"),
    }


@register.simple_tag(takes_context=True)
def wishlist_state(context, course: Course) -> bool | None:
    """Whether a signed-in learner saved ``course`` (one query); ``None`` for a visitor,
    who gets no button."""
    user = _user(context)
    if not getattr(user, "is_authenticated", False):
        return None
    return course.pk in selectors.wishlist_course_ids(user=user)


@register.filter
def media_kind(url: str) -> str:
    """``video``, ``audio`` or ``link``: how a lesson's media URL is shown."""
    path = urlsplit(url or "").path.lower()
    if path.endswith(_VIDEO_SUFFIXES):
        return "video"
    if path.endswith(_AUDIO_SUFFIXES):
        return "audio"
    return "link"
