"""Recommender settings, each overridable in Django settings (``RECOMMENDER_<NAME>``)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.conf import settings


@dataclass(frozen=True)
class RecommenderSettings:
    # A new version is activated unless its validation nDCG@10 is worse than the active
    # version's by more than this.
    activation_margin: float = 0.02
    top_n: int = 20
    max_k: int = 50
    similar_n: int = 12
    # The side of the dense system EASE solves (courses, or learners when fewer), float32:
    # 10,000 needs 400 MB. Above it RP3beta or item-kNN (sparse) take its place.
    ease_max_items: int = 10_000
    knn_k: int = 100
    diversity: float = 0.8
    cross_domain_picks: int = 1
    cross_domain_position: int = 3
    segments: int = 6
    min_interactions: int = 5
    validation_fraction: float = 0.8
    # Learners whose held-out courses score the validation (a seeded sample above this).
    validation_max_users: int = 20_000
    seed: int = 42
    batch_size: int = 2048
    write_batch_size: int = 2000
    interest_weight: float = 1.0
    # A run writing a version's lists holds a lease this long, renewed after every batch;
    # when its worker dies, the redelivered run takes the version over once it expires.
    lease_seconds: int = 600


def recommender_settings(**overrides) -> RecommenderSettings:
    values = {}
    for field in fields(RecommenderSettings):
        name = f"RECOMMENDER_{field.name.upper()}"
        if hasattr(settings, name):
            values[field.name] = getattr(settings, name)
    values.update(overrides)
    return RecommenderSettings(**values)
