"""Learner portraits (affinity per top category from decayed behaviour plus declared
interests) clustered with k-means into segments with readable descriptions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .content import CatalogInfo
from .reasons import LEVELS, describe_segment

__all__ = ["LEVELS", "SegmentResult", "cluster", "describe_segment", "portraits", "segment_profile"]


@dataclass
class SegmentResult:
    user_ids: np.ndarray
    labels: np.ndarray
    centroids: np.ndarray  # segments x domains, rows sum to 1
    levels: list[str]
    sizes: np.ndarray


def portraits(
    *,
    interaction_matrix: sp.csr_matrix,
    interaction_user_ids: np.ndarray,
    interest_rows: list[tuple[int, list]],
    domain_index: np.ndarray,
    n_domains: int,
    domain_by_slug: dict[str, int],
    interest_weight: float,
) -> tuple[np.ndarray, sp.csr_matrix]:
    """Rows (user ids) and an L1-normalized users x domains affinity matrix."""
    n_items = interaction_matrix.shape[1]
    item_domain = sp.csr_matrix(
        (np.ones(n_items, dtype=np.float32), (np.arange(n_items), domain_index)), shape=(n_items, n_domains)
    )
    behaviour = (interaction_matrix @ item_domain).tocoo()
    users = [interaction_user_ids[behaviour.row]]
    cols = [behaviour.col]
    values = [behaviour.data]
    interest_users, interest_cols = [], []
    for user_id, slugs in interest_rows:
        for slug in slugs or []:
            if slug in domain_by_slug:
                interest_users.append(user_id)
                interest_cols.append(domain_by_slug[slug])
    if interest_users:
        users.append(np.asarray(interest_users, dtype=np.int64))
        cols.append(np.asarray(interest_cols, dtype=np.int64))
        values.append(np.full(len(interest_users), interest_weight, dtype=np.float32))
    all_users = np.concatenate(users) if users else np.zeros(0, dtype=np.int64)
    user_ids, rows = np.unique(all_users, return_inverse=True)
    matrix = sp.csr_matrix(
        (np.concatenate(values), (rows, np.concatenate(cols))),
        shape=(user_ids.size, n_domains),
        dtype=np.float32,
    )
    matrix.sum_duplicates()
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    totals[totals == 0] = 1.0
    return user_ids, sp.diags(1.0 / totals) @ matrix


def cluster(
    *,
    user_ids: np.ndarray,
    portrait: sp.csr_matrix,
    n_segments: int,
    seed: int,
    user_levels: np.ndarray,
) -> SegmentResult | None:
    """k-means on portraits; ``user_levels`` (users x 3) is each user's weight per course
    level, used only to describe the segments."""
    n_distinct = np.unique(portrait.toarray(), axis=0).shape[0] if portrait.shape[0] <= 50_000 else n_segments
    n_clusters = max(1, min(n_segments, portrait.shape[0], n_distinct))
    if portrait.shape[0] == 0:
        return None
    # Imported here: scikit-learn costs seconds and ~135 MB, and only training needs it.
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=n_clusters, n_init=3, random_state=seed)
    labels = model.fit_predict(portrait.toarray())
    centroids = np.maximum(model.cluster_centers_, 0)
    centroids /= np.maximum(centroids.sum(axis=1, keepdims=True), 1e-9)
    membership = sp.csr_matrix(
        (np.ones(labels.size, dtype=np.float32), (labels, np.arange(labels.size))),
        shape=(n_clusters, labels.size),
    )
    level_totals = np.asarray(membership @ user_levels)
    levels = [LEVELS[int(np.argmax(row))] if row.sum() > 0 else "" for row in level_totals]
    return SegmentResult(
        user_ids=user_ids,
        labels=labels,
        centroids=centroids,
        levels=levels,
        sizes=np.bincount(labels, minlength=n_clusters),
    )


def segment_profile(centroid: np.ndarray, catalog: CatalogInfo, domain_ids: np.ndarray) -> dict:
    order = np.argsort(-centroid)
    domains = []
    for index in order[:3]:
        if centroid[index] < 0.05:
            break
        domain_id = int(domain_ids[index])
        domains.append(
            {
                "slug": catalog.domain_slugs.get(domain_id, ""),
                "share": round(float(centroid[index]), 3),
                "name": catalog.domain_names.get(domain_id, {}),
            }
        )
    return {"domains": domains}
