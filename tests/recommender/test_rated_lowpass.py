"""GF-CF's ideal low-pass filter, ratings as weights (``recommender/rated.py``, iALS's per-cell
confidence) and ``lowpass_ials``'s tuning, on small matrices (no database)."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.algorithms import EASE, IALS, IdealLowPass, cell_weights
from recommender.evaluation import _lowpass_ials
from recommender.rated import RatedHistory, rating_weights
from recommender.ratings import load_ratings
from recommender.timed import ActivityWindow
from recommender.validation import validation_folds

from .test_algorithms import planted_matrix


def _binary(seed: int, shape=(9, 7), density=0.45) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = (rng.random(shape) < density).astype(np.float32)
    dense[np.arange(shape[0]), rng.integers(0, shape[1], shape[0])] = 1.0  # no empty learner
    dense[rng.integers(0, shape[0], shape[1]), np.arange(shape[1])] = 1.0  # no empty item
    return sp.csr_matrix(dense)


def test_ideal_low_pass_is_the_normalised_top_singular_subspace_with_popularity_given_back():
    # given: a small binary matrix and the textbook filter from a dense SVD
    X = _binary(seed=1)
    dense = X.toarray().astype(np.float64)
    users, items = dense.sum(axis=1), dense.sum(axis=0)
    normalised = dense / np.sqrt(users)[:, None] / np.sqrt(items)[None, :]
    _, _, vt = np.linalg.svd(normalised)
    top = vt[:3]
    expected = (dense / np.sqrt(items)[None, :]) @ top.T @ top * np.sqrt(items)[None, :]

    # when
    scores = IdealLowPass(rank=3).fit(X).score(X)

    # then: the same scores (a singular vector's sign cancels in V V^T)
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-5)


def test_ials_confidence_solves_the_per_cell_weighted_least_squares():
    # given: item factors and one learner whose cells have confidences 1.25 and 0.25
    matrix, _ = planted_matrix(n_users=30, per_user=5, seed=4)
    row_index = 7
    owned = matrix[row_index].indices
    values = np.where(np.arange(owned.size) % 2 == 0, 1.25, 0.25).astype(np.float32)
    confidence = sp.csr_matrix((values, ([row_index] * owned.size, owned)), shape=matrix.shape)
    model = IALS(factors=6, reg=0.01, alpha=2.0, iterations=4, confidence=confidence).fit(matrix)
    items = model.item_factors.astype(np.float64)
    c = values.astype(np.float64)
    lam = 0.01 * (owned.size + items.shape[0])
    system = items.T @ items + 2.0 * (items[owned].T * c) @ items[owned] + lam * np.eye(6)
    exact = np.linalg.solve(system, ((1.0 + 2.0 * c)[:, None] * items[owned]).sum(axis=0))

    # when: the learner is folded in by conjugate gradient (as many steps as factors)
    model.FOLD_IN_STEPS = 6
    scores = model.score_rows(matrix, np.array([row_index]))

    # then
    np.testing.assert_allclose(scores[0], items @ exact, rtol=1e-3, atol=1e-4)


def test_ials_with_unit_confidence_is_plain_ials_and_low_confidence_changes_it():
    matrix, _ = planted_matrix(seed=6)
    rows = np.arange(6)
    plain = IALS(factors=8, seed=1).fit(matrix).score(matrix[rows])
    ones = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    ones.data[:] = 1.0
    unit = IALS(factors=8, seed=1, confidence=ones).fit(matrix).score_rows(matrix, rows)
    np.testing.assert_allclose(unit, plain, rtol=1e-5, atol=1e-6)
    low = ones.copy()
    low.data[::2] = 0.25
    lowered = IALS(factors=8, seed=1, confidence=low).fit(matrix).score_rows(matrix, rows)
    assert not np.allclose(lowered, plain, atol=1e-4)
    assert IALS(confidence=ones).describe()["confidence"] == "per cell"
    assert "confidence" not in IALS().describe()


def test_rating_weights_split_liked_cells_and_cell_weights_read_them_by_learner():
    # given: learner 0 rated item 0 five stars and item 1 three; learner 2 rated item 2 four;
    # learner 2's item 0 has no rating
    ratings = sp.csr_matrix(
        (np.array([5.0, 3.0, 4.0], dtype=np.float32), ([0, 0, 2], [0, 1, 2])), shape=(3, 3)
    )
    X = sp.csr_matrix(np.array([[1, 1, 0], [0, 0, 0], [1, 0, 1]], dtype=np.float32))

    # when
    weights = rating_weights(ratings, liked=1.5, other=1.0)
    picked = cell_weights(X, weights, np.array([2, 0]))

    # then: liked cells 1.5, the others 1, an unrated cell 1; rows in the asked order
    np.testing.assert_array_equal(weights.toarray(), [[1.5, 1.0, 0], [0, 0, 0], [0, 0, 1.5]])
    np.testing.assert_array_equal(picked.toarray(), [[1.0, 0, 1.5], [1.5, 1.0, 0]])
    assert rating_weights(None, liked=1.5, other=1.0) is None


def test_rated_history_scores_the_weighted_history_with_the_binary_fit():
    X = _binary(seed=3, shape=(12, 8))
    rng = np.random.default_rng(0)
    stars = X.copy()
    stars.data = rng.integers(1, 6, X.nnz).astype(np.float32)
    weights = rating_weights(stars, liked=1.5, other=1.0)
    rows = np.array([4, 1, 9])

    model = RatedHistory(base=EASE(lambda_=2.0), weights=weights).fit(X)

    expected = EASE(lambda_=2.0).fit(X).score(cell_weights(X, weights, rows))
    np.testing.assert_allclose(model.score_rows(X, rows), expected, rtol=1e-5, atol=1e-6)
    unweighted = RatedHistory(base=EASE(lambda_=2.0), weights=None).fit(X)
    np.testing.assert_allclose(unweighted.score_rows(X, rows), EASE(lambda_=2.0).fit(X).score(X[rows]))
    assert not np.allclose(expected, unweighted.score_rows(X, rows))


def test_ratings_are_read_from_every_format_and_only_the_training_cells_reach_the_models(tmp_path):
    rows = [("u1", "a", 5, 100), ("u1", "b", 2, 101), ("u2", "a", 4, 102), ("u2", "c", 1, 103)]
    udata = tmp_path / "u.data"
    udata.write_text("".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows), encoding="utf-8")
    inter = tmp_path / "ml.inter"
    inter.write_text(
        "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
        + "".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in rows),
        encoding="utf-8",
    )
    csv = tmp_path / "ratings.csv"
    csv.write_text("user,item,rating\n" + "".join(f"{u},{i},{r}\n" for u, i, r, _t in rows), encoding="utf-8")
    for path in (udata, inter, csv):
        assert sorted(load_ratings(path).ratings.tolist()) == [1.0, 2.0, 4.0, 5.0]
    plain = tmp_path / "plain.csv"
    plain.write_text("user,item\nu1,i1\nu2,i1\n", encoding="utf-8")
    assert load_ratings(plain).ratings is None and load_ratings(plain).rating_matrix() is None

    data = load_ratings(inter)
    mask = np.array([True, False, True, False])
    matrix = data.rating_matrix(mask)
    assert matrix.nnz == 2 and sorted(matrix.data.tolist()) == [4.0, 5.0]
    # the relevance matrix of the evaluation stays binary-capable: weights are not ratings
    assert (data.weights == 1).all()


def test_lowpass_ials_builds_on_the_sessions_model_with_rating_weights_and_the_low_pass_part():
    # given: learners who each take courses of one group, rated 1 or 5 stars at random,
    # with times (one sitting per learner)
    matrix, _ = planted_matrix(n_users=90, per_user=8, seed=2)
    X = sp.csr_matrix(matrix, dtype=np.float32)
    rng = np.random.default_rng(3)
    stars = X.copy()
    stars.data = rng.choice([1.0, 5.0], size=X.nnz).astype(np.float32)
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    times = sp.csr_matrix(
        (1_000_000.0 + 10.0 * rows + np.arange(X.nnz) % 7, X.indices, X.indptr), shape=X.shape
    )
    folds = validation_folds(X, seed=42, n_folds=3)
    memo: dict = {"folds": folds}

    # when
    model = _lowpass_ials(
        X, folds, {"reg": 0.01}, k=5, timestamps=times, ratings=stars, ease_max_items=10_000, memo=memo
    )

    # then: the parts, weights summing to 1, and the validation score that chose them
    blend = model.base if isinstance(model, ActivityWindow) else model
    assert blend.params["parts"] == ["session_ease", "ials", "lowpass", "sequence"]
    assert sum(blend.weights) == pytest.approx(1.0, abs=1e-3)
    described = blend.describe()["parts"]
    assert described[0]["history"] == "rating-weighted" and described[1]["confidence"] == "per cell"
    assert 0 < memo["validation:lowpass_ials"] <= 1
    # the sessions model's lambda is scaled from the folds' size to the training part's
    fold_nnz = np.mean([fit.nnz for fit, _ in folds])
    tuned = memo["session_ease_folds"]["lambda_"]
    assert blend.parts[0].base.params["lambda"] == pytest.approx(tuned * X.nnz / fold_nnz, rel=1e-3)
    # and the model fits and scores every learner through score_rows
    fitted = model.fit(X)
    assert fitted.score_rows(X, np.arange(4)).shape == (4, X.shape[1])
