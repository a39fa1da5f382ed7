"""Top-N selection on sparse and dense scores, in blocks: the part of the recommender that
turns similarities and scores into each learner's best items without an items x items or
learners x items block (see ``algorithms`` for the models that produce them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # the models import this module
    from .algorithms import Algorithm

DEFAULT_BATCH_SIZE = 2048


def row_normalize(scores: np.ndarray) -> np.ndarray:
    """Divide each row by its maximum so models with different scales can be blended."""
    top = scores.max(axis=1, keepdims=True)
    top[top <= 0] = 1.0
    return scores / top


# --- Sparse top-k ---------------------------------------------------------------------------
#
# Both the neighbours of an item (fit) and a learner's list (scoring) are "the best k entries
# of each row of a sparse matrix". Rows are never densified: each row's k-th largest value is
# found with ``np.partition`` on rows grouped by length, everything at or above it is kept,
# and only that small set is sorted (score descending, then a tie-break rank ascending), so
# the cost is linear in the number of nonzeros and ties are broken exactly.

# Upper bound on the nonzeros of one block of the item-item product (memory stays ~100 MB).
DEFAULT_BLOCK_WORK = 1 << 23


def _kth_largest(indptr: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """Each row's k-th largest value, or 0 for rows with at most ``k`` entries. Rows longer
    than ``k`` are grouped by length (powers of two) and laid out as a dense block as wide as
    the group's longest row (zero-padded: values are positive), so the padding at most
    doubles the work."""
    counts = np.diff(indptr)
    threshold = np.zeros(counts.size, dtype=np.float32)
    heavy_rows = np.flatnonzero(counts > k)
    if heavy_rows.size == 0:
        return threshold
    index_type = np.int32 if values.size < np.iinfo(np.int32).max else np.int64
    # Entry j of a row goes to column j: the rows as a left-aligned ragged matrix.
    local = np.arange(values.size, dtype=index_type) - np.repeat(indptr[:-1], counts).astype(index_type)
    ragged = sp.csr_matrix((values, local, indptr), shape=(counts.size, int(counts.max())))
    group = np.ceil(np.log2(counts[heavy_rows] / k)).astype(np.int64)
    for value in np.unique(group):
        rows = heavy_rows[group == value]
        width = int(counts[rows].max())
        part = ragged if rows.size == counts.size else ragged[rows]
        block = sp.csr_matrix((part.data, part.indices, part.indptr), shape=(rows.size, width)).toarray()
        # The k-th largest is the (width - k)-th smallest.
        threshold[rows] = np.partition(block, width - k, axis=1)[:, width - k]
    return threshold


def top_k_positions(
    indptr: np.ndarray,
    values: np.ndarray,
    columns: np.ndarray,
    k: int,
    *,
    column_rank: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into ``values``) of the ``k`` best entries of every CSR row and their rows,
    ordered by row, then value descending, then ``column_rank[column]`` ascending (by default
    the column itself). ``values`` must be positive float32; columns are unique in a row."""
    indptr = np.asarray(indptr, dtype=np.int64)
    if k <= 0 or values.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    counts = np.diff(indptr)
    threshold = _kth_largest(indptr, values, k)
    # Everything at or above the row's k-th value: k entries per long row, more on ties.
    chosen = np.flatnonzero(values >= np.repeat(threshold, counts))
    rows_of = np.searchsorted(indptr, chosen, side="right") - 1
    ranks = (columns[chosen] if column_rank is None else column_rank[columns[chosen]]).astype(np.uint64)
    # The bit patterns of positive floats sort like the floats, so one integer key orders
    # exactly by (row, value descending, rank) when the three fit in 64 bits.
    flipped = (
        np.uint32(0xFFFFFFFF) - np.ascontiguousarray(values[chosen], np.float32).view(np.uint32)
    ).astype(np.uint64)
    row_bits = int(counts.size - 1).bit_length()
    rank_bits = int(ranks.max()).bit_length()
    if row_bits + 32 + rank_bits <= 64:
        key = (
            (rows_of.astype(np.uint64) << np.uint64(32 + rank_bits))
            | (flipped << np.uint64(rank_bits))
            | ranks
        )
        order = np.argsort(key)
    else:
        order = np.lexsort((ranks, flipped, rows_of))
    chosen, rows_of = chosen[order], rows_of[order]
    # Ties at the threshold can leave more than k: keep each row's first k.
    first = np.searchsorted(rows_of, rows_of, side="left")
    keep = np.arange(chosen.size) - first < k
    return chosen[keep], rows_of[keep]


