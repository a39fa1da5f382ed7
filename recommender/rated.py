"""Ratings (review stars) of the training interactions as weights. Which items are relevant
does not change (every interaction counts, whatever its stars); what changes is how much a
learner's liked items weigh against the ones they rated low, when a model learns from them
(iALS's per-cell confidence, ``IALS(confidence=...)``) and when a learner's history is scored
(``RatedHistory``). Only the cells of the fitted or scored matrix are read, so a held-out
cell's rating never reaches a model.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .algorithms import Algorithm, cell_weights

# On a 1-5 scale, 4 and 5 stars are the ratings of items a learner liked.
LIKED_RATING = 4.0


def rating_weights(ratings: sp.csr_matrix | None, *, liked: float, other: float) -> sp.csr_matrix | None:
    """A learners x items matrix holding ``liked`` for each cell rated at least
    ``LIKED_RATING`` and ``other`` for each cell rated lower; cells without a rating are not
    stored (``cell_weights`` reads them as 1). ``None`` without ratings."""
    if ratings is None:
        return None
    ratings = sp.csr_matrix(ratings, dtype=np.float32)
    ratings.eliminate_zeros()
    values = np.where(ratings.data >= LIKED_RATING, np.float32(liked), np.float32(other)).astype(np.float32)
    return sp.csr_matrix((values, ratings.indices.copy(), ratings.indptr.copy()), shape=ratings.shape)


class RatedHistory(Algorithm):
    """``base`` fitted on the binary matrix, but each learner's history scored with its cells
    weighted (``weights``, e.g. ``rating_weights``): for a linear model (``X_rows B``) the items
    a learner liked pull their neighbours harder than the ones they rated low. Without
    weights it is ``base`` itself."""

    def __init__(self, *, base: Algorithm, weights: sp.csr_matrix | None) -> None:
        self.base = base
        self.weights = weights
        self.name = base.name
        self.params = dict(base.params)

    def fit(self, X: sp.csr_matrix) -> RatedHistory:
        self.base.fit(X)
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        raise TypeError("RatedHistory needs the learners' indices: call score_rows(X, rows)")

    def score_rows(self, X: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
        if self.weights is None:
            return self.base.score_rows(X, rows)
        return self.base.score(cell_weights(X, self.weights, np.asarray(rows)))

    def describe(self) -> dict:
        return {**self.base.describe(), "history": "rating-weighted"}
