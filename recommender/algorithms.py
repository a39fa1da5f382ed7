"""Recommendation algorithms on a ``scipy.sparse`` CSR user-item matrix.

Every algorithm has the same two steps: ``fit(X)`` learns from the whole matrix and
``score(X_rows)`` returns a dense ``float32`` block of scores (rows x items) for a batch of
users, so callers score users in batches and never loop over users in Python. Item-item
models keep their similarity matrix sparse (top-k neighbours) or, for EASE, dense but only
while the catalog is small enough (``max_items``); above it item-kNN takes over.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

DEFAULT_BATCH_SIZE = 2048


class CatalogTooLarge(Exception):
    """EASE needs a dense items x items inverse; the caller falls back to item-kNN."""


def row_normalize(scores: np.ndarray) -> np.ndarray:
    """Divide each row by its maximum so models with different scales can be blended."""
    top = scores.max(axis=1, keepdims=True)
    top[top <= 0] = 1.0
    return scores / top


def _keep_top_k_per_row(block: np.ndarray, k: int, row_offset: int) -> sp.csr_matrix:
    """The ``k`` largest positive entries of each row of a dense block, as sparse rows."""
    n_rows, n_cols = block.shape
    k = min(k, n_cols)
    if k <= 0:
        return sp.csr_matrix((n_rows, n_cols), dtype=np.float32)
    if k < n_cols:
        cols = np.argpartition(-block, k - 1, axis=1)[:, :k]
    else:
        cols = np.tile(np.arange(n_cols), (n_rows, 1))
    values = np.take_along_axis(block, cols, axis=1)
    rows = np.repeat(np.arange(n_rows), cols.shape[1])
    cols, values = cols.ravel(), values.ravel()
    keep = values > 0
    return sp.csr_matrix((values[keep].astype(np.float32), (rows[keep], cols[keep])), shape=(n_rows, n_cols))


def sparse_top_k_similarity(
    left: sp.csr_matrix, right: sp.csr_matrix, *, k: int, block_size: int = 1024
) -> sp.csr_matrix:
    """``left.T @ right`` (items x items) with only each row's top ``k`` kept and the
    diagonal removed, computed in blocks of rows so memory stays ``block x items``."""
    left_t = left.T.tocsr()
    n_items = right.shape[1]
    blocks = []
    for start in range(0, n_items, block_size):
        stop = min(start + block_size, n_items)
        dense = (left_t[start:stop] @ right).toarray().astype(np.float32, copy=False)
        dense[np.arange(stop - start), np.arange(start, stop)] = 0.0
        blocks.append(_keep_top_k_per_row(dense, k, start))
    if not blocks:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    return sp.vstack(blocks).tocsr()


class Algorithm:
    name = "base"
    params: dict

    def fit(self, X: sp.csr_matrix) -> Algorithm:  # pragma: no cover - interface
        raise NotImplementedError

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> dict:
        return {"algorithm": self.name, **self.params}


class Popularity(Algorithm):
    """How many learners have each item: the baseline every result is compared with."""

    name = "popularity"

    def __init__(self) -> None:
        self.params = {}
        self.item_counts = np.zeros(0, dtype=np.float32)

    def fit(self, X: sp.csr_matrix) -> Popularity:
        self.item_counts = np.asarray((X > 0).sum(axis=0), dtype=np.float32).ravel()
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.broadcast_to(self.item_counts, (X_rows.shape[0], self.item_counts.size)).copy()


class ItemKNN(Algorithm):
    """Item-based collaborative filtering: cosine similarity between item columns, only the
    ``k`` nearest neighbours of each item kept (sparse), ``shrink`` damping rare pairs."""

    name = "itemknn"

    def __init__(self, *, k: int = 100, shrink: float = 10.0, alpha: float = 1.0) -> None:
        self.params = {"k": k, "shrink": shrink, "alpha": alpha}
        self.similarity: sp.csr_matrix | None = None

    def fit(self, X: sp.csr_matrix) -> ItemKNN:
        X = sp.csr_matrix(X, dtype=np.float32)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel()).astype(np.float32)
        norms[norms == 0] = 1.0
        shrink = float(self.params["shrink"])
        k, n_items = int(self.params["k"]), X.shape[1]
        X_t = X.T.tocsr()
        blocks = []
        for start in range(0, n_items, 1024):
            stop = min(start + 1024, n_items)
            dense = (X_t[start:stop] @ X).toarray().astype(np.float32, copy=False)
            dense /= norms[start:stop, None] * norms[None, :] + shrink
            dense[np.arange(stop - start), np.arange(start, stop)] = 0.0
            if self.params["alpha"] != 1.0:
                np.power(dense, self.params["alpha"], out=dense)
            blocks.append(_keep_top_k_per_row(dense, k, start))
        rows = sp.vstack(blocks).tocsr() if blocks else sp.csr_matrix((n_items, n_items), dtype=np.float32)
        # Row i holds item i's neighbours; scoring sums, for every candidate j, the similarity
        # of j to the items the learner has, so the matrix is used transposed.
        self.similarity = rows.T.tocsr()
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray((X_rows @ self.similarity).toarray(), dtype=np.float32)


class EASE(Algorithm):
    """Embarrassingly Shallow Autoencoder (Steck 2019): the closed-form item-item model
    ``B = I - P diagMat(1 / diag(P))`` with ``P = (X^T X + lambda I)^-1``. Dense, so only
    for catalogs up to ``max_items``."""

    name = "ease"

    def __init__(self, *, lambda_: float = 500.0, max_items: int = 5000) -> None:
        self.params = {"lambda": lambda_, "max_items": max_items}
        self.weights: np.ndarray | None = None

    def fit(self, X: sp.csr_matrix) -> EASE:
        n_items = X.shape[1]
        if n_items > self.params["max_items"]:
            raise CatalogTooLarge(f"{n_items} items > EASE limit {self.params['max_items']}")
        gram = (X.T @ X).toarray().astype(np.float64)
        gram[np.diag_indices(n_items)] += float(self.params["lambda"])
        inverse = np.linalg.inv(gram)
        weights = -inverse / np.diag(inverse)
        weights[np.diag_indices(n_items)] = 0.0
        self.weights = weights.astype(np.float32)
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X_rows @ self.weights, dtype=np.float32)


class ContentSimilarity(Algorithm):
    """Items described by a feature matrix (TF-IDF rows, L2-normalized); an item's score is
    its similarity to what the learner has. Also the source of "similar courses"."""

    name = "content"

    def __init__(self, *, item_features: sp.csr_matrix, k: int = 50) -> None:
        self.params = {"k": k}
        self.item_features = sp.csr_matrix(item_features, dtype=np.float32)
        self.similarity: sp.csr_matrix | None = None

    def fit(self, X: sp.csr_matrix | None = None) -> ContentSimilarity:
        features_t = self.item_features.T.tocsr()
        rows = sparse_top_k_similarity(features_t, features_t, k=int(self.params["k"]))
        self.similarity = rows.T.tocsr()
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray((X_rows @ self.similarity).toarray(), dtype=np.float32)


@dataclass
class Hybrid(Algorithm):
    """A weighted sum of its parts' row-normalized scores. The weights come from
    ``evaluation.tune_hybrid_weights`` on a validation split."""

    parts: Sequence[Algorithm]
    weights: Sequence[float]
    name: str = "hybrid"
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params = {
            "parts": [part.name for part in self.parts],
            "weights": [float(w) for w in self.weights],
        }

    def fit(self, X: sp.csr_matrix) -> Hybrid:
        for part in self.parts:
            part.fit(X)
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        total = np.zeros((X_rows.shape[0], 0), dtype=np.float32)
        for part, weight in zip(self.parts, self.weights, strict=True):
            if weight == 0:
                continue
            scored = row_normalize(part.score(X_rows)) * np.float32(weight)
            total = scored if total.shape[1] == 0 else total + scored
        if total.shape[1] == 0:
            return self.parts[0].score(X_rows) * 0
        return total

    def describe(self) -> dict:
        return {
            "algorithm": self.name,
            "parts": [part.describe() for part in self.parts],
            "weights": [float(w) for w in self.weights],
        }


def collaborative_model(*, n_items: int, ease_lambda: float, ease_max_items: int, knn_k: int) -> Algorithm:
    """EASE while the catalog fits in memory, item-kNN above the limit."""
    if n_items <= ease_max_items:
        return EASE(lambda_=ease_lambda, max_items=ease_max_items)
    return ItemKNN(k=knn_k)


def mask_rows(scores: np.ndarray, X_rows: sp.csr_matrix) -> None:
    """Set the scores of the items each row already has to ``-inf`` (in place)."""
    X_rows = X_rows.tocsr()
    rows = np.repeat(np.arange(X_rows.shape[0]), np.diff(X_rows.indptr))
    scores[rows, X_rows.indices] = -np.inf


def top_n_from_scores(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices and scores of each row's ``n`` best entries, best first."""
    n = min(n, scores.shape[1])
    if n <= 0:
        empty = np.zeros((scores.shape[0], 0))
        return empty.astype(np.int64), empty.astype(np.float32)
    if n < scores.shape[1]:
        part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    else:
        part = np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


