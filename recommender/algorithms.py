"""Recommendation algorithms on a ``scipy.sparse`` CSR user-item matrix.

Every algorithm has the same two steps: ``fit(X)`` learns from the whole matrix and
``score(X_rows)`` returns a dense ``float32`` block of scores (rows x items) for a batch of
users, so callers score users in batches and never loop over users in Python. Item-item
models keep their similarity matrix sparse (top-k neighbours) or, for EASE, dense but only
while the catalog is small enough (``max_items``); above it item-kNN takes over.

The sparse models never build an items x items or users x items block: the similarity is
the sparse product ``X^T X`` cut to each item's top k (cost: the sum over learners of their
history squared), and ``iter_top_n`` scores learners with the sparse product ``X_rows @ S``
(about history x k candidates per learner), so training and listing grow with the number of
interactions, not with the size of the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .topn import row_normalize, sparse_top_k_similarity


class CatalogTooLarge(Exception):
    """EASE needs a dense inverse of side min(learners, items); the caller falls back to a
    sparse model (RP3beta or item-kNN)."""


class Algorithm:
    name = "base"
    params: dict

    def fit(self, X: sp.csr_matrix) -> Algorithm:  # pragma: no cover - interface
        raise NotImplementedError

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def score_rows(self, X: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
        """The scores of the learners ``rows`` of ``X``. Models that only need the history
        score ``X[rows]``; a model that needs to know who the learner is (their activity
        window, ``timed.ActivityWindow``) overrides this."""
        return self.score(X[rows])

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
        shrink = np.float32(self.params["shrink"])
        alpha = float(self.params["alpha"])

        def cosine(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            values = values / (norms[rows] * norms[cols] + shrink)
            return np.power(values, alpha, dtype=np.float32) if alpha != 1.0 else values

        rows = sparse_top_k_similarity(X, X, k=int(self.params["k"]), transform=cosine)
        # Row i holds item i's neighbours; scoring sums, for every candidate j, the similarity
        # of j to the items the learner has, so the matrix is used transposed.
        self.similarity = rows.T.tocsr()
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray((X_rows @ self.similarity).toarray(), dtype=np.float32)

    def sparse_score(self, X_rows: sp.csr_matrix) -> sp.csr_matrix:
        """Only the candidates a learner's history reaches (about history x k per row)."""
        return (sp.csr_matrix(X_rows, dtype=np.float32) @ self.similarity).tocsr()


