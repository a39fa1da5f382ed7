"""Splits, ranking metrics and hyperparameter tuning on validation, shared by the offline
evaluation (``evaluation``) and the nightly training (``services``).

Per-user random splits with a fixed seed; the items a user has in the fitted part are
removed from the ranking; every held-out item is relevant (binary relevance); metrics at
``k``. Hyperparameters are chosen on validation parts carved from the training part only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product

import numpy as np
import scipy.sparse as sp

from .algorithms import Algorithm
from .topn import iter_top_n, mask_rows, row_normalize, top_n_from_scores


def per_user_split(
    users: np.ndarray, *, train_fraction: float, seed: int, n_users: int | None = None
) -> np.ndarray:
    """A boolean mask: True for the interactions in the training part. Each user keeps
    ``round(train_fraction * n)`` of their ``n`` interactions, chosen at random."""
    n_users = int(users.max()) + 1 if n_users is None and users.size else (n_users or 0)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(users.size), users))
    counts = np.bincount(users, minlength=n_users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(users.size, dtype=np.int64)
    rank[order] = np.arange(users.size) - starts[users[order]]
    keep = np.round(counts * train_fraction).astype(np.int64)
    return rank < keep[users]


class MetricTotals:
    """Sums of per-user metrics over batches of top-``k`` lists."""

    def __init__(self, k: int, n_items: int) -> None:
        self.k = k
        self.discounts = 1.0 / np.log2(np.arange(2, k + 2))
        self.ideal = np.cumsum(self.discounts)
        self.totals = {"ndcg": 0.0, "precision": 0.0, "recall": 0.0, "map": 0.0}
        self.shown = np.zeros(n_items, dtype=bool)
        self.users = 0

    def add(self, items: np.ndarray, scores: np.ndarray, relevant: sp.csr_matrix) -> None:
        k = self.k
        valid = np.isfinite(scores)
        hits = np.asarray(relevant[np.arange(items.shape[0])[:, None], items].todense() > 0) & valid
        n_relevant = np.diff(relevant.indptr)
        n_hits = hits.sum(axis=1)
        self.totals["ndcg"] += float(
            (
                (hits * self.discounts[: hits.shape[1]]).sum(axis=1)
                / self.ideal[np.minimum(n_relevant, k) - 1]
            ).sum()
        )
        self.totals["precision"] += float((n_hits / k).sum())
        self.totals["recall"] += float((n_hits / n_relevant).sum())
        precision_at_hit = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1) * hits
        self.totals["map"] += float((precision_at_hit.sum(axis=1) / np.minimum(n_relevant, k)).sum())
        self.shown[items[valid]] = True
        self.users += items.shape[0]

    def result(self) -> dict[str, float]:
        n_users = max(self.users, 1)
        metrics = {f"{name}@{self.k}": round(value / n_users, 6) for name, value in self.totals.items()}
        metrics["coverage"] = round(float(self.shown.sum()) / max(self.shown.size, 1), 6)
        return metrics


def ranking_metrics(
    model: Algorithm, train: sp.csr_matrix, test: sp.csr_matrix, *, k: int, batch_size: int = 2048
) -> dict[str, float]:
    """nDCG, precision, recall and MAP at ``k`` over users with held-out items, plus
    catalog coverage (share of items that appear in some top-``k`` list)."""
    test = test.tocsr()
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    totals = MetricTotals(k, train.shape[1])
    for batch, items, scores in iter_top_n(model, train, n=k, users=users, batch_size=batch_size):
        totals.add(items, scores, test[batch])
    return totals.result()


# --- Hyperparameters ---------------------------------------------------------------------


def validation_split(
    train: sp.csr_matrix, *, seed: int, fraction: float = 0.8
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Carve a validation part out of the training matrix (per user, at random)."""
    coo = train.tocoo()
    order = np.lexsort((coo.col, coo.row))
    rows, cols, data = coo.row[order], coo.col[order], coo.data[order]
    mask = per_user_split(
        rows.astype(np.int64), train_fraction=fraction, seed=seed + 1, n_users=train.shape[0]
    )
    fit = sp.csr_matrix((data[mask], (rows[mask], cols[mask])), shape=train.shape)
    held = sp.csr_matrix((data[~mask], (rows[~mask], cols[~mask])), shape=train.shape)
    return fit, held


