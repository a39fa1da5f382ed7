"""Precision@k of the proposed themes against a hand-labelled set of courses."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils.text import slugify

from .models import ThemeProposal

LABELS_PATH = Path(__file__).resolve().parent / "fixtures" / "theme_labels.json"


def load_labels(path: Path | str = LABELS_PATH) -> dict[str, set[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {
        course: {slugify(label, allow_unicode=True) for label in labels}
        for course, labels in data["courses"].items()
    }


def precision_at_k(labels: dict[str, set[str]], *, k: int = 5) -> dict:
    """Mean over the labelled courses of (relevant proposals among the top k) / k; a course
    with fewer than k proposals counts the empty places as misses. Undecided and decided
    proposals alike: this measures the miner, not the staff."""
    rows = (
        ThemeProposal.objects.filter(course__slug__in=labels)
        .order_by("course__slug", "-score", "theme__slug")
        .values_list("course__slug", "theme__slug")
    )
    proposed: dict[str, list[str]] = {slug: [] for slug in labels}
    for course, theme in rows:
        proposed[course].append(theme)
    per_course = {
        course: sum(1 for theme in proposed[course][:k] if theme in wanted) / k
        for course, wanted in labels.items()
    }
    return {
        f"precision@{k}": round(sum(per_course.values()) / max(len(per_course), 1), 4),
        "courses": len(per_course),
        "per_course": {course: round(value, 2) for course, value in sorted(per_course.items())},
        "proposed": {course: proposed[course][:k] for course in sorted(proposed)},
    }
