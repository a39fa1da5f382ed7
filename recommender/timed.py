"""Models that read the time of each training interaction (``timestamps``: learners x items,
the same index space as ``X``, seconds, 0 when unknown; only the cells of the fitted ``X``
are read, so a validation or test cell's time never reaches a model).

- ``SequenceNeighbors``: items taken one right after the other by the same learner are
  neighbours (what one page, one search or one course path showed together). A learner's
  items are scored by their neighbours, ``X_rows S`` with ``S`` sparse.
- ``ActivityWindow``: wraps any model and re-weights its scores by how popular each item was
  among everyone's interactions around the times of the learner's own interactions (a
  Gaussian kernel over days), relative to its popularity overall. It needs the learner's
  index (``score_rows``), because the window is the learner's, not their items'.

Both are NumPy/SciPy over all learners at once (no loop over learners or items).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .algorithms import Algorithm

DAY = 86400.0


def cell_times(
    X: sp.csr_matrix, timestamps: sp.csr_matrix | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, items, times)`` of every stored cell of ``X``, times read from ``timestamps``
    (0 for cells it lacks or when there is none)."""
    X = sp.csr_matrix(X)
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    cols = X.indices.astype(np.int64)
    if timestamps is None or X.nnz == 0:
        return rows, cols, np.zeros(X.nnz, dtype=np.float64)
    # One vectorized lookup of every cell of X in the time matrix (missing cells read 0).
    stamps = np.asarray(sp.csr_matrix(timestamps)[rows, cols], dtype=np.float64).ravel()
    return rows, cols, stamps


class SequenceNeighbors(Algorithm):
    """Item-item weights from consecutive interactions: each learner's timed interactions are
    ordered by time, and every pair at most ``window`` positions apart counts once, in both
    directions. A pair with equal times does not count, so interactions recorded in bulk
    with one time make no sequence; ``order_ties`` orders equal times by item index instead
    (on MovieLens-100k that scored higher on the validation folds, because the site listed a
    page in item order: a property of that data set, so it is off by default, in the
    evaluation as in the nightly training). The counts are
    normalized by popularity, ``D^-power C D^-power`` (power 0.5 is cosine-like), so popular
    items do not neighbour everything. Untimed cells take no part in the fit (without times
    the model scores 0 everywhere; a blend then gives it no weight)."""

    name = "sequence"

    def __init__(
        self,
        *,
        timestamps: sp.csr_matrix | None = None,
        window: int = 1,
        power: float = 0.5,
        order_ties: bool = False,
    ) -> None:
        self.params = {"window": window, "power": power, "order_ties": order_ties}
        self.timestamps = timestamps
        self.similarity: sp.csr_matrix | None = None

    def fit(self, X: sp.csr_matrix) -> SequenceNeighbors:
        n_items = X.shape[1]
        rows, cols, stamps = cell_times(X, self.timestamps)
        timed = stamps > 0
        rows, cols, stamps = rows[timed], cols[timed], stamps[timed]
        order = np.lexsort((cols, stamps, rows))
        rows, cols, stamps = rows[order], cols[order], stamps[order]
        pairs_from, pairs_to = [], []
        for offset in range(1, int(self.params["window"]) + 1):
            same = rows[offset:] == rows[:-offset]
            if not self.params["order_ties"]:
                same &= stamps[offset:] > stamps[:-offset]
            pairs_from.append(cols[:-offset][same])
            pairs_to.append(cols[offset:][same])
        first, second = np.concatenate(pairs_from), np.concatenate(pairs_to)
        counts = sp.csr_matrix(
            (np.ones(2 * first.size, dtype=np.float32), (np.r_[first, second], np.r_[second, first])),
            shape=(n_items, n_items),
        )
        counts.sum_duplicates()
        popularity = np.bincount(cols, minlength=n_items).astype(np.float32)
        scale = sp.diags(1.0 / np.maximum(popularity, 1.0) ** np.float32(self.params["power"]))
        self.similarity = sp.csr_matrix(scale @ counts @ scale, dtype=np.float32)
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray(
            (sp.csr_matrix(X_rows, dtype=np.float32) @ self.similarity).toarray(), dtype=np.float32
        )