def _item_blocks(left_t: sp.csr_matrix, right: sp.csr_matrix, block_work: int) -> Iterator[tuple[int, int]]:
    """Row ranges of ``left_t`` whose product with ``right`` has at most about
    ``block_work`` terms (an upper bound on its nonzeros)."""
    n_rows = left_t.shape[0]
    right_lengths = np.diff(right.indptr).astype(np.float64)
    row_of = np.repeat(np.arange(n_rows), np.diff(left_t.indptr))
    work = np.bincount(row_of, weights=right_lengths[left_t.indices], minlength=n_rows)
    done = np.concatenate([[0.0], np.cumsum(work)])
    start = 0
    while start < n_rows:
        stop = int(np.searchsorted(done, done[start] + block_work, side="right")) - 1
        stop = min(max(stop, start + 1), n_rows)
        yield start, stop
        start = stop


def sparse_top_k_similarity(
    left: sp.csr_matrix,
    right: sp.csr_matrix,
    *,
    k: int,
    transform: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
    block_work: int = DEFAULT_BLOCK_WORK,
) -> sp.csr_matrix:
    """``left.T @ right`` (items x items) with the diagonal removed and only each row's top
    ``k`` positive entries kept (ties: lower column first). The product stays sparse: it
    costs the sum over shared rows of the pairs they hold, never items x items, and is
    computed in blocks of items bounded by ``block_work`` terms. ``transform(values, rows,
    cols)`` rescales the raw products (e.g. to cosine) before the cut."""
    left_t = sp.csr_matrix(left, dtype=np.float32).T.tocsr()
    right = sp.csr_matrix(right, dtype=np.float32)
    n_rows, n_cols = left_t.shape[0], right.shape[1]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    indices, data = [], []
    for start, stop in _item_blocks(left_t, right, block_work):
        block = (left_t[start:stop] @ right).tocsr()
        rows = np.repeat(np.arange(start, stop), np.diff(block.indptr))
        values = block.data.astype(np.float32, copy=False)
        if transform is not None:
            values = np.asarray(transform(values, rows, block.indices), dtype=np.float32)
        keep = (values > 0) & np.isfinite(values) & (block.indices != rows)
        rows, cols, values = rows[keep], block.indices[keep], values[keep]
        kept_indptr = np.concatenate([[0], np.cumsum(np.bincount(rows - start, minlength=stop - start))])
        positions, top_rows = top_k_positions(kept_indptr, values, cols, k)
        indptr[start + 1 : stop + 1] = np.bincount(top_rows, minlength=stop - start)
        indices.append(cols[positions])
        data.append(values[positions])
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, dtype=np.float32),
            np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
            np.cumsum(indptr),
        ),
        shape=(n_rows, n_cols),
    )