def _symmetric_inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive definite matrix, in place: Cholesky (``potrf``) and
    ``potri`` cost a third of ``np.linalg.inv`` and need no second n x n buffer; ``potri``
    fills one triangle, mirrored here in row blocks so no n x n temporary is made."""
    from scipy.linalg import lapack  # only fitting needs LAPACK

    potrf, potri = (
        (lapack.spotrf, lapack.spotri) if matrix.dtype == np.float32 else (lapack.dpotrf, lapack.dpotri)
    )
    # LAPACK works on Fortran-ordered arrays and f2py would copy a C-ordered one; the
    # transpose of a symmetric matrix is itself and is Fortran-ordered, so no copy is made.
    factor, info = potrf(matrix.T, lower=False, overwrite_a=True, clean=False)
    if info != 0:
        raise np.linalg.LinAlgError(f"Cholesky factorization failed (info={info})")
    inverse, info = potri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"inversion failed (info={info})")
    n = inverse.shape[0]
    step = 1024
    for start in range(step, n, step):
        stop = min(start + step, n)
        # Rows start..stop, columns left of the diagonal block, from the upper triangle.
        inverse[start:stop, :start] = inverse[:start, start:stop].T
    for start in range(0, n, step):
        stop = min(start + step, n)
        block = inverse[start:stop, start:stop]
        block[:] = np.triu(block) + np.triu(block, 1).T
    return inverse


def _dense_gram(X: sp.csr_matrix, *, block: int = 1024) -> np.ndarray:
    """``X^T X`` as a dense float32 array, built a block of columns at a time: the sparse
    product of a whole catalog would hold every co-occurring pair with its indices (several
    times the dense array) before being densified."""
    n = X.shape[1]
    gram = np.empty((n, n), dtype=np.float32)
    X_t = X.T.tocsr()
    X_c = X.tocsc()
    for start in range(0, n, block):
        stop = min(start + block, n)
        gram[:, start:stop] = (X_t @ X_c[:, start:stop]).toarray()
    return gram


class EASE(Algorithm):
    """Embarrassingly Shallow Autoencoder (Steck 2019): the closed-form item-item model
    ``B = I - P diagMat(1 / diag(P))`` with ``P = (X^T X + lambda I)^-1``.

    The dense system is items x items, or learners x learners when there are fewer
    learners than items: by the Woodbury identity ``P = (I - X^T K^-1 X) / lambda`` with
    ``K = X X^T + lambda I``, so scores come from ``K^-1 X`` (learners x items) without any
    items x items matrix. The dense side must not exceed ``max_items`` (memory: its square
    in float32, 400 MB at 10,000); above it the caller falls back to a sparse model."""

    name = "ease"

    def __init__(self, *, lambda_: float = 500.0, max_items: int = 10_000, column_power: float = 0.0) -> None:
        self.params = {"lambda": lambda_, "max_items": max_items}
        if column_power:
            # Only named when used, so the JSON of a plain EASE is unchanged.
            self.params["column_power"] = column_power
        self.weights: np.ndarray | None = None
        # Dual form (fewer learners than items): X, K^-1 X and 1 / diag(P).
        self._train: sp.csr_matrix | None = None
        self._solved: np.ndarray | None = None
        self._inv_diag: np.ndarray | None = None

    @staticmethod
    def dense_size(X: sp.spmatrix) -> int:
        """The side of the dense system EASE solves for ``X``."""
        return int(min(X.shape))

    def fit(self, X: sp.csr_matrix) -> EASE:
        n_users, n_items = X.shape
        size = self.dense_size(X)
        if size > self.params["max_items"]:
            raise CatalogTooLarge(
                f"{n_items} items and {n_users} learners > EASE limit {self.params['max_items']}"
            )
        X = sp.csr_matrix(X, dtype=np.float32)
        column_power = float(self.params.get("column_power", 0.0))
        if column_power:
            # Column-normalised input: the model is fitted on X D^-a (D: item popularity), so
            # popular items weigh less in the Gram matrix, but scores use the raw history.
            # In the dual form ``_train`` holds the scaled X, which is what P needs.
            popularity = np.asarray(X.sum(axis=0)).ravel()
            popularity[popularity <= 0] = 1.0
            X = sp.csr_matrix(X @ sp.diags((popularity**-column_power).astype(np.float32)))
        lambda_ = np.float32(self.params["lambda"])
        self.weights = self._train = self._solved = self._inv_diag = None
        if n_users < n_items:
            kernel = _dense_gram(X.T.tocsr())
            kernel[np.diag_indices(n_users)] += lambda_
            solved = np.asarray(_symmetric_inverse(kernel) @ X, dtype=np.float32)  # K^-1 X
            # diag(P)_i = (1 - x_i^T K^-1 x_i) / lambda for item column x_i.
            diag = (1.0 - np.asarray(X.multiply(solved).sum(axis=0)).ravel()) / lambda_
            self._train, self._solved = X, solved
            self._inv_diag = (1.0 / diag).astype(np.float32)
            return self
        gram = _dense_gram(X)
        gram[np.diag_indices(n_items)] += lambda_
        weights = _symmetric_inverse(gram)
        diag = weights.diagonal().copy()
        weights /= -diag[None, :]
        weights[np.diag_indices(n_items)] = 0.0
        self.weights = weights
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        if self.weights is not None:
            return np.asarray(X_rows @ self.weights, dtype=np.float32)
        X_rows = sp.csr_matrix(X_rows, dtype=np.float32)
        # X_b P = (X_b - (X_b X^T) K^-1 X) / lambda; scores = X_b - X_b P diag(1/diag(P)).
        # B's diagonal is zero by construction (1 - P_ii / P_ii), so nothing to remove.
        dense = X_rows.toarray()
        product = dense - np.asarray((X_rows @ self._train.T) @ self._solved, dtype=np.float32)
        product *= self._inv_diag[None, :] / np.float32(self.params["lambda"])
        return dense - product


def session_rows(X: sp.csr_matrix, timestamps: sp.csr_matrix | None, *, gap: float) -> sp.csr_matrix:
    """``X`` with each learner's row split into sessions (sessions x items, binary): a
    learner's interactions ordered by time start a new session after a pause longer than
    ``gap`` seconds. ``timestamps`` holds each cell's time (learners x items, the same index
    space as ``X``; it may hold more cells than ``X``, only those of ``X`` are read). Cells
    without a time (0 or no ``timestamps`` at all) form one session of their learner, so
    without times every learner is one session and the rows are ``X``'s own."""
    X = sp.csr_matrix(X)
    X.sort_indices()
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    cols = X.indices
    if timestamps is None or X.nnz == 0:
        stamps = np.zeros(X.nnz, dtype=np.float64)
    else:
        # One vectorized lookup of every cell of X in the time matrix (missing cells read 0).
        stamps = np.asarray(sp.csr_matrix(timestamps)[rows, cols], dtype=np.float64).ravel()
    order = np.lexsort((stamps, rows))
    rows, cols, stamps = rows[order], cols[order], stamps[order]
    starts = np.ones(rows.size, dtype=bool)
    timed = stamps > 0
    starts[1:] = (rows[1:] != rows[:-1]) | (stamps[1:] - stamps[:-1] > gap) | (timed[1:] != timed[:-1])
    session = np.cumsum(starts) - 1
    n_sessions = int(session[-1]) + 1 if session.size else 0
    return sp.csr_matrix(
        (np.ones(rows.size, dtype=np.float32), (session, cols)), shape=(n_sessions, X.shape[1])
    )


