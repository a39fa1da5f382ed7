"""Catalog writes. Learning use cases (enrollments, progress, reviews) live here too."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from .exceptions import LiveSessionNotFound, SoldOut
from .models import Course, Enrollment, LiveSession

TRANSLATED_SEARCH_FIELDS = ("title", "subtitle", "description")


def _language_suffixes() -> list[str]:
    return [code.replace("-", "_") for code, _ in settings.LANGUAGES]


def course_build_search_text(*, course: Course) -> str:
    """Every language's title, subtitle, description, tags, category and instructor,
    lower-cased, so one substring search finds a course in any language."""
    parts: list[str] = [course.slug.replace("-", " ")]
    suffixes = _language_suffixes()
    for field in TRANSLATED_SEARCH_FIELDS:
        parts.extend(getattr(course, f"{field}_{suffix}", "") or "" for suffix in suffixes)
    for tag in course.tags.all():
        parts.extend(getattr(tag, f"name_{suffix}", "") or "" for suffix in suffixes)
    for obj in (course.category, course.instructor):
        parts.extend(getattr(obj, f"name_{suffix}", "") or "" for suffix in suffixes)
    return "\n".join(part for part in parts if part).lower()


def course_index_search_text(*, courses: Iterable[Course]) -> int:
    """Refresh the search column of ``courses``; returns how many were written."""
    batch = []
    for course in courses:
        course.search_text = course_build_search_text(course=course)
        batch.append(course)
    Course.objects.bulk_update(batch, ["search_text"], batch_size=500)
    return len(batch)


def course_reindex_all() -> int:
    queryset = Course.objects.select_related("category", "instructor").prefetch_related("tags")
    return course_index_search_text(courses=queryset.iterator(chunk_size=500))


@transaction.atomic
def course_set_published(*, courses: QuerySet[Course], published: bool) -> int:
    """Publish or unpublish; the first publication stamps ``published_at``."""
    if published:
        courses.filter(published_at__isnull=True).update(published_at=timezone.now())
    return courses.update(is_published=published)


# --- Seats and enrollments (called by commerce on payment and refund) ---------------------


def live_session_reserve_seat(*, session_id: int, seats: int = 1) -> None:
    """Take ``seats`` seats with one conditional UPDATE, so concurrent buyers can never
    push ``seats_taken`` past ``capacity`` (the check constraint is the last guard)."""
    updated = LiveSession.objects.filter(pk=session_id, seats_taken__lte=F("capacity") - seats).update(
        seats_taken=F("seats_taken") + seats
    )
    if updated == 1:
        return
    if not LiveSession.objects.filter(pk=session_id).exists():
        raise LiveSessionNotFound()
    raise SoldOut()


def live_session_release_seat(*, session_id: int, seats: int = 1) -> None:
    LiveSession.objects.filter(pk=session_id, seats_taken__gte=seats).update(
        seats_taken=F("seats_taken") - seats
    )


@transaction.atomic
def enrollment_grant(*, user, course: Course, live_session_id: int | None = None, source: str = "purchase"):
    """Give ``user`` the right to learn ``course`` (idempotent: a second grant reactivates
    or returns the existing enrollment). The course's enrollment counter moves only when
    an enrollment becomes active."""
    enrollment, created = Enrollment.objects.select_for_update().get_or_create(
        user=user,
        course=course,
        defaults={"live_session_id": live_session_id, "source": source},
    )
    if created or not enrollment.is_active:
        if not created:
            enrollment.is_active = True
            enrollment.live_session_id = live_session_id or enrollment.live_session_id
            enrollment.source = source
            enrollment.save(update_fields=["is_active", "live_session", "source", "updated_at"])
        Course.objects.filter(pk=course.pk).update(enrollment_count=F("enrollment_count") + 1)
    return enrollment


@transaction.atomic
def enrollment_revoke(*, user, course: Course):
    """Withdraw the right to learn (a full refund). Progress is kept for a later purchase."""
    enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if enrollment is None or not enrollment.is_active:
        return enrollment
    enrollment.is_active = False
    enrollment.save(update_fields=["is_active", "updated_at"])
    Course.objects.filter(pk=course.pk, enrollment_count__gt=0).update(
        enrollment_count=F("enrollment_count") - 1
    )
    return enrollment
