"""The sparse top-k / top-N helpers give exactly the lists of a dense reference (no database).

Scores are drawn from a few values so ties are common; the dense reference breaks them the
documented way (lower tie-break rank first), so any difference is a bug, not noise."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.algorithms import ItemKNN
from recommender.topn import (
    iter_top_n,
    popularity_order,
    sparse_top_k_similarity,
    top_k_positions,
    top_n_sparse,
)


def random_sparse(rng, n_rows, n_cols, density, values=(0.5, 1.0, 2.0, 3.0)) -> sp.csr_matrix:
    dense = rng.choice(np.array(values, dtype=np.float32), size=(n_rows, n_cols))
    dense[rng.random((n_rows, n_cols)) >= density] = 0
    return sp.csr_matrix(dense)


def dense_top_n(scores, n, *, exclude=None, rank=None, fill=False):
    """Sort every row of the dense matrix by (score descending, rank ascending); excluded cells
    never appear; cells that are not positive appear (score 0) only when filling."""
    dense = scores.toarray().astype(np.float32)
    n_items = dense.shape[1]
    rank = np.arange(n_items) if rank is None else rank
    if exclude is not None:
        dense[exclude.toarray() != 0] = -np.inf
    dense[np.isfinite(dense) & (dense <= 0)] = 0.0 if fill else -np.inf
    lists = []
    for row in dense:
        order = np.lexsort((rank, -row))
        order = order[np.isfinite(row[order])][:n]
        lists.append((order.tolist(), row[order].tolist()))
    return lists


def as_lists(items, scores):
    return [
        (row_items[np.isfinite(row_scores)].tolist(), row_scores[np.isfinite(row_scores)].tolist())
        for row_items, row_scores in zip(items, scores, strict=True)
    ]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n", [1, 3, 10, 80])
def test_top_n_sparse_equals_the_dense_reference(seed, n):
    # given: random scores with many ties, random exclusions and a random tie-break order
    rng = np.random.default_rng(seed)
    n_rows, n_items = int(rng.integers(1, 40)), int(rng.integers(1, 60))
    scores = random_sparse(rng, n_rows, n_items, density=rng.uniform(0.0, 0.9))
    exclude = random_sparse(rng, n_rows, n_items, density=rng.uniform(0.0, 0.5), values=(1.0,))
    rank = rng.permutation(n_items)
    fill = np.argsort(rank)

    # when
    plain = as_lists(*top_n_sparse(scores, n, exclude=exclude))
    ranked = as_lists(*top_n_sparse(scores, n, exclude=exclude, tiebreak=rank))
    filled = as_lists(*top_n_sparse(scores, n, exclude=exclude, tiebreak=rank, fill=fill))

    # then
    assert plain == dense_top_n(scores, n, exclude=exclude)
    assert ranked == dense_top_n(scores, n, exclude=exclude, rank=rank)
    assert filled == dense_top_n(scores, n, exclude=exclude, rank=rank, fill=True)


def test_top_n_sparse_marks_empty_slots_and_leaves_its_input_alone():
    # given: row 0 has one candidate; row 1 owns every item
    scores = sp.csr_matrix(np.array([[0, 2, 0], [1, 1, 1]], dtype=np.float32))
    exclude = sp.csr_matrix(np.array([[0, 0, 0], [1, 1, 1]], dtype=np.float32))
    before = scores.toarray().copy()

    # when
    items, top = top_n_sparse(scores, 3, exclude=exclude, fill=np.array([2, 0, 1]))

    # then
    assert items[0].tolist() == [1, 2, 0]
    assert top[0].tolist() == [2.0, 0.0, 0.0]
    assert np.isneginf(top[1]).all()
    assert np.array_equal(scores.toarray(), before)


@pytest.mark.parametrize("seed", range(8))
def test_top_k_positions_gives_the_same_order_with_the_wide_key_fallback(seed):
    # given: ranks so large that row, value and rank no longer fit in one 64-bit key
    rng = np.random.default_rng(seed)
    matrix = random_sparse(rng, 30, 50, density=0.6)
    rank = rng.permutation(50).astype(np.uint64)

    # when
    narrow = top_k_positions(matrix.indptr, matrix.data, matrix.indices, 7, column_rank=rank)
    wide = top_k_positions(
        matrix.indptr, matrix.data, matrix.indices, 7, column_rank=rank * np.uint64(1 << 40)
    )

    # then
    assert all(np.array_equal(a, b) for a, b in zip(narrow, wide, strict=True))


def dense_top_k_similarity(left, right, k, transform=None):
    product = (left.T @ right).toarray().astype(np.float32)
    if transform is not None:
        rows, cols = np.indices(product.shape)
        product = transform(product.ravel(), rows.ravel(), cols.ravel()).reshape(product.shape)
    np.fill_diagonal(product, 0)
    kept = np.zeros_like(product)
    for i, row in enumerate(product):
        order = np.lexsort((np.arange(row.size), -row))
        order = order[row[order] > 0][:k]
        kept[i, order] = row[order]
    return kept


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("k", [1, 4, 30])
def test_sparse_top_k_similarity_equals_the_dense_reference_in_small_blocks(seed, k):
    # given: tiny blocks so the item range is cut many times
    rng = np.random.default_rng(seed)
    X = random_sparse(rng, int(rng.integers(2, 80)), int(rng.integers(2, 40)), density=0.3)

    # when
    sparse = sparse_top_k_similarity(X, X, k=k, block_work=int(rng.integers(1, 200)))

    # then
    assert np.array_equal(sparse.toarray(), dense_top_k_similarity(X, X, k))


@pytest.mark.parametrize("seed", range(6))
def test_item_knn_keeps_the_top_k_of_the_dense_cosine(seed):
    # given: binary data (many equal similarities) and a shrink term
    rng = np.random.default_rng(seed)
    X = random_sparse(rng, 120, 35, density=0.2, values=(1.0,))
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel()).astype(np.float32)
    norms[norms == 0] = 1.0

    def cosine(values, rows, cols):
        return values / (norms[rows] * norms[cols] + np.float32(5.0))

    # when
    model = ItemKNN(k=6, shrink=5.0).fit(X)

    # then: rows of the fitted matrix (transposed back) are each item's neighbours
    assert np.array_equal(model.similarity.T.toarray(), dense_top_k_similarity(X, X, 6, cosine))


@pytest.mark.parametrize("seed", range(6))
def test_item_knn_lists_equal_the_dense_scores_ranked_by_popularity_on_ties(seed):
    # given: learners with short histories so some have fewer candidates than n
    rng = np.random.default_rng(seed)
    X = random_sparse(rng, 70, 40, density=0.08, values=(1.0,))
    model = ItemKNN(k=3, shrink=0.0).fit(X)
    _fill, rank = popularity_order(X)

    # when
    lists = [
        pair
        for _users, items, scores in iter_top_n(model, X, n=12, batch_size=16)
        for pair in as_lists(items, scores)
    ]

    # then
    expected = dense_top_n(sp.csr_matrix(model.score(X)), 12, exclude=X, rank=rank, fill=True)
    assert lists == expected
    assert any(0.0 in scores for _, scores in lists)  # some learners were filled