class SessionEASE(Algorithm):
    """EASE fitted on sessions instead of learners: each learner's history is cut into
    sessions (a pause longer than ``gap`` seconds starts a new one, ``session_rows``) and
    the item-item weights are EASE's closed form on the sessions x items matrix,
    ``B = I - P diagMat(1 / diag(P))`` with ``P = (Xs^T Xs + lambda I)^-1``. Items taken in
    the same sitting (what a page showed together, one topic explored at a time) co-occur
    in ``Xs``; items a learner took months apart do not, so the Gram matrix holds the
    tighter signal. A learner is scored with their whole history, ``X_rows B``, so no time
    is needed at scoring. Without times it is plain EASE. Same dense limit as EASE (the
    side is min(sessions, items))."""

    name = "session_ease"

    def __init__(
        self,
        *,
        timestamps: sp.csr_matrix | None = None,
        gap: float = 600.0,
        lambda_: float = 400.0,
        max_items: int = 10_000,
    ) -> None:
        self.params = {"gap": gap, "lambda": lambda_, "max_items": max_items}
        self.timestamps = timestamps
        self.ease: EASE | None = None
        self.n_sessions = 0

    def fit(self, X: sp.csr_matrix) -> SessionEASE:
        sessions = session_rows(X, self.timestamps, gap=float(self.params["gap"]))
        self.n_sessions = sessions.shape[0]
        self.ease = EASE(lambda_=float(self.params["lambda"]), max_items=int(self.params["max_items"]))
        self.ease.fit(sessions)
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return self.ease.score(sp.csr_matrix(X_rows, dtype=np.float32))


class PureSVD(Algorithm):
    """PureSVD (Cremonesi et al. 2010): the rank-``rank`` truncated SVD ``X ~ U S V^T`` of
    the interaction matrix, scores ``X_rows V V^T``. A low-rank view that EASE's item-item
    weights miss; alone it is weaker, blended with EASE it adds what the two disagree on.
    Memory: items x rank floats."""

    name = "puresvd"

    def __init__(self, *, rank: int = 15) -> None:
        self.params = {"rank": rank}
        self.factors: np.ndarray | None = None

    def fit(self, X: sp.csr_matrix) -> PureSVD:
        # Lazy: only training and evaluation need the sparse SVD solver.
        from scipy.sparse.linalg import svds

        rank = max(1, min(int(self.params["rank"]), min(X.shape) - 1))
        # A fixed start vector keeps ARPACK (and so the evaluation) deterministic.
        _, _, vt = svds(sp.csr_matrix(X, dtype=np.float64), k=rank, random_state=0)
        self.factors = np.ascontiguousarray(vt.T, dtype=np.float32)
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray(
            (sp.csr_matrix(X_rows, dtype=np.float32) @ self.factors) @ self.factors.T, dtype=np.float32
        )


