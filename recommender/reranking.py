"""From raw scores to the list a learner sees: unavailable and owned courses removed,
diversity by maximal marginal relevance over categories, cross-domain picks (courses from a
field the learner never touched, chosen by score), and the reason for each course.

Everything works on a batch of users at once; the only Python loops run over list
positions (at most ``n``), never over users.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .reasons import (  # noqa: F401 - the reason codes are part of this module's interface
    REASON_ALSO_TOOK,
    REASON_BECAUSE_YOU_TOOK,
    REASON_INTEREST,
    REASON_POPULAR,
    REASON_SEGMENT,
    REASON_SIMILAR_CONTENT,
    REASON_SIMILAR_LEARNERS,
    REASON_SOMETHING_NEW,
)
from .topn import top_n_from_scores


@dataclass(frozen=True)
class RerankConfig:
    n: int = 20
    # MMR trade-off: 1.0 ranks by score only; lower values spread the list over categories.
    diversity: float = 0.8
    cross_domain_picks: int = 1
    # 0-based position of the first cross-domain pick, so a short rail still shows one.
    cross_domain_position: int = 3
    candidate_factor: int = 3


def mmr_over_categories(
    candidates: np.ndarray, scores: np.ndarray, categories: np.ndarray, *, n: int, trade_off: float
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy MMR where two courses are similar when they share a category: at each step
    take the candidate maximizing ``trade_off * relevance - (1 - trade_off) * seen``."""
    batch, width = candidates.shape
    n = min(n, width)
    finite = np.isfinite(scores)
    low = np.where(finite, scores, np.inf).min(axis=1, keepdims=True)
    high = np.where(finite, scores, -np.inf).max(axis=1, keepdims=True)
    span = np.where(high - low > 0, high - low, 1.0)
    relevance = np.where(finite, (scores - low) / span, -np.inf)
    cand_categories = categories[candidates]
    n_categories = int(categories.max()) + 1 if categories.size else 1
    seen = np.zeros((batch, n_categories), dtype=bool)
    taken = np.zeros((batch, width), dtype=bool)
    rows = np.arange(batch)
    picked = np.zeros((batch, n), dtype=np.int64)
    for step in range(n):
        penalty = np.take_along_axis(seen, cand_categories, axis=1)
        value = trade_off * relevance - (1.0 - trade_off) * penalty
        # Rows with no valid candidate left pick an unused empty slot (score -inf), so the
        # shapes stay rectangular; callers drop those slots.
        value = np.where(np.isfinite(value), value, -1e30)
        value[taken] = -1e31
        choice = np.argmax(value, axis=1)
        picked[:, step] = choice
        taken[rows, choice] = True
        seen[rows, cand_categories[rows, choice]] = True
    return (
        np.take_along_axis(candidates, picked, axis=1),
        np.take_along_axis(scores, picked, axis=1),
    )


