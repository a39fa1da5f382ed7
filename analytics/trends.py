"""Weekly enrollment trend per course category, with a fitted slope ("rising categories").

Enrollments are counted per category and ISO week (Monday to Sunday) over the last
``weeks`` complete weeks in SQL; a least-squares line (``numpy.polyfit``, degree 1, all
categories at once) gives each category's slope in enrollments per week. ``relative_slope``
divides it by the category's weekly mean, so small and large categories compare; a category
is rising when its slope is positive.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from courses.models import Category, Enrollment

DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class CategoryTrend:
    category: Category
    weekly: list[int]
    slope: float
    relative_slope: float | None

    @property
    def rising(self) -> bool:
        return self.slope > 0


@dataclass(frozen=True)
class Trends:
    weeks: list[date]
    categories: list[CategoryTrend]

    @property
    def rising(self) -> list[CategoryTrend]:
        return [trend for trend in self.categories if trend.rising]


def enrollment_trends(*, weeks: int = DEFAULT_WEEKS, today: date | None = None) -> Trends:
    today = today or timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=weeks)
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    since = timezone.make_aware(datetime.combine(first, time.min))
    until = timezone.make_aware(datetime.combine(this_monday, time.min))
    # Day counts in SQL (portable), folded into weeks here: at most weeks*7 rows per category.
    rows = (
        Enrollment.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at"))
        .values("course__category_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    ids: dict[int, int] = {}
    counts: list[list[int]] = []
    for row in rows:
        column = ids.setdefault(row["course__category_id"], len(ids))
        if column == len(counts):
            counts.append([0] * weeks)
        counts[column][(row["day"] - first).days // 7] += row["n"]
    if not ids:
        return Trends(weeks=starts, categories=[])
    matrix = np.array(counts, dtype=float).T  # weeks x categories
    x = np.arange(weeks, dtype=float)
    slopes = np.polyfit(x, matrix, 1)[0] if weeks > 1 else np.zeros(len(ids))
    means = matrix.mean(axis=0)
    categories = Category.objects.in_bulk(list(ids))
    trends = [
        CategoryTrend(
            category=categories[pk],
            weekly=[int(v) for v in matrix[:, column]],
            slope=round(float(slopes[column]), 6),
            relative_slope=round(float(slopes[column] / means[column]), 6) if means[column] else None,
        )
        for pk, column in ids.items()
        if pk in categories
    ]
    trends.sort(key=lambda t: (-t.slope, t.category.slug))
    return Trends(weeks=starts, categories=trends)
