"""The nightly lists from sparse products equal the lists of the dense scoring they
replace (no database). Data with a planted structure, real fitted models."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.algorithms import EASE, ContentSimilarity, Hybrid, ItemKNN, Popularity, RP3beta
from recommender.listing import is_sparse, iter_lists
from recommender.reranking import RerankConfig, explain_anchors, rerank
from recommender.topn import mask_rows

from .test_algorithms import content_features, planted_matrix


def dense_lists(model, X, *, domains, available, explanation, config):
    """What the nightly job computed before: a dense score row per learner."""
    scores = model.score(X)
    mask_rows(scores, X)
    scores[:, ~available] = -np.inf
    n_domains = int(domains.max()) + 1
    item_domain = sp.csr_matrix(
        (np.ones(domains.size), (np.arange(domains.size), domains)), shape=(domains.size, n_domains)
    )
    touched = np.asarray((X @ item_domain).todense()) > 0
    items, item_scores, is_new = rerank(scores, domains=domains, touched=touched, config=config)
    anchors, _ = explain_anchors(explanation, X, items)
    return items, item_scores, is_new, anchors


def _model(kind, features):
    if kind == "knn+content+popularity":
        return Hybrid(
            parts=[ItemKNN(k=10), ContentSimilarity(item_features=features), Popularity()],
            weights=[0.5, 0.3, 0.2],
        )
    if kind == "rp3beta+popularity":
        return Hybrid(parts=[RP3beta(k=10), Popularity()], weights=[0.7, 0.3])
    if kind == "rp3beta":
        return RP3beta(k=8)
    return Hybrid(
        parts=[EASE(lambda_=10.0), ContentSimilarity(item_features=features), Popularity()],
        weights=[0.6, 0.2, 0.2],
    )


PLAIN = RerankConfig(n=8, diversity=1.0, cross_domain_picks=0)
MMR_AND_PICKS = RerankConfig(n=8, diversity=0.7, cross_domain_picks=2, cross_domain_position=2)


# Without a popularity part, courses no product reaches all score 0 and the dense reference
# orders those ties arbitrarily (argpartition), which MMR then propagates: that model is
# compared without MMR only.
@pytest.mark.parametrize(
    ("kind", "config"),
    [
        ("knn+content+popularity", PLAIN),
        ("knn+content+popularity", MMR_AND_PICKS),
        ("rp3beta+popularity", PLAIN),
        ("rp3beta+popularity", MMR_AND_PICKS),
        ("rp3beta", PLAIN),
        ("ease+content+popularity", PLAIN),
        ("ease+content+popularity", MMR_AND_PICKS),
    ],
)
def test_sparse_lists_equal_the_dense_reference(kind, config):
    # given: learners with a taste, a few noisy interactions outside it, two unavailable courses
    X, groups = planted_matrix(n_users=120)
    rng = np.random.default_rng(3)
    noise = sp.csr_matrix(
        (np.ones(30, dtype=np.float32), (rng.integers(0, 120, 30), rng.integers(0, 60, 30))), shape=X.shape
    )
    X = sp.csr_matrix((X + noise) > 0, dtype=np.float32)
    available = np.ones(60, dtype=bool)
    available[[3, 40]] = False
    features = content_features(groups)
    model = _model(kind, features).fit(X)
    explanation = ItemKNN(k=10).fit(X).similarity.T.tocsr()

    # when
    blocks = list(
        iter_lists(
            model,
            X,
            domains=groups,
            available=available,
            explanation=explanation,
            config=config,
            batch_size=17,
        )
    )

    # then
    assert is_sparse(model) == (not kind.startswith("ease"))
    items = np.concatenate([b.items for b in blocks])
    scores = np.concatenate([b.scores for b in blocks])
    is_new = np.concatenate([b.is_new for b in blocks])
    ref_items, ref_scores, ref_new, _ = dense_lists(
        model, X, domains=groups, available=available, explanation=explanation, config=config
    )
    finite = np.isfinite(ref_scores)
    assert (np.isfinite(scores) == finite).all()
    assert np.allclose(scores[finite], ref_scores[finite], atol=1e-5)
    # Items agree wherever the score is not tied with another candidate of the row.
    for row in range(X.shape[0]):
        for col in np.flatnonzero(finite[row]):
            if np.sum(np.isclose(ref_scores[row], ref_scores[row, col], atol=1e-6)) == 1:
                assert items[row, col] == ref_items[row, col], (row, col)
    assert (is_new == ref_new).all()
    owned = X.toarray() > 0
    listed = np.take_along_axis(owned, items, axis=1) & np.isfinite(scores)
    assert not listed.any()
    assert not (~available[items] & np.isfinite(scores)).any()