def sparse_top_n(scores: sp.csr_matrix, exclude: sp.csr_matrix, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``n`` of each row of a sparse score matrix, skipping the cells of ``exclude``;
    missing slots get item 0 and score ``-inf``. Costs O(nnz log nnz), not rows x items."""
    scores = scores.tocsr()
    if exclude.nnz:
        scores = scores - scores.multiply(exclude.astype(bool))
    scores.data[scores.data <= 0] = 0
    scores.eliminate_zeros()
    n_rows = scores.shape[0]
    counts = np.diff(scores.indptr)
    rows = np.repeat(np.arange(n_rows), counts)
    values = scores.data.astype(np.float64)
    # One float key sorts by row, then by score descending within the row.
    top_value = values.max() if values.size else 1.0
    order = np.argsort(rows + (1.0 - values / (top_value * 1.000001)), kind="quicksort")
    rank = np.arange(rows.size) - np.repeat(scores.indptr[:-1], counts)
    keep = rank < n
    picked = order[keep]
    items = np.zeros((n_rows, n), dtype=np.int64)
    top_scores = np.full((n_rows, n), -np.inf, dtype=np.float32)
    items[rows[keep], rank[keep]] = scores.indices[picked]
    top_scores[rows[keep], rank[keep]] = scores.data[picked]
    return items, top_scores


def iter_top_n(
    model: Algorithm,
    X: sp.csr_matrix,
    *,
    n: int,
    users: np.ndarray | None = None,
    exclude: sp.csr_matrix | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(user_rows, items, scores)`` per batch: each user's top ``n`` items that are
    not in ``exclude`` (by default the user's own row of ``X``). Excluded or impossible items
    come back with score ``-inf`` so callers can drop them."""
    users = np.arange(X.shape[0]) if users is None else np.asarray(users)
    exclude = X if exclude is None else exclude
    for start in range(0, users.size, batch_size):
        batch = users[start : start + batch_size]
        if isinstance(model, ItemKNN | ContentSimilarity):
            # Sparse models score sparsely: no rows x items dense block.
            items, top_scores = sparse_top_n(X[batch] @ model.similarity, exclude[batch], n)
            yield batch, items, top_scores
            continue
        scores = model.score(X[batch])
        mask_rows(scores, exclude[batch])
        items, top_scores = top_n_from_scores(scores, n)
        yield batch, items, top_scores
