"""The interaction data the recommender learns from, read set-based from the database.

Each source is a function returning parallel arrays ``(user_id, course_id, weight,
timestamp)``; the sources of ``RECOMMENDER_INTERACTION_SOURCES`` (dotted paths) are
concatenated, decayed by age and summed per (learner, course). Adding a kind of behaviour
(orders, views, partner customers' consented history) is adding one function to the list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.module_loading import import_string

from commerce.models import Order, OrderLine
from courses.models import Course, Enrollment, LessonProgress, Review

SourceArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Source = Callable[[], SourceArrays]

DEFAULT_WEIGHTS = {"enrollment": 1.0, "purchase": 0.5, "completion": 1.0, "progress": 0.1, "review": 0.5}

DEFAULT_SOURCES = (
    "recommender.matrix.enrollment_interactions",
    "recommender.matrix.purchase_interactions",
    "recommender.matrix.completion_interactions",
    "recommender.matrix.progress_interactions",
    "recommender.matrix.review_interactions",
)


def _weight(kind: str) -> float:
    return float(getattr(settings, "RECOMMENDER_INTERACTION_WEIGHTS", {}).get(kind, DEFAULT_WEIGHTS[kind]))


def _epoch(values: list[datetime | None]) -> np.ndarray:
    return np.fromiter(
        (value.timestamp() if value else 0.0 for value in values), dtype=np.float64, count=len(values)
    )


def arrays_from_rows(rows: list[tuple], weight: float | np.ndarray = 1.0) -> SourceArrays:
    """``values_list("user_id", "course_id", "<timestamp>")`` rows to the source arrays."""
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float64)
    users, courses, stamps = zip(*rows, strict=True)
    n = len(users)
    weights = np.broadcast_to(np.asarray(weight, dtype=np.float32), (n,)).copy()
    return (
        np.asarray(users, dtype=np.int64),
        np.asarray(courses, dtype=np.int64),
        weights,
        _epoch(list(stamps)),
    )


def enrollment_interactions() -> SourceArrays:
    rows = list(Enrollment.objects.filter(is_active=True).values_list("user_id", "course_id", "created_at"))
    return arrays_from_rows(rows, _weight("enrollment"))


def purchase_interactions() -> SourceArrays:
    """Paid order lines, on top of the enrollment they create: paying says more than a free
    enrollment. A fully refunded order is no signal that the learner wanted the course."""
    rows = list(
        OrderLine.objects.filter(
            order__status__in=[Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED],
            order__paid_at__isnull=False,
        ).values_list("order__user_id", "course_id", "order__paid_at")
    )
    return arrays_from_rows(rows, _weight("purchase"))


def completion_interactions() -> SourceArrays:
    rows = list(
        Enrollment.objects.filter(completed_at__isnull=False).values_list(
            "user_id", "course_id", "completed_at"
        )
    )
    return arrays_from_rows(rows, _weight("completion"))


def progress_interactions() -> SourceArrays:
    """Completed lessons per (learner, course), capped so a long course does not dominate."""
    rows = list(
        LessonProgress.objects.filter(completed=True)
        .values("user_id", "lesson__section__course_id")
        .annotate(lessons=Count("id"), last=Max("updated_at"))
        .values_list("user_id", "lesson__section__course_id", "last", "lessons")
        .order_by()
    )
    if not rows:
        return arrays_from_rows([])
    lessons = np.minimum(np.asarray([row[3] for row in rows], dtype=np.float32), 10.0)
    return arrays_from_rows([row[:3] for row in rows], lessons * _weight("progress"))


def review_interactions() -> SourceArrays:
    """A review says the learner cared; a good rating says more than a bad one."""
    rows = list(Review.objects.values_list("user_id", "course_id", "created_at", "rating"))
    if not rows:
        return arrays_from_rows([])
    ratings = np.asarray([row[3] for row in rows], dtype=np.float32)
    return arrays_from_rows([row[:3] for row in rows], ratings / 5.0 * _weight("review"))


def interaction_sources() -> list[Source]:
    paths = getattr(settings, "RECOMMENDER_INTERACTION_SOURCES", DEFAULT_SOURCES)
    return [import_string(path) for path in paths]


@dataclass
class InteractionMatrix:
    """A learner x course matrix with the ids of its rows and columns."""

    matrix: sp.csr_matrix
    user_ids: np.ndarray
    course_ids: np.ndarray
    n_events: int
    # The first known time (Unix seconds) of each cell, on the cells of ``matrix``; None when
    # no source gave a time. The sessions model (``SessionEASE``) splits histories with it.
    first_seen: sp.csr_matrix | None = None

    def user_index(self) -> dict[int, int]:
        return {int(user_id): row for row, user_id in enumerate(self.user_ids)}


def decay(timestamps: np.ndarray, *, now: datetime, half_life_days: float) -> np.ndarray:
    """Halve an interaction's weight every ``half_life_days``; unknown times count as now."""
    age_days = np.maximum((now.timestamp() - timestamps) / 86400.0, 0.0)
    age_days[timestamps <= 0] = 0.0
    return np.power(0.5, age_days / max(half_life_days, 1e-9)).astype(np.float32)