def _ndcg(model: Algorithm, fit: sp.csr_matrix, held: sp.csr_matrix, k: int) -> float:
    return ranking_metrics(model, fit, held, k=k)[f"ndcg@{k}"]


def tune(
    build: Callable[..., Algorithm],
    grid: dict[str, Sequence],
    fit: sp.csr_matrix,
    held: sp.csr_matrix,
    *,
    k: int,
) -> tuple[dict, float]:
    """The grid point with the best validation nDCG@k."""
    best_params: dict = {}
    best_score = -1.0
    names = list(grid)
    for values in product(*(grid[name] for name in names)):
        params = dict(zip(names, values, strict=True))
        score = _ndcg(build(**params).fit(fit), fit, held, k)
        if score > best_score:
            best_params, best_score = params, score
    return best_params, best_score


def weight_grid(n_parts: int, step: float = 0.1) -> list[tuple[float, ...]]:
    """Every blend on the simplex with the given step, each single part included."""
    units = round(1 / step)
    return [
        tuple(part / units for part in combo)
        for combo in product(range(units + 1), repeat=n_parts)
        if sum(combo) == units
    ]


Fold = tuple[sp.csr_matrix, sp.csr_matrix]


def validation_folds(train: sp.csr_matrix, *, seed: int, n_folds: int) -> list[Fold]:
    """``n_folds`` validation splits of ``train``, each an independent per-user random
    80/20 split (not disjoint): the score of a setting averaged over them is less noisy than
    one split's, which matters when settings differ by a few thousandths."""
    return [validation_split(train, seed=seed + 10 * fold) for fold in range(n_folds)]


def tune_folds(
    build: Callable[..., Algorithm],
    grid: dict[str, Sequence],
    folds: Sequence[Fold],
    *,
    k: int,
    keep: list[Algorithm] | None = None,
) -> tuple[dict, float]:
    """The grid point with the best validation nDCG@k averaged over ``folds``. ``keep``
    (a list) receives that point's models, one fitted on each fold, so a blend tuned on the
    same folds (``tune_blend_folds(..., fitted=...)``) does not fit them again."""
    best_params: dict = {}
    best_score = -1.0
    names = list(grid)
    for values in product(*(grid[name] for name in names)):
        params = dict(zip(names, values, strict=True))
        models = [build(**params).fit(fit) for fit, _ in folds]
        scores = [_ndcg(model, fit, held, k) for model, (fit, held) in zip(models, folds, strict=True)]
        score = float(np.mean(scores))
        if score > best_score:
            best_params, best_score = params, score
            if keep is not None:
                keep[:] = models
    return best_params, best_score


