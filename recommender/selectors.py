"""Reads of the stored lists of the active version. Each costs a fixed number of queries
whatever ``k``: a learner with a stored list costs two (the list, and the similar courses of
what they bought since the version read its data); a learner without one (new, or trained
before they had any history) costs seven, the fresh purchases first, then their declared
interests, the segment those interests fit best, and catalog popularity."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import LearnerProfile
from courses.models import Course, Enrollment

from . import reasons
from .conf import recommender_settings
from .models import (
    CustomerRecommendation,
    ModelVersion,
    PopularCourse,
    Recommendation,
    Segment,
    SegmentCourse,
    SimilarCourse,
)
from .reasons import reason_text

COURSE_RELATED = ("category", "category__parent")


@dataclass
class RecommendedCourse:
    course: Course
    score: float
    reason_code: str
    reason_params: dict

    @property
    def reason(self) -> str:
        return reason_text(self.reason_code, self.reason_params)


class InvalidK(ValueError):
    pass


def parse_k(raw: str | None, *, default: int = 10) -> int:
    """``k`` from a query string: missing means ``default``, above the maximum is capped,
    anything that is not a positive integer raises ``InvalidK``."""
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise InvalidK(raw) from exc
    if value < 1:
        raise InvalidK(raw)
    return min(value, recommender_settings().max_k)


def _owned(user) -> QuerySet:
    return Enrollment.objects.filter(user=user, is_active=True).values("course_id")


def owned_course_ids(*, user) -> set[int]:
    return set(Enrollment.objects.filter(user=user, is_active=True).values_list("course_id", flat=True))


def _category_names(category) -> dict:
    from django.conf import settings

    return {
        code: getattr(category, f"name_{code.replace('-', '_')}", "") or ""
        for code, _name in settings.LANGUAGES
    }


def _from_stored(rows) -> list[RecommendedCourse]:
    """Stored rows (a learner's or a customer's) as served recommendations."""
    return [
        RecommendedCourse(
            course=row.course, score=row.score, reason_code=row.reason_code, reason_params=row.reason_params
        )
        for row in rows
    ]


# How many of the latest purchases unknown to the model steer "for you" at once.
FRESH_ANCHORS = 3


def _titles(course: Course) -> dict:
    from django.conf import settings

    return {
        code: getattr(course, f"title_{code.replace('-', '_')}", "") or ""
        for code, _name in settings.LANGUAGES
    }


def fresh_similar(*, user, k: int) -> list[RecommendedCourse]:
    """Session-based part of "for you" (one query): the similar courses (active version)
    of the learner's latest purchases made after that version read its data, so a course
    bought a second ago steers the list before the nightly run learns it. The latest
    purchase comes first; the others interleave by rank."""
    cutoff = ModelVersion.objects.filter(is_active=True).values(
        cutoff=Coalesce("data_until", "activated_at", "created_at")
    )[:1]
    latest = (
        Enrollment.objects.filter(user=user, is_active=True, created_at__gt=Subquery(cutoff))
        .order_by("-created_at", "-id")
        .values("course_id")[:FRESH_ANCHORS]
    )
    bought_at = Enrollment.objects.filter(user=user, course_id=OuterRef("course_id")).values("created_at")[:1]
    rows = list(
        SimilarCourse.objects.filter(
            model_version__is_active=True, course_id__in=latest, similar__is_published=True
        )
        .exclude(similar_id__in=_owned(user))
        .select_related("course", *(f"similar__{name}" for name in COURSE_RELATED), "similar")
        .annotate(bought_at=Subquery(bought_at))
        .order_by("-bought_at", "course_id", "rank")[: k * FRESH_ANCHORS]
    )
    by_anchor: dict[int, list[SimilarCourse]] = {}
    for row in rows:
        by_anchor.setdefault(row.course_id, []).append(row)
    chosen: dict[int, RecommendedCourse] = {}
    # Round-robin over the anchors, latest purchase first, so each one shows in a short rail.
    for depth in range(max((len(group) for group in by_anchor.values()), default=0)):
        for group in by_anchor.values():
            if depth < len(group) and group[depth].similar_id not in chosen:
                row = group[depth]
                chosen[row.similar_id] = RecommendedCourse(
                    course=row.similar,
                    score=row.score,
                    reason_code=reasons.REASON_BECAUSE_YOU_TOOK,
                    reason_params={"course": _titles(row.course)},
                )
    return list(chosen.values())[:k]


def _merge(first: list[RecommendedCourse], rest: list[RecommendedCourse], *, k: int) -> list:
    chosen: dict[int, RecommendedCourse] = {}
    for item in (*first, *rest):
        chosen.setdefault(item.course.pk, item)
    return list(chosen.values())[:k]


def recommendations_for_user(*, user, k: int) -> list[RecommendedCourse]:
    """The stored list with what the learner just bought mixed in: up to half of the list
    (rounded up) comes from the fresh purchases' similar courses, ahead of the stored rows;
    a learner without a stored list gets them ahead of the cold-start list."""
    fresh = fresh_similar(user=user, k=k)
    stored = list(
        Recommendation.objects.filter(user=user, model_version__is_active=True, course__is_published=True)
        .exclude(course_id__in=_owned(user))
        .select_related(*(f"course__{name}" for name in COURSE_RELATED), "course")
        .order_by("rank")[:k]
    )
    if stored:
        head = fresh[: (k + 1) // 2]
        return _merge(head, [*_from_stored(stored), *fresh[len(head) :]], k=k)
    return _merge(fresh, cold_start_for_user(user=user, k=k), k=k)


def recommendations_for_customer(*, customer, k: int) -> list[RecommendedCourse]:
    """A pushed partner customer's stored list (one query); a customer pushed after the last
    training gets the cold-start list of their interests at once (four more)."""
    stored = list(
        CustomerRecommendation.objects.filter(
            customer=customer, model_version__is_active=True, course__is_published=True
        )
        .select_related(*(f"course__{name}" for name in COURSE_RELATED), "course")
        .order_by("rank")[:k]
    )
    if stored:
        return _from_stored(stored)
    interests = [str(slug) for slug in customer.interests] if isinstance(customer.interests, list) else []
    return cold_start(interests=interests, owned=None, k=k)


def _best_segment(segments: list[tuple[int, dict]], interests: list[str]) -> int | None:
    """The segment whose portrait puts most weight on the learner's interests."""
    best, best_share = None, 0.0
    for segment_id, profile in segments:
        share = sum(
            d.get("share", 0.0) for d in (profile or {}).get("domains", []) if d.get("slug") in interests
        )
        if share > best_share:
            best, best_share = segment_id, share
    return best