def build_interaction_matrix(
    *,
    course_ids: np.ndarray,
    sources: list[Source] | None = None,
    now: datetime | None = None,
    half_life_days: float | None = None,
) -> InteractionMatrix:
    """Concatenate the sources, keep known courses, decay by age and sum per cell. Rows are
    the learners with at least one interaction; columns are ``course_ids`` in that order."""
    now = now or timezone.now()
    half_life = half_life_days or float(getattr(settings, "RECOMMENDER_HALF_LIFE_DAYS", 365))
    parts = [source() for source in (sources if sources is not None else interaction_sources())]
    if parts:
        users = np.concatenate([part[0] for part in parts]).astype(np.int64)
        courses = np.concatenate([part[1] for part in parts]).astype(np.int64)
        weights = np.concatenate([part[2] for part in parts]).astype(np.float32)
        stamps = np.concatenate([part[3] for part in parts]).astype(np.float64)
    else:
        users = courses = np.zeros(0, dtype=np.int64)
        weights, stamps = np.zeros(0, dtype=np.float32), np.zeros(0)
    course_ids = np.asarray(course_ids, dtype=np.int64)
    order = np.argsort(course_ids)
    position = np.searchsorted(course_ids[order], courses)
    position = np.minimum(position, max(course_ids.size - 1, 0))
    known = (
        (course_ids.size > 0) & (course_ids[order][position] == courses)
        if course_ids.size
        else np.zeros(courses.size, dtype=bool)
    )
    known &= np.isfinite(weights) & (weights > 0)
    columns = order[position[known]]
    users, weights, stamps = users[known], weights[known], stamps[known]
    weights = weights * decay(stamps, now=now, half_life_days=half_life)
    user_ids, rows = np.unique(users, return_inverse=True)
    matrix = sp.csr_matrix(
        (weights.astype(np.float32), (rows, columns)),
        shape=(user_ids.size, course_ids.size),
        dtype=np.float32,
    )
    matrix.sum_duplicates()
    return InteractionMatrix(
        matrix=matrix,
        user_ids=user_ids,
        course_ids=course_ids,
        n_events=int(users.size),
        first_seen=_first_seen(rows, columns, stamps, shape=matrix.shape),
    )


def _first_seen(
    rows: np.ndarray, columns: np.ndarray, stamps: np.ndarray, *, shape: tuple[int, int]
) -> sp.csr_matrix | None:
    """The earliest known time of each (learner, course) cell: when the learner started
    with the course, whichever source saw it first. Unknown times (0) are left out."""
    timed = stamps > 0
    if not timed.any():
        return None
    rows, columns, stamps = rows[timed], columns[timed], stamps[timed]
    cell = rows.astype(np.int64) * max(shape[1], 1) + columns
    order = np.lexsort((stamps, cell))
    cell, stamps = cell[order], stamps[order]
    # Sorted by cell, then time: each cell's first entry is its earliest time.
    first = np.flatnonzero(np.concatenate([[True], cell[1:] != cell[:-1]]))
    return sp.csr_matrix(
        (stamps[first], (cell[first] // max(shape[1], 1), cell[first] % max(shape[1], 1))), shape=shape
    )


def catalog_course_ids() -> np.ndarray:
    return np.asarray(Course.objects.order_by("id").values_list("id", flat=True), dtype=np.int64)