def tune_blend_folds(
    build_parts: Callable[[], Sequence[Algorithm]],
    folds: Sequence[Fold],
    *,
    k: int,
    step: float = 0.1,
    fitted: dict[int, Sequence[Algorithm]] | None = None,
    keep: dict[int, list[Algorithm]] | None = None,
) -> tuple[tuple[float, ...], float]:
    """The blend weights with the best validation nDCG@k averaged over ``folds``; each fold
    fits fresh parts from ``build_parts()`` and scores its validation users once, except
    part ``i`` when ``fitted[i]`` holds it already fitted on each fold (from ``tune_folds``
    with the same parameters). ``keep`` (a dict) receives every part fitted on each fold,
    by index, for a later search on the same folds."""
    fitted = fitted or {}
    cached: list[tuple[list[np.ndarray], sp.csr_matrix]] = []
    n_parts = 0
    for fold, (fit, held) in enumerate(folds):
        parts = [
            fitted[index][fold] if index in fitted and len(fitted[index]) == len(folds) else part.fit(fit)
            for index, part in enumerate(build_parts())
        ]
        if keep is not None:
            for index, part in enumerate(parts):
                keep.setdefault(index, []).append(part)
        n_parts = len(parts)
        held = sample_held_users(
            held, max_users=max(HYBRID_CACHE_LIMIT // max(fit.shape[1] * n_parts * len(folds), 1), 1), seed=0
        )
        users = np.flatnonzero(np.diff(held.indptr) > 0)
        rows = fit[users]
        scores = []
        for part in parts:
            part_scores = row_normalize(part.score_rows(fit, users))
            mask_rows(part_scores, rows)
            scores.append(part_scores)
        cached.append((scores, held[users]))
    best_weights: tuple[float, ...] = ()
    best_score = -1.0
    for weights in weight_grid(n_parts, step):
        total = 0.0
        for scores, relevant in cached:
            total += _blend_ndcg(weights, scores, relevant, k=k)
        if total / len(cached) > best_score:
            best_weights, best_score = weights, total / len(cached)
    return best_weights, best_score


def _blend_ndcg(
    weights: tuple[float, ...], scores: list[np.ndarray], relevant: sp.csr_matrix, *, k: int
) -> float:
    """nDCG@k of the blend ``weights`` of the parts' cached ``scores`` (users x items, the
    learners' own items at -inf in each) against ``relevant``."""
    blended = sum(
        (np.float32(w) * part for w, part in zip(weights, scores, strict=True) if w > 0),
        start=np.zeros_like(scores[0]),
    )
    blended[~np.isfinite(scores[0])] = -np.inf
    items, top = top_n_from_scores(blended, k)
    totals = MetricTotals(k, blended.shape[1])
    totals.add(items, top, relevant)
    return totals.result()[f"ndcg@{k}"]


# Cached validation scores of the blend search (users x items x parts floats: 240 MB). When
# the validation users would need more, a seeded sample of them that fits is used: choosing
# among a few dozen blends needs hundreds of users, not every one.
HYBRID_CACHE_LIMIT = 60_000_000


def sample_held_users(held: sp.csr_matrix, *, max_users: int, seed: int) -> sp.csr_matrix:
    """``held`` with the held-out items of at most ``max_users`` users (a seeded random
    sample), so validation cost stops growing with the number of learners."""
    held = held.tocsr()
    users = np.flatnonzero(np.diff(held.indptr) > 0)
    if users.size <= max_users:
        return held
    keep = np.zeros(held.shape[0], dtype=np.float32)
    keep[np.random.default_rng(seed).choice(users, size=max_users, replace=False)] = 1.0
    sampled = sp.csr_matrix(sp.diags(keep) @ held)
    sampled.eliminate_zeros()
    return sampled


def tune_hybrid_weights(
    parts: Sequence[Algorithm],
    fit: sp.csr_matrix,
    held: sp.csr_matrix,
    *,
    k: int,
    step: float = 0.1,
    fitted: Sequence[Algorithm] = (),
) -> tuple[tuple[float, ...], float, dict[str, float]]:
    """Fit each part once on ``fit`` (except those in ``fitted``, already fitted on it) and
    pick the blend with the best validation nDCG@k. Single parts are points of the grid, so
    the blend is never worse than its best part on this split. Returns the weights, their
    score and each part's own score."""
    for part in parts:
        if not any(part is done for done in fitted):
            part.fit(fit)
    held = sample_held_users(
        held, max_users=max(HYBRID_CACHE_LIMIT // max(fit.shape[1] * len(parts), 1), 1), seed=0
    )
    users = np.flatnonzero(np.diff(held.indptr) > 0)
    # Each part scores the validation users once; every blend is then a weighted sum.
    rows = fit[users]
    cached: list[np.ndarray] = []
    for part in parts:
        scores = row_normalize(part.score_rows(fit, users))
        mask_rows(scores, rows)
        cached.append(scores)
    best_weights: tuple[float, ...] = ()
    best_score = -1.0
    part_scores: dict[str, float] = {}
    for weights in weight_grid(len(parts), step):
        score = _blend_ndcg(weights, cached, held[users], k=k)
        if max(weights) == 1.0:
            part_scores[parts[weights.index(1.0)].name] = score
        if score > best_score:
            best_weights, best_score = weights, score
    return best_weights, best_score, part_scores