def cold_start_for_user(*, user, k: int) -> list[RecommendedCourse]:
    """Interest- and segment-based list for a learner without a stored list (5 queries)."""
    raw = LearnerProfile.objects.filter(user=user).values_list("interests", flat=True).first()
    interests = [str(slug) for slug in raw] if isinstance(raw, list) else []
    return cold_start(interests=interests, owned=_owned(user), k=k)


def cold_start(*, interests: list[str], owned: QuerySet | None, k: int) -> list[RecommendedCourse]:
    """Popular courses of the declared interests, interleaved with the list of the segment
    those interests fit best, topped up with catalog popularity (4 queries)."""
    segments = list(Segment.objects.filter(model_version__is_active=True).values_list("id", "profile"))
    segment_id = _best_segment(segments, interests)
    # An empty ``__in`` list would skip the query; the sentinel keeps the count fixed.
    interest_slugs = interests or [""]
    interest_rows = (
        PopularCourse.objects.filter(model_version__is_active=True, course__is_published=True)
        .filter(Q(category__slug__in=interest_slugs) | Q(category__children__slug__in=interest_slugs))
        .select_related("category", *(f"course__{name}" for name in COURSE_RELATED), "course")
        .order_by("rank", "-score", "course_id")
        .distinct()
    )
    segment_rows = SegmentCourse.objects.filter(
        segment_id=segment_id, course__is_published=True
    ).select_related(*(f"course__{name}" for name in COURSE_RELATED), "course")
    popular = Course.objects.filter(is_published=True).select_related(*COURSE_RELATED)
    if owned is not None:
        interest_rows = interest_rows.exclude(course_id__in=owned)
        segment_rows = segment_rows.exclude(course_id__in=owned)
        popular = popular.exclude(id__in=owned)
    interest_list = [
        RecommendedCourse(
            course=row.course,
            score=row.score,
            reason_code=reasons.REASON_INTEREST,
            reason_params={"category": _category_names(row.category)},
        )
        for row in interest_rows[: k * 2]
    ]
    segment_list = [
        RecommendedCourse(
            course=row.course, score=row.score, reason_code=reasons.REASON_SEGMENT, reason_params={}
        )
        for row in segment_rows.order_by("rank")[:k]
    ]
    chosen: dict[int, RecommendedCourse] = {}
    # Interests and segment interleave, so both show in a short rail.
    for pair in zip(interest_list, segment_list, strict=False):
        for item in pair:
            chosen.setdefault(item.course.pk, item)
    longer = interest_list if len(interest_list) > len(segment_list) else segment_list
    for item in longer[min(len(interest_list), len(segment_list)) :]:
        chosen.setdefault(item.course.pk, item)
    for course in popular.order_by("-enrollment_count", "slug")[:k]:
        chosen.setdefault(
            course.pk,
            RecommendedCourse(
                course=course,
                score=float(course.enrollment_count),
                reason_code=reasons.REASON_POPULAR,
                reason_params={},
            ),
        )
    return list(chosen.values())[:k]


def similar_courses(*, course: Course, k: int) -> list[RecommendedCourse]:
    """The active version's similar courses, topped up with popular courses of the same
    category (all of them when no version is active), in one query."""
    stored = SimilarCourse.objects.filter(model_version__is_active=True, course_id=course.pk)
    matching = stored.filter(similar_id=OuterRef("pk"))
    rows = (
        Course.objects.filter(is_published=True)
        .filter(Q(pk__in=stored.values("similar_id")) | Q(category_id=course.category_id))
        .exclude(pk=course.pk)
        .select_related(*COURSE_RELATED)
        .annotate(
            similar_rank=Subquery(matching.values("rank")[:1]),
            similar_score=Subquery(matching.values("score")[:1]),
            similar_reason=Subquery(matching.values("reason_code")[:1]),
        )
        .order_by(F("similar_rank").asc(nulls_last=True), "-enrollment_count", "slug")[:k]
    )
    return [
        RecommendedCourse(
            course=row,
            score=row.similar_score if row.similar_score is not None else float(row.enrollment_count),
            reason_code=row.similar_reason or reasons.REASON_SIMILAR_CONTENT,
            reason_params={},
        )
        for row in rows
    ]


def published_course(*, slug: str) -> Course | None:
    return Course.objects.filter(slug=slug, is_published=True).only("id", "slug", "category_id").first()
