"""The nightly top-N list of every learner, a block of learners at a time.

A list is re-ranked from each learner's best candidates (``reranking.rerank_candidates``),
and the candidates come from sparse products whenever the model allows: item-kNN, RP3beta
and content similarity score a block of learners as ``X_rows @ S`` (about history x k
entries per learner), popularity adds the same term to every course (so only the head of
the popularity order can reach a list beside those entries). No learners x courses block
is made, whatever the catalog. Only a model with a dense part (EASE, at most
``ease_max_items`` courses) scores densely, in blocks bounded by ``DENSE_BLOCK_CELLS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .algorithms import Algorithm, Hybrid, Popularity
from .reranking import RerankConfig, explain_anchors, outside_candidates, rerank_candidates
from .topn import mask_rows, top_n_from_scores, top_n_sparse

# Largest dense score block (learners x courses) a dense model may make: 64 MB of float32.
DENSE_BLOCK_CELLS = 1 << 24


@dataclass
class ListBlock:
    rows: np.ndarray  # learner rows of X
    items: np.ndarray  # rows x n course indices; score -inf marks an empty slot
    scores: np.ndarray
    is_new: np.ndarray  # cross-domain picks
    anchors: np.ndarray  # the owned course that explains each item, or -1


def _parts(model: Algorithm) -> list[tuple[Algorithm, float]]:
    if isinstance(model, Hybrid):
        return [(part, float(weight)) for part, weight in zip(model.parts, model.weights, strict=True)]
    return [(model, 1.0)]


def is_sparse(model: Algorithm) -> bool:
    """Whether every weighted part scores sparsely (popularity counts as sparse: it is one
    vector added to every row)."""
    return all(
        weight == 0 or isinstance(part, Popularity) or hasattr(part, "sparse_score")
        for part, weight in _parts(model)
    )


def _row_max_normalize(scores: sp.csr_matrix) -> sp.csr_matrix:
    """``topn.row_normalize`` for sparse rows: each row divided by its maximum (the
    other cells are 0, as in the dense row)."""
    scores = sp.csr_matrix(scores, dtype=np.float32)
    counts = np.diff(scores.indptr)
    filled = counts > 0
    if not filled.any():
        return scores
    top = np.ones(counts.size, dtype=np.float32)
    top[filled] = np.maximum.reduceat(scores.data, scores.indptr[:-1][filled])
    top[top <= 0] = 1.0
    scores.data /= np.repeat(top, counts)
    return scores


class _SparseScorer:
    """Candidates of a block of learners from sparse products (see the module doc)."""

    def __init__(self, model: Algorithm, X: sp.csr_matrix, *, domains, n_domains, available, picks) -> None:
        self.X = X
        self.domains = domains
        self.available = available.astype(np.float32)
        self.parts = [(part, weight) for part, weight in _parts(model) if weight != 0]
        # A hybrid blends row-normalized parts; a single model's scores are kept as they are.
        self.normalize = isinstance(model, Hybrid)
        self.popularity_weight = sum(w for part, w in self.parts if isinstance(part, Popularity))
        counts = np.asarray((X > 0).sum(axis=0), dtype=np.float64).ravel()
        # Ties and padding follow popularity; unavailable courses never enter a list.
        order = np.lexsort((np.arange(counts.size), -counts))
        self.rank = np.empty_like(order)
        self.rank[order] = np.arange(order.size)
        self.fill = order[available[order]]
        popularity_parts = [part for part, _ in self.parts if isinstance(part, Popularity)]
        item_counts = popularity_parts[0].item_counts if popularity_parts else counts
        top = float(item_counts.max()) if item_counts.size else 0.0
        self.popularity_term = (
            (np.asarray(item_counts, dtype=np.float32) / np.float32(top if top > 0 else 1.0))
            * np.float32(self.popularity_weight)
            * self.available
        )
        # The best available courses of each field, for the cross-domain picks.
        self.domain_heads = np.full((n_domains, max(picks, 0)), -1, dtype=np.int64)
        fill_domains = domains[self.fill]
        for domain in range(n_domains):
            head = self.fill[fill_domains == domain][: self.domain_heads.shape[1]]
            self.domain_heads[domain, : head.size] = head

    def block(self, rows: np.ndarray, *, width: int, touched: np.ndarray):
        X_rows = self.X[rows]
        n_rows, n_items = X_rows.shape
        blended = sp.csr_matrix((n_rows, n_items), dtype=np.float32)
        for part, weight in self.parts:
            if isinstance(part, Popularity):
                continue
            part_scores = part.sparse_score(X_rows)
            if self.normalize:
                part_scores = _row_max_normalize(part_scores)
            blended = blended + part_scores * np.float32(weight)
        blended = sp.csr_matrix(blended @ sp.diags(self.available))
        # Popularity lifts every course by the same term: beside the entries above, only the
        # head of the popularity order can make a list (as many as the list needs plus what
        # the learner owns), and the head of each field a cross-domain pick. They are added
        # as explicit entries, then every entry gets the popularity term.
        owned = np.diff(X_rows.indptr)
        heads = self.domain_heads[self.domain_heads >= 0]
        if self.popularity_weight:
            heads = np.union1d(heads, self.fill[: width + int(owned.max(initial=0))])
        coo = blended.tocoo()
        blended = sp.csr_matrix(
            (
                np.concatenate([coo.data, np.zeros(n_rows * heads.size, dtype=np.float32)]),
                (
                    np.concatenate([coo.row, np.repeat(np.arange(n_rows), heads.size)]),
                    np.concatenate([coo.col, np.tile(heads, n_rows)]),
                ),
            ),
            shape=(n_rows, n_items),
        )
        blended.data += self.popularity_term[blended.indices]
        items, scores = top_n_sparse(blended, width, exclude=X_rows, tiebreak=self.rank, fill=self.fill)
        # Padding comes from ``fill`` at score 0, which is only right for available courses.
        scores[~self.available.astype(bool)[items]] = -np.inf
        # Courses in fields the learner never touched, for the cross-domain picks.
        picks = self.domain_heads.shape[1]
        entry_rows = np.repeat(np.arange(n_rows), np.diff(blended.indptr))
        untouched = ~touched[entry_rows, self.domains[blended.indices]]
        outside = sp.csr_matrix(
            (blended.data[untouched], (entry_rows[untouched], blended.indices[untouched])),
            shape=blended.shape,
        )
        out_items, out_scores = top_n_sparse(outside, picks, exclude=X_rows, tiebreak=self.rank)
        if not self.popularity_weight:
            # Without popularity the courses no product reaches score 0; a field's head
            # stands for them, after the scored ones and without repeating them.
            field_heads = self.domain_heads[None, :, :].repeat(n_rows, axis=0)
            usable = (field_heads >= 0) & ~touched[:, :, None]
            head_items = np.where(usable, field_heads, 0).reshape(n_rows, -1)
            head_scores = np.where(usable, 0.0, -np.inf).astype(np.float32).reshape(n_rows, -1)
            scored = np.where(np.isfinite(out_scores), out_items, -1)
            head_scores[(head_items[:, :, None] == scored[:, None, :]).any(axis=2)] = -np.inf
            merged_items = np.concatenate([out_items, head_items], axis=1)
            merged_scores = np.concatenate([out_scores, head_scores], axis=1)
            best = np.argsort(-merged_scores, axis=1, kind="stable")[:, :picks]
            out_items = np.take_along_axis(merged_items, best, axis=1)
            out_scores = np.take_along_axis(merged_scores, best, axis=1)
        return items, scores, out_items, out_scores


def iter_lists(
    model: Algorithm,
    X: sp.csr_matrix,
    *,
    domains: np.ndarray,
    available: np.ndarray,
    explanation: sp.csr_matrix,
    config: RerankConfig,
    batch_size: int,
) -> Iterator[ListBlock]:
    """Every learner's re-ranked list with its cross-domain picks and anchors, per block.
    ``domains`` is each course's dense field index, ``available`` which courses may be
    listed; owned courses never are."""
    X = sp.csr_matrix(X, dtype=np.float32)
    n_users, n_items = X.shape
    n_domains = int(domains.max()) + 1 if domains.size else 1
    item_domain = sp.csr_matrix(
        (np.ones(n_items, dtype=np.float32), (np.arange(n_items), domains)), shape=(n_items, n_domains)
    )
    n = min(config.n, n_items)
    width = min(max(n * config.candidate_factor, n), n_items)
    picks = max(config.cross_domain_picks, 0)
    sparse = is_sparse(model)
    scorer = (
        _SparseScorer(model, X, domains=domains, n_domains=n_domains, available=available, picks=picks)
        if sparse
        else None
    )
    step = batch_size if sparse else max(1, min(batch_size, DENSE_BLOCK_CELLS // max(n_items, 1)))
    unavailable = np.flatnonzero(~available)
    for start in range(0, n_users, step):
        rows = np.arange(start, min(start + step, n_users))
        X_rows = X[rows]
        touched = np.asarray((X_rows @ item_domain).todense()) > 0
        if scorer is not None:
            candidates, cand_scores, outside, outside_scores = scorer.block(
                rows, width=width, touched=touched
            )
        else:
            scores = model.score(X_rows)
            mask_rows(scores, X_rows)
            scores[:, unavailable] = -np.inf
            candidates, cand_scores = top_n_from_scores(scores, width)
            outside, outside_scores = outside_candidates(scores, domains=domains, touched=touched, n=picks)
            del scores
        items, item_scores, is_new = rerank_candidates(
            candidates,
            cand_scores,
            outside=outside,
            outside_scores=outside_scores,
            domains=domains,
            touched=touched,
            config=config,
            n_items=n_items,
        )
        anchors, _strength = explain_anchors(explanation, X_rows, items)
        yield ListBlock(rows=rows, items=items, scores=item_scores, is_new=is_new, anchors=anchors)