def outside_candidates(
    scores: np.ndarray, *, domains: np.ndarray, touched: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``n`` best courses in fields the learner never touched (for the
    cross-domain picks), from a dense score block."""
    outside = np.where(touched[:, domains], -np.inf, scores)
    return top_n_from_scores(outside, n)


def rerank(
    scores: np.ndarray,
    *,
    domains: np.ndarray,
    touched: np.ndarray,
    config: RerankConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``scores`` (batch x items) must already hold ``-inf`` for owned and unavailable
    courses. ``domains`` gives each item's dense domain (top category) index, ``touched``
    (batch x domains) the domains a learner has interacted with. Returns the items, their
    scores (``-inf`` marks an empty slot) and a flag for the cross-domain picks."""
    n = min(config.n, scores.shape[1])
    candidates, cand_scores = top_n_from_scores(scores, max(n * config.candidate_factor, n))
    outside, outside_scores = outside_candidates(
        scores, domains=domains, touched=touched, n=max(config.cross_domain_picks, 0)
    )
    return rerank_candidates(
        candidates,
        cand_scores,
        outside=outside,
        outside_scores=outside_scores,
        domains=domains,
        touched=touched,
        config=config,
        n_items=scores.shape[1],
    )


def rerank_candidates(
    candidates: np.ndarray,
    cand_scores: np.ndarray,
    *,
    outside: np.ndarray,
    outside_scores: np.ndarray,
    domains: np.ndarray,
    touched: np.ndarray,
    config: RerankConfig,
    n_items: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rerank`` on each row's best candidates (batch x C, best first, ``-inf`` for empty
    slots) instead of a dense score row, so lists come from sparse products: ``outside``
    holds each row's best courses in untouched fields (batch x picks, best first), the
    ones a cross-domain pick is inserted from when the candidates have none."""
    n = min(config.n, n_items)
    if config.diversity < 1.0:
        items, item_scores = mmr_over_categories(
            candidates, cand_scores, domains, n=n, trade_off=config.diversity
        )
    else:
        items, item_scores = candidates[:, :n], cand_scores[:, :n]
    n = items.shape[1]
    rows = np.arange(candidates.shape[0])
    is_new = ~touched[rows[:, None], domains[items]] & np.isfinite(item_scores)
    columns = np.arange(n)[None, :]
    for pick in range(config.cross_domain_picks):
        position = min(config.cross_domain_position + pick, n - 1)
        if n == 0 or position < pick:
            break
        needs = is_new[:, : position + 1].sum(axis=1) <= pick
        if not needs.any():
            break
        # A new-field course further down the list moves up to ``position``...
        later = is_new & (columns > position)
        has_later = later.any(axis=1)
        first_later = np.where(has_later, np.argmax(later, axis=1), position)
        move = needs & has_later
        source = np.where((columns > position) & (columns <= first_later[:, None]), columns - 1, columns)
        source[:, position] = np.where(move, first_later, position)
        source = np.where(move[:, None], source, columns)
        items = np.take_along_axis(items, source, axis=1)
        item_scores = np.take_along_axis(item_scores, source, axis=1)
        is_new = np.take_along_axis(is_new, source, axis=1)
        # ...otherwise the best-scoring course of an untouched field is inserted there.
        insert = needs & ~has_later
        if not insert.any() or outside.shape[1] == 0:
            continue
        listed = (outside[:, :, None] == items[:, None, :]).any(axis=2)
        usable = np.isfinite(outside_scores) & ~listed
        choice = np.argmax(usable, axis=1)
        best = outside[rows, choice]
        best_score = np.where(usable[rows, choice], outside_scores[rows, choice], -np.inf)
        insert &= np.isfinite(best_score)
        shifted_items = np.concatenate([items[:, :position], best[:, None], items[:, position:-1]], axis=1)
        shifted_scores = np.concatenate(
            [item_scores[:, :position], best_score[:, None], item_scores[:, position:-1]], axis=1
        )
        shifted_new = np.concatenate(
            [is_new[:, :position], np.ones((rows.size, 1), dtype=bool), is_new[:, position:-1]], axis=1
        )
        items = np.where(insert[:, None], shifted_items, items)
        item_scores = np.where(insert[:, None], shifted_scores, item_scores)
        is_new = np.where(insert[:, None], shifted_new, is_new)
    return items, item_scores, is_new


def explain_anchors(
    explanation: sp.csr_matrix, X_rows: sp.csr_matrix, items: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each recommended item, the item the learner has that is most similar to it
    (``explanation[i, j]`` = similarity of owned ``i`` to candidate ``j``). Returns the
    anchor item index (-1 when no owned item is similar) and the similarity."""
    X_rows = X_rows.tocsr()
    batch, n = items.shape
    counts = np.diff(X_rows.indptr)
    owner = np.repeat(np.arange(batch), counts)
    if owner.size == 0 or n == 0:
        return np.full(items.shape, -1, dtype=np.int64), np.zeros(items.shape, dtype=np.float32)
    owned = X_rows.indices
    pair_i = np.repeat(owned, n)
    pair_j = items[owner].ravel()
    values = np.asarray(explanation[pair_i, pair_j], dtype=np.float32).reshape(owner.size, n)
    values *= np.asarray(X_rows.data, dtype=np.float32)[:, None] > 0
    # reduceat over the learners who have items only: their segments are consecutive.
    has_items = counts > 0
    starts = X_rows.indptr[:-1][has_items]
    best = np.zeros(items.shape, dtype=np.float32)
    first = np.zeros(items.shape, dtype=np.int64)
    best[has_items] = np.maximum.reduceat(values, starts, axis=0)
    is_best = values >= best[owner] - 1e-12
    position = np.where(is_best, np.arange(owner.size)[:, None], owner.size)
    first[has_items] = np.minimum.reduceat(position, starts, axis=0)
    anchor = np.where((best > 0) & has_items[:, None], owned[np.minimum(first, owner.size - 1)], -1)
    return anchor.astype(np.int64), best.astype(np.float32)