class IdealLowPass(Algorithm):
    """The ideal low-pass filter of GF-CF (Shen et al. 2021, "How powerful is graph
    convolution for recommendation?"): the top-``rank`` right singular vectors ``V`` of the
    degree-normalised matrix ``D_u^-1/2 X D_i^-1/2``, scores ``X_rows D_i^-1/2 V V^T D_i^1/2``.
    Unlike PureSVD's ``V V^T`` on raw counts, the normalisation keeps popular items from
    owning the top singular vectors, and the last ``D_i^1/2`` gives popularity back at scoring.
    Memory: two items x rank arrays."""

    name = "lowpass"

    def __init__(self, *, rank: int = 32) -> None:
        self.params = {"rank": rank}
        self.project: np.ndarray | None = None
        self.lift: np.ndarray | None = None

    def fit(self, X: sp.csr_matrix) -> IdealLowPass:
        # Lazy: only training and evaluation need the sparse SVD solver.
        from scipy.sparse.linalg import svds

        X = sp.csr_matrix(X, dtype=np.float64)
        X.data[:] = 1.0
        user_degree = np.asarray(X.sum(axis=1)).ravel()
        item_degree = np.asarray(X.sum(axis=0)).ravel()
        user_degree[user_degree == 0] = 1.0
        item_degree[item_degree == 0] = 1.0
        normalised = sp.diags(user_degree**-0.5) @ X @ sp.diags(item_degree**-0.5)
        rank = max(1, min(int(self.params["rank"]), min(X.shape) - 1))
        # A fixed start vector keeps ARPACK (and so the evaluation) deterministic.
        _, _, vt = svds(normalised, k=rank, random_state=0)
        self.project = np.ascontiguousarray(vt.T * item_degree[:, None] ** -0.5, dtype=np.float32)
        self.lift = np.ascontiguousarray(vt * item_degree[None, :] ** 0.5, dtype=np.float32)
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        X_rows = sp.csr_matrix(X_rows, dtype=np.float32)
        X_rows.data[:] = 1.0
        return np.asarray((X_rows @ self.project) @ self.lift, dtype=np.float32)


def cell_weights(X: sp.csr_matrix, weights: sp.csr_matrix, rows: np.ndarray) -> sp.csr_matrix:
    """``X[rows]`` with each stored cell's value read from ``weights`` (learners x items, the
    index space of ``X``) at the same learner and item; a cell ``weights`` lacks (or holds 0)
    reads 1, so without a value a cell keeps its plain weight."""
    picked = sp.csr_matrix(X[rows], dtype=np.float32)
    picked.sort_indices()
    if picked.nnz == 0:
        return picked
    learners = np.repeat(np.asarray(rows), np.diff(picked.indptr))
    values = np.asarray(sp.csr_matrix(weights)[learners, picked.indices], dtype=np.float32).ravel()
    picked.data = np.where(values > 0, values, np.float32(1.0)).astype(np.float32)
    return picked


