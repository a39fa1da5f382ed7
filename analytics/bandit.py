"""Thompson sampling over a campaign's variants, once a day.

Each variant's conversion rate gets a Beta(1 + orders, 1 + visitors - orders) posterior
(uniform prior). Drawing many samples from every posterior at once (NumPy, vectorized) and
counting how often each variant has the highest draw gives its probability of being best;
that probability becomes its traffic weight (per mille, at least ``MIN_WEIGHT`` so no
variant is starved and the posteriors keep learning).

Visitors are the variant's sticky assignments (``VisitorAssignment``) and orders its
attributed orders, control group left out on both sides. The control group is drawn before
the variants (``campaigns.services.tracking._pick_variant``) from ``Campaign.holdout_share``, which
this module never reads for writing nor changes: moving traffic between variants leaves the
control group exactly as large as it was.
"""

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from campaigns.models import Campaign, OrderAttribution, Variant, VisitorAssignment

DRAWS = 20_000
WEIGHT_SCALE = 1000
MIN_WEIGHT = 10


@dataclass(frozen=True)
class VariantAllocation:
    variant_id: int
    visitors: int
    orders: int
    probability_best: float
    weight: int


def min_visitors() -> int:
    return int(getattr(settings, "ANALYTICS_BANDIT_MIN_VISITORS", 100))


def probability_best(
    visitors: np.ndarray, orders: np.ndarray, *, rng: np.random.Generator, draws: int = DRAWS
) -> np.ndarray:
    """P(variant i has the highest conversion rate) under independent Beta posteriors."""
    wins = np.minimum(orders, visitors)
    samples = rng.beta(1 + wins, 1 + visitors - wins, size=(draws, len(visitors)))
    return np.bincount(samples.argmax(axis=1), minlength=len(visitors)) / draws


def variant_stats(*, campaign: Campaign) -> list[tuple[int, int, int]]:
    """(variant id, visitors, orders) of every variant, in id order (three queries)."""
    ids = list(Variant.objects.filter(campaign=campaign).order_by("id").values_list("id", flat=True))
    visitors = dict(
        VisitorAssignment.objects.filter(campaign=campaign, is_holdout=False, variant_id__in=ids)
        .values_list("variant_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    orders = dict(
        OrderAttribution.objects.filter(campaign=campaign, variant_id__in=ids)
        .filter(~Q(is_holdout=True))
        .values_list("variant_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(pk, visitors.get(pk, 0), orders.get(pk, 0)) for pk in ids]


def variant_weights_update(
    *, campaign: Campaign, rng: np.random.Generator | None = None, minimum: int | None = None
) -> list[VariantAllocation] | None:
    """New weights for a running campaign with two or more variants once each has at least
    ``minimum`` visitors; ``None`` (nothing changed) otherwise."""
    if campaign.status != Campaign.Status.RUNNING:
        return None
    stats = variant_stats(campaign=campaign)
    floor = min_visitors() if minimum is None else minimum
    if len(stats) < 2 or any(visitors < floor for _pk, visitors, _orders in stats):
        return None
    rng = rng if rng is not None else np.random.default_rng()
    visitors = np.array([s[1] for s in stats], dtype=np.int64)
    orders = np.array([s[2] for s in stats], dtype=np.int64)
    best = probability_best(visitors, orders, rng=rng)
    weights = np.maximum(np.rint(best * WEIGHT_SCALE).astype(int), MIN_WEIGHT)
    allocations = [
        VariantAllocation(pk, int(v), int(o), float(p), int(w))
        for (pk, v, o), p, w in zip(stats, best, weights, strict=True)
    ]
    with transaction.atomic():
        locked = {
            v.pk: v for v in Variant.objects.select_for_update().filter(campaign=campaign).order_by("pk")
        }
        changed = []
        for allocation in allocations:
            variant = locked.get(allocation.variant_id)
            if variant is not None and variant.weight != allocation.weight:
                variant.weight = allocation.weight
                variant.updated_at = timezone.now()
                changed.append(variant)
        if changed:
            Variant.objects.bulk_update(changed, ["weight", "updated_at"])
    return allocations