def top_n_sparse(
    scores: sp.csr_matrix,
    n: int,
    *,
    exclude: sp.csr_matrix | None = None,
    tiebreak: np.ndarray | None = None,
    fill: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's ``n`` best items of a sparse score matrix, best first (ties: smaller
    ``tiebreak`` rank first, by default the lower column), skipping the cells of ``exclude``
    and entries that are not positive. Rows with fewer candidates are padded, score 0,
    with the first items of ``fill`` (an item order, e.g. by popularity) that are neither
    candidates nor excluded; slots still empty get item 0 and score ``-inf``. The result
    equals sorting a dense row whose other cells are 0 when ``fill`` is ``tiebreak``'s
    order. Costs O(nonzeros), never rows x items."""
    # A private copy: non-candidates are dropped in place below.
    scores = sp.csr_matrix(scores, dtype=np.float32, copy=True)
    n_rows, n_items = scores.shape
    n = max(min(n, n_items), 0)
    items = np.zeros((n_rows, n), dtype=np.int64)
    top_scores = np.full((n_rows, n), -np.inf, dtype=np.float32)
    if n == 0:
        return items, top_scores
    if exclude is not None:
        exclude = sp.csr_matrix(exclude)
        if exclude.nnz:
            # One sparse subtraction: excluded cells become -inf and fall out below.
            blocked = sp.csr_matrix(
                (np.full(exclude.nnz, np.inf, dtype=np.float32), exclude.indices, exclude.indptr),
                shape=exclude.shape,
            )
            scores = (scores - blocked).tocsr()
    # Excluded (-inf) and non-positive cells are no candidates.
    scores.data[~(scores.data > 0)] = 0
    scores.eliminate_zeros()
    indptr, cols, values = scores.indptr.astype(np.int64), scores.indices, scores.data
    counts = np.diff(indptr)
    column_rank = None if tiebreak is None else np.asarray(tiebreak)
    positions, top_rows = top_k_positions(indptr, values, cols, n, column_rank=column_rank)
    listed = np.minimum(counts, n)
    first = np.concatenate([[0], np.cumsum(listed)[:-1]])
    slot = np.arange(positions.size) - first[top_rows]
    items[top_rows, slot] = cols[positions]
    top_scores[top_rows, slot] = values[positions]
    short = np.flatnonzero(listed < n)
    if fill is None or short.size == 0:
        return items, top_scores
    # Padding: per short row, the first ``fill`` items that are neither listed nor excluded.
    # Only the head of ``fill`` can be needed: n plus the row's blocked items.
    blocked_rows = sp.csr_matrix((np.ones(cols.size, dtype=bool), cols, indptr), shape=(n_rows, n_items))[
        short
    ]
    if exclude is not None and exclude.nnz:
        blocked_rows = (blocked_rows + exclude[short].astype(bool)).tocsr()
    width = int(min(n_items, n + np.diff(blocked_rows.indptr).max(initial=0)))
    head = np.asarray(fill, dtype=np.int64)[:width]
    place = np.full(n_items, -1, dtype=np.int64)
    place[head] = np.arange(head.size)
    taken = np.zeros((short.size, head.size), dtype=bool)
    short_row = np.repeat(np.arange(short.size), np.diff(blocked_rows.indptr))
    at = place[blocked_rows.indices]
    taken[short_row[at >= 0], at[at >= 0]] = True
    free = ~taken
    order = np.cumsum(free, axis=1)
    need = n - listed[short]
    pad_row, pad_col = np.nonzero(free & (order <= need[:, None]))
    target = short[pad_row]
    pad_slot = listed[target] + order[pad_row, pad_col] - 1
    items[target, pad_slot] = head[pad_col]
    top_scores[target, pad_slot] = 0.0
    return items, top_scores


def popularity_order(X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Items by number of learners, most first (ties: lower index), and each item's rank
    in that order (the tie-break of ``top_n_sparse``)."""
    counts = np.asarray((X > 0).sum(axis=0)).ravel()
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return order, rank


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
    come back with score ``-inf`` so callers can drop them. Sparse models (item-kNN, content)
    list only the candidates a user's history reaches and fill short lists with popular
    items at score 0, which is what ranking their dense score rows would give."""
    users = np.arange(X.shape[0]) if users is None else np.asarray(users)
    exclude = X if exclude is None else exclude
    sparse_model = hasattr(model, "sparse_score")
    if sparse_model:
        # Learners with too few candidates are filled with popular items, as a dense row of
        # zeros would be; popularity also breaks ties.
        fill, tiebreak = popularity_order(X)
    if not sparse_model:
        # A dense block is batch x items: bounded (64 MB of float32) whatever the catalog.
        batch_size = max(1, min(batch_size, (1 << 24) // max(X.shape[1], 1)))
    for start in range(0, users.size, batch_size):
        batch = users[start : start + batch_size]
        if sparse_model:
            # No rows x items block: only the candidates each learner's history reaches.
            items, top_scores = top_n_sparse(
                model.sparse_score(X[batch]), n, exclude=exclude[batch], tiebreak=tiebreak, fill=fill
            )
            yield batch, items, top_scores
            continue
        scores = model.score_rows(X, batch)
        mask_rows(scores, exclude[batch])
        items, top_scores = top_n_from_scores(scores, n)
        yield batch, items, top_scores