def _rowwise_dot(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", left, right)


def _ials_solve(
    X: sp.csr_matrix,
    factors: np.ndarray,
    start: np.ndarray,
    *,
    reg: float,
    alpha: float,
    steps: int,
    n_unobserved: int,
    confidence: np.ndarray | None = None,
) -> np.ndarray:
    """Each row's factors given the other side's ``factors``, by ``steps`` of conjugate
    gradient run for every row at once: row i solves
    ``(F^T F + alpha F_i^T F_i + lambda_i I) u = (1 + alpha) F_i^T 1`` (F_i: the factors of
    the row's items; every cell weighs 1, an observed one 1 + alpha with target 1), with
    ``lambda_i = reg (|row i| + n_unobserved)``, the frequency-scaled regularization of
    Rendle et al. (2022). One step costs a dense ``rows x d x d`` product plus two sparse
    products over the nonzeros: no ``d x d`` system per row is formed. ``confidence`` (one
    value per stored cell of ``X``, in its order) scales alpha cell by cell: an observed cell
    then weighs ``1 + alpha c`` (Hu et al.'s confidence); ``None`` is c = 1 everywhere."""
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    lam = (reg * (np.diff(X.indptr) + n_unobserved)).astype(np.float32)[:, None]
    gram = factors.T @ factors
    alpha32 = np.float32(alpha)

    def apply(P: np.ndarray) -> np.ndarray:
        along = _rowwise_dot(factors[X.indices], P[rows])
        if confidence is not None:
            along *= confidence
        observed = sp.csr_matrix((along, X.indices, X.indptr), shape=X.shape) @ factors
        return P @ gram + alpha32 * observed + lam * P

    if confidence is None:
        ones = sp.csr_matrix((np.ones(X.nnz, dtype=np.float32), X.indices, X.indptr), shape=X.shape)
        target = np.float32(1.0 + alpha) * (ones @ factors)
    else:
        weighted = np.float32(1.0) + alpha32 * confidence
        target = sp.csr_matrix((weighted, X.indices, X.indptr), shape=X.shape) @ factors
    solution = start.copy()
    residual = target - apply(solution)
    direction = residual.copy()
    norm = _rowwise_dot(residual, residual)
    for _ in range(steps):
        moved = apply(direction)
        step = norm / np.maximum(_rowwise_dot(direction, moved), np.float32(1e-30))
        solution += step[:, None] * direction
        residual -= step[:, None] * moved
        new_norm = _rowwise_dot(residual, residual)
        direction = residual + (new_norm / np.maximum(norm, np.float32(1e-30)))[:, None] * direction
        norm = new_norm
    return solution


class IALS(Algorithm):
    """Implicit alternating least squares (Hu, Koren & Volinsky 2008), as revisited by Rendle
    et al. (2022, "Revisiting the performance of iALS on item recommendation benchmarks"):
    every cell of the learners x items matrix is fitted (observed ones to 1 with weight
    1 + alpha, the rest to 0 with weight 1), regularization scaled by frequency, each side
    solved by a few conjugate-gradient steps warm-started from the last sweep (NumPy and
    SciPy only, vectorized over rows). A learner is scored by folding in their row (the
    user-side solve against the item factors), so any history can be scored, new or not.
    Memory: (learners + items) x ``factors`` floats; time per sweep grows with the number of
    interactions times ``factors``, plus (learners + items) x ``factors``^2."""

    name = "ials"

    def __init__(
        self,
        *,
        factors: int = 64,
        reg: float = 0.01,
        alpha: float = 1.0,
        iterations: int = 10,
        seed: int = 0,
        confidence: sp.csr_matrix | None = None,
    ) -> None:
        self.params = {"factors": factors, "reg": reg, "alpha": alpha, "iterations": iterations}
        if confidence is not None:
            # Only named when used, so the JSON of a plain iALS is unchanged.
            self.params["confidence"] = "per cell"
        self.seed = seed
        # Learners x items: each observed cell's multiplier of alpha (the fit and the fold-in
        # read the cells of the rows they are given; a cell it lacks counts 1).
        self.confidence = confidence
        self.item_factors: np.ndarray | None = None

    CG_STEPS = 3
    FOLD_IN_STEPS = 8

    def fit(self, X: sp.csr_matrix) -> IALS:
        X = sp.csr_matrix(X, dtype=np.float32)
        X.data[:] = 1.0
        n_users, n_items = X.shape
        d = int(self.params["factors"])
        reg, alpha = float(self.params["reg"]), float(self.params["alpha"])
        rng = np.random.default_rng(self.seed)
        scale = 0.1 / np.sqrt(d)
        users = rng.normal(0.0, scale, (n_users, d)).astype(np.float32)
        items = rng.normal(0.0, scale, (n_items, d)).astype(np.float32)
        by_user = by_item = None
        X_t = X.T.tocsr()
        if self.confidence is not None:
            # The confidences in the order of X's cells and of its transpose's cells.
            weighted = cell_weights(X, self.confidence, np.arange(n_users))
            weighted_t = weighted.T.tocsr()
            by_user, by_item = weighted.data, weighted_t.data
            X, X_t = weighted.copy(), weighted_t.copy()
            X.data[:] = 1.0
            X_t.data[:] = 1.0
        # Both sides are regularized on the item count (not the learner count for items):
        # on MovieLens-100k validation this beat the per-side counts by 0.015 nDCG@10.
        for _ in range(int(self.params["iterations"])):
            users = _ials_solve(
                X,
                items,
                users,
                reg=reg,
                alpha=alpha,
                steps=self.CG_STEPS,
                n_unobserved=n_items,
                confidence=by_user,
            )
            items = _ials_solve(
                X_t,
                users,
                items,
                reg=reg,
                alpha=alpha,
                steps=self.CG_STEPS,
                n_unobserved=n_items,
                confidence=by_item,
            )
        self.item_factors = items
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return self._fold_in(X_rows, None)

    def score_rows(self, X: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
        # With confidences the fold-in needs the learners' own cells (their ratings).
        if self.confidence is None:
            return self.score(X[rows])
        weighted = cell_weights(X, self.confidence, np.asarray(rows))
        return self._fold_in(weighted, weighted.data)

    def _fold_in(self, X_rows: sp.csr_matrix, confidence: np.ndarray | None) -> np.ndarray:
        # A copy: the caller's matrix (and the confidences it may hold) stays as it was.
        X_rows = sp.csr_matrix(X_rows, dtype=np.float32, copy=True)
        X_rows.data[:] = 1.0
        items = self.item_factors
        users = _ials_solve(
            X_rows,
            items,
            np.zeros((X_rows.shape[0], items.shape[1]), dtype=np.float32),
            reg=float(self.params["reg"]),
            alpha=float(self.params["alpha"]),
            steps=self.FOLD_IN_STEPS,
            n_unobserved=items.shape[0],
            confidence=confidence,
        )
        return np.asarray(users @ items.T, dtype=np.float32)


class RP3beta(Algorithm):
    """The graph model RP3beta (Paudel et al. 2017, as tuned by Dacrema et al. 2019): the
    probability of a three-step random walk item -> learner -> item, each step raised to
    ``alpha``, divided by the popularity of the target item to the power ``beta``, only
    each item's top ``k`` neighbours kept. Sparse like item-kNN, so it has no catalog
    limit: its cost follows the sum over learners of their history squared."""

    name = "rp3beta"

    def __init__(self, *, alpha: float = 1.0, beta: float = 0.5, k: int = 200) -> None:
        self.params = {"alpha": alpha, "beta": beta, "k": k}
        self.similarity: sp.csr_matrix | None = None

    def fit(self, X: sp.csr_matrix) -> RP3beta:
        X = sp.csr_matrix(X, dtype=np.float32)
        user_degree = np.asarray(X.sum(axis=1), dtype=np.float32).ravel()
        item_degree = np.asarray(X.sum(axis=0), dtype=np.float32).ravel()
        user_degree[user_degree == 0] = 1.0
        item_degree[item_degree == 0] = 1.0
        alpha, beta = float(self.params["alpha"]), float(self.params["beta"])
        # item -> learner (column-normalized) and learner -> item (row-normalized) steps.
        to_user = sp.csr_matrix(X @ sp.diags(1.0 / item_degree))
        to_item = sp.csr_matrix(sp.diags(1.0 / user_degree) @ X)
        if alpha != 1.0:
            to_user.data = np.power(to_user.data, alpha, dtype=np.float32)
            to_item.data = np.power(to_item.data, alpha, dtype=np.float32)
        penalty = np.power(item_degree, -beta, dtype=np.float32)

        def popularity_penalty(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
            return values * penalty[cols]

        rows = sparse_top_k_similarity(
            to_user, to_item, k=int(self.params["k"]), transform=popularity_penalty
        )
        self.similarity = rows.T.tocsr()
        return self

    def score(self, X_rows: sp.csr_matrix) -> np.ndarray:
        return np.asarray((X_rows @ self.similarity).toarray(), dtype=np.float32)

    def sparse_score(self, X_rows: sp.csr_matrix) -> sp.csr_matrix:
        """Only the candidates a learner's history reaches (about history x k per row)."""
        return (sp.csr_matrix(X_rows, dtype=np.float32) @ self.similarity).tocsr()


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

    def sparse_score(self, X_rows: sp.csr_matrix) -> sp.csr_matrix:
        """Only the candidates a learner's history reaches (about history x k per row)."""
        return (sp.csr_matrix(X_rows, dtype=np.float32) @ self.similarity).tocsr()


@dataclass
class Hybrid(Algorithm):
    """A weighted sum of its parts' row-normalized scores. The weights come from
    ``validation.tune_hybrid_weights`` on a validation split."""

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

    def score_rows(self, X: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
        # The same sum, each part scored through score_rows (a part may need the learners).
        total = np.zeros((len(rows), X.shape[1]), dtype=np.float32)
        for part, weight in zip(self.parts, self.weights, strict=True):
            if weight != 0:
                total += row_normalize(part.score_rows(X, rows)) * np.float32(weight)
        return total

    def describe(self) -> dict:
        return {
            "algorithm": self.name,
            "parts": [part.describe() for part in self.parts],
            "weights": [float(w) for w in self.weights],
        }


def collaborative_model(*, n_items: int, ease_lambda: float, ease_max_items: int, knn_k: int) -> Algorithm:
    """EASE while the catalog fits in memory, RP3beta (sparse) above the limit."""
    if n_items <= ease_max_items:
        return EASE(lambda_=ease_lambda, max_items=ease_max_items)
    return RP3beta(k=knn_k)
