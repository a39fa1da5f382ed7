"""Catalog writes. Learning use cases (enrollments, progress, reviews) live here too."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Course

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
