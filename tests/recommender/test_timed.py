"""The models that read interaction times (``recommender/timed.py``) and ``timed_ials``'s
tuning, on small generated matrices where the time signal decides (no database)."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.ndimage import gaussian_filter1d

from recommender.algorithms import EASE, Hybrid, Popularity
from recommender.evaluation import _timed_ials
from recommender.timed import DAY, ActivityWindow, SequenceNeighbors
from recommender.topn import iter_top_n
from recommender.validation import ranking_metrics, validation_folds


def test_sequence_neighbours_count_consecutive_items_in_time_order_both_ways():
    # given: learner 0 takes items 2, 0, 1 in that time order; learner 1 takes 0 then 1 at
    # the same second (ties go by item index) and 3 without a time (not in the sequence)
    X = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 1, 0, 1]], dtype=np.float32))
    times = sp.csr_matrix(np.array([[20.0, 30.0, 10.0, 0], [50.0, 50.0, 0, 0]]))

    # when
    model = SequenceNeighbors(timestamps=times, window=1, power=0.0, order_ties=True).fit(X)

    # then: pairs (2, 0), (0, 1) and (0, 1) again, symmetric; power 0 leaves counts as they are
    expected = np.zeros((4, 4), dtype=np.float32)
    expected[2, 0] = expected[0, 2] = 1
    expected[0, 1] = expected[1, 0] = 2
    assert np.array_equal(model.similarity.toarray(), expected)
    assert np.array_equal(model.score(X[:1]), X[:1].toarray() @ expected)
    # a window of 2 also joins items two positions apart (2 and 1 for learner 0)
    wide = (
        SequenceNeighbors(timestamps=times, window=2, power=0.0, order_ties=True).fit(X).similarity.toarray()
    )
    assert wide[2, 1] == wide[1, 2] == 1 and wide[0, 1] == 2
    # popularity scaling: power 0.5 divides by sqrt(pop_i pop_j) (items 0 and 1: 2 each)
    scaled = (
        SequenceNeighbors(timestamps=times, window=1, power=0.5, order_ties=True).fit(X).similarity.toarray()
    )
    assert scaled[0, 1] == pytest.approx(2 / np.sqrt(2 * 2)) and scaled[0, 2] == pytest.approx(1 / np.sqrt(2))
    # without ordering ties (the default, as in production), learner 1's two items (same
    # second) make no pair
    untied = SequenceNeighbors(timestamps=times, window=1, power=0.0).fit(X).similarity
    assert untied[0, 1] == untied[1, 0] == 1 and untied[0, 2] == 1
    # without times there is no sequence: every score is 0
    assert SequenceNeighbors(timestamps=None).fit(X).score(X).max() == 0


def _page_sequences(n_users=300, n_items=40, run=5, seed=4):
    """Learners take ``run`` consecutive items of a ring (one page of a catalog shown in a
    fixed order), one a minute; the held-out course of each learner is the one right after
    their run, so only the order of the catalog tells it."""
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n_items, n_users)
    rows = np.repeat(np.arange(n_users), run)
    cols = (starts[:, None] + np.arange(run)[None, :]).ravel() % n_items
    stamps = 1_000_000.0 + 60.0 * np.tile(np.arange(run), n_users) + 3600.0 * rows
    shape = (n_users, n_items)
    X = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=shape)
    times = sp.csr_matrix((stamps, (rows, cols)), shape=shape)
    held = sp.csr_matrix(
        (np.ones(n_users, dtype=np.float32), (np.arange(n_users), (starts + run) % n_items)), shape=shape
    )
    return X, times, held


def test_sequence_neighbours_rank_the_next_item_of_a_page_far_above_popularity():
    # given
    X, times, held = _page_sequences()

    # when
    sequence = ranking_metrics(SequenceNeighbors(timestamps=times).fit(X), X, held, k=2)
    popular = ranking_metrics(Popularity().fit(X), X, held, k=2)

    # then: the item after the run is one of the two neighbours of the run's ends
    assert sequence["recall@2"] > 0.9
    assert popular["recall@2"] < 0.2


def _two_eras(n_per_era=60, seed=5):
    """Era A (day 0-10) and era B (day 100-110): items 0-4 are only taken in era A, items
    5-9 only in era B; item 9 is the most popular overall. Learner 0 is active in era A and
    has taken items 0-3 (so item 4 is the one taken around their time); learner 1 has no
    times."""
    rng = np.random.default_rng(seed)
    rows, cols, stamps = [], [], []
    user = 2
    for era_items, first_day in (((0, 1, 2, 3, 4), 0), ((5, 6, 7, 8, 9), 100)):
        for _ in range(n_per_era):
            for item in rng.choice(era_items, size=2, replace=False):
                rows.append(user)
                cols.append(int(item))
                stamps.append((first_day + rng.uniform(0, 10)) * DAY)
            user += 1
    for _ in range(20):  # extra era-B learners of item 9: the most popular item overall
        rows.append(user)
        cols.append(9)
        stamps.append((100 + rng.uniform(0, 10)) * DAY)
        user += 1
    for item in range(4):
        rows.append(0)
        cols.append(item)
        stamps.append(5 * DAY)
    rows.append(1)
    cols.append(0)
    stamps.append(0.0)
    shape = (user, 10)
    X = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    X.sum_duplicates()
    X.data[:] = 1.0
    times = sp.csr_matrix((np.asarray(stamps), (rows, cols)), shape=shape)
    return X, times


def test_the_activity_window_lifts_the_item_taken_around_the_learners_time():
    # given: popularity alone lists item 9 (era B) first for learner 0 (era A)
    X, times = _two_eras()
    base_top = next(iter_top_n(Popularity().fit(X), X, n=1, users=np.array([0])))[1][0, 0]
    assert base_top == 9

    # when
    model = ActivityWindow(base=Popularity(), timestamps=times, sigma_days=3.0, beta=0.5).fit(X)
    _rows, items, _scores = next(iter_top_n(model, X, n=1, users=np.array([0, 1])))

    # then: the window decides: item 4, the only era-A item learner 0 lacks; learner 1
    # (no times) keeps popularity's order
    assert items[0, 0] == 4
    assert items[1, 0] == 9


def test_the_activity_window_factor_is_the_smoothed_local_share_over_the_overall_share():
    # given
    X, times = _two_eras(n_per_era=10)
    model = ActivityWindow(base=Popularity(), timestamps=times, sigma_days=2.0, beta=0.3).fit(X)

    # when
    factor = model.factor(np.array([0, 1]))

    # then: a reference on a day histogram of every timed cell
    coo = X.tocoo()
    stamps = np.asarray(times.tocsr()[coo.row, coo.col]).ravel()
    timed = stamps > 0
    days = ((stamps[timed] - stamps[timed].min()) // DAY).astype(int)
    by_day = np.zeros((10, days.max() + 1))
    np.add.at(by_day, (coo.col[timed], days), 1.0)
    smooth = gaussian_filter1d(by_day, 2.0, axis=1, mode="constant")
    share = smooth / np.maximum(smooth.sum(axis=0), 1e-30)
    mine = days[coo.row[timed] == 0]
    local = share[:, mine].mean(axis=1)
    overall = by_day.sum(axis=1) / by_day.sum()
    reference = ((local + 0.001) / (overall + 0.001)) ** 0.3
    assert np.allclose(factor[0], reference, rtol=1e-4)
    assert (factor[1] == 1.0).all()
    # the window needs the learner: plain score() says so; beta 0 is the base (clipped at 0)
    with pytest.raises(TypeError, match="score_rows"):
        model.score(X[:1])
    flat = ActivityWindow(base=EASE(lambda_=1.0), timestamps=times, beta=0.0).fit(X)
    assert np.array_equal(
        flat.score_rows(X, np.array([0])), np.maximum(EASE(lambda_=1.0).fit(X).score(X[:1]), 0)
    )


def test_a_hybrid_scores_its_parts_through_score_rows():
    # given: a blend with a part that needs the learners
    X, times = _two_eras(n_per_era=10)
    window = ActivityWindow(base=Popularity(), timestamps=times, beta=0.5)
    blend = Hybrid(parts=[EASE(lambda_=1.0), window], weights=[0.5, 0.5]).fit(X)
    rows = np.array([0, 3, 5])

    # when
    scores = blend.score_rows(X, rows)

    # then: the weighted sum of row-normalized parts
    ease = EASE(lambda_=1.0).fit(X).score(X[rows])
    part = window.score_rows(X, rows)
    expected = 0.5 * ease / ease.max(axis=1, keepdims=True) + 0.5 * part / part.max(axis=1, keepdims=True)
    assert np.allclose(scores, expected, atol=1e-6)


def test_timed_ials_takes_the_sequence_part_when_the_order_decides_on_validation():
    # given: page sequences (the held-out item of every learner follows their run), tuned on
    # folds carved from the training part only
    X, times, _held = _page_sequences(n_users=240, n_items=30, run=6)
    folds = validation_folds(X, seed=42, n_folds=3)
    memo: dict = {"folds": folds}

    # when
    model = _timed_ials(X, folds, {"reg": 0.01}, k=10, timestamps=times, ease_max_items=10_000, memo=memo)

    # then: the sequence part has weight (ties go to weight 0, so this means a strict gain
    # over the session_ials blend on the folds)
    blend = model.base if isinstance(model, ActivityWindow) else model
    assert blend.params["parts"] == ["session_ease", "ials", "puresvd", "sequence"]
    assert blend.weights[-1] > 0 and sum(blend.weights) == pytest.approx(1.0, abs=1e-3)
    assert memo["validation:timed_ials"] > memo["validation:session_ials"]


def test_the_nightly_collaborative_part_adds_the_sequence_part_only_when_it_wins_validation():
    # given: page sequences; the validation course of each learner is one the sequence model
    # lists in its top 10 and EASE, whatever its lambda, does not
    from recommender.conf import RecommenderSettings
    from recommender.services import EASE_GRID, _collaborative_part

    fit, times, _held = _page_sequences(n_users=300, n_items=60, run=4)
    ease_lists = [next(iter_top_n(EASE(lambda_=lam).fit(fit), fit, n=10))[1] for lam in EASE_GRID]
    sequence_list = next(iter_top_n(SequenceNeighbors(timestamps=times).fit(fit), fit, n=10))[1]
    held_rows, held_cols = [], []
    for user in range(fit.shape[0]):
        listed_by_ease = set(np.concatenate([items[user] for items in ease_lists]).tolist())
        only_sequence = [item for item in sequence_list[user].tolist() if item not in listed_by_ease]
        if only_sequence:
            held_rows.append(user)
            held_cols.append(only_sequence[0])
    assert len(held_rows) > 20
    held = sp.csr_matrix((np.ones(len(held_rows), dtype=np.float32), (held_rows, held_cols)), shape=fit.shape)

    # when
    with_times = _collaborative_part(fit, held, RecommenderSettings(), timestamps=times)
    without = _collaborative_part(fit, held, RecommenderSettings(), timestamps=None)

    # then: the blend is taken when it scores higher; without times EASE stays alone
    assert isinstance(with_times, Hybrid) and with_times.params["parts"] == ["ease", "sequence"]
    assert with_times.weights[1] > 0
    assert type(without) is EASE