class ActivityWindow(Algorithm):
    """``base``'s scores (negatives clipped to 0) times ``(local / overall) ** beta``:
    ``local`` is each item's share of everyone's interactions in the days around the
    learner's own interactions (a Gaussian of ``sigma_days`` over a day histogram),
    ``overall`` its share over all time. Items that were taken when the learner was active
    rise; items nobody took then (not yet published, or out of fashion) sink. ``beta`` 0 is
    ``base`` itself. Learners without timed interactions keep ``base``'s scores.

    Memory: items x days floats (the smoothed item histogram) and a sparse learners x days
    histogram; a batch of learners costs batch x items, like any dense scoring."""

    name = "activity_window"

    def __init__(
        self,
        *,
        base: Algorithm,
        timestamps: sp.csr_matrix | None = None,
        sigma_days: float = 3.0,
        beta: float = 0.05,
    ) -> None:
        self.params = {"sigma_days": sigma_days, "beta": beta}
        self.base = base
        self.timestamps = timestamps
        self.item_share: np.ndarray | None = None
        self.overall: np.ndarray | None = None
        self.learner_days: sp.csr_matrix | None = None
        self.base_items = 0

    def fit(self, X: sp.csr_matrix) -> ActivityWindow:
        self.base.fit(X)
        self.fit_window(X)
        return self

    def fit_window(self, X: sp.csr_matrix) -> ActivityWindow:
        """The time part only (``base`` already fitted on ``X``): lets a tuner try several
        ``sigma_days`` / ``beta`` on one fitted base."""
        # Lazy: only the nightly training and the evaluation smooth histograms.
        from scipy.ndimage import gaussian_filter1d

        n_users, n_items = X.shape
        self.base_items = n_items
        rows, cols, stamps = cell_times(X, self.timestamps)
        timed = stamps > 0
        if not timed.any():
            self.item_share = None
            return self
        rows, cols, stamps = rows[timed], cols[timed], stamps[timed]
        days = ((stamps - stamps.min()) // DAY).astype(np.int64)
        n_days = int(days.max()) + 1
        items_by_day = np.zeros((n_items, n_days), dtype=np.float32)
        np.add.at(items_by_day, (cols, days), 1.0)
        self.overall = items_by_day.sum(axis=1) / np.float32(cols.size)
        smoothed = gaussian_filter1d(items_by_day, float(self.params["sigma_days"]), axis=1, mode="constant")
        day_totals = smoothed.sum(axis=0)
        day_totals[day_totals <= 0] = 1.0
        # Share of each item among the (smoothed) interactions of each day: items x days.
        self.item_share = np.ascontiguousarray((smoothed / day_totals[None, :]).T)
        learner_days = sp.csr_matrix(
            (np.ones(rows.size, dtype=np.float32), (rows, days)), shape=(n_users, n_days)
        )
        learner_days.sum_duplicates()
        totals = np.asarray(learner_days.sum(axis=1)).ravel()
        totals[totals == 0] = 1.0
        self.learner_days = sp.csr_matrix(sp.diags(1.0 / totals) @ learner_days, dtype=np.float32)
        return self

    def factor(self, rows: np.ndarray) -> np.ndarray:
        """``(local / overall) ** beta`` for the learners ``rows`` (batch x items); 1 for
        learners without timed interactions (all of them when nothing had a time)."""
        if self.item_share is None:
            return np.ones((len(rows), self.base_items), dtype=np.float32)
        n_items = self.overall.size
        # Shares sum to 1 over the catalog; the floor keeps items nobody took at a finite,
        # low factor instead of 0 (log of 0), the same for every catalog size.
        floor = np.float32(0.01 / n_items)
        window = self.learner_days[rows]
        local = np.asarray(window @ self.item_share, dtype=np.float32)
        result = ((local + floor) / (self.overall[None, :] + floor)) ** np.float32(self.params["beta"])
        result[np.diff(window.indptr) == 0] = 1.0
        return result

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        raise TypeError("ActivityWindow needs the learners' indices: call score_rows(X, rows)")

    def score_rows(self, X: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
        scores = np.maximum(self.base.score_rows(X, rows), 0.0)
        if self.item_share is None or self.params["beta"] == 0:
            return scores
        return scores * self.factor(np.asarray(rows))

    def describe(self) -> dict:
        return {"algorithm": self.name, **self.params, "base": self.base.describe()}
