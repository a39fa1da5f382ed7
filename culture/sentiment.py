"""Review sentiment learned from the reviews themselves: stars are weak labels (4-5
positive, 1-2 negative, 3 left out), the features are character 1-3-grams inside word
boundaries (no segmenter: they work alike for Chinese, Japanese, Arabic and Spanish), the
model a logistic regression. One model for every language, so a language with few reviews
still borrows what the others teach (names, digits, emoji), and its figures are reported per
language.

The held-out split is grouped by text: the same sentence never sits on both sides, so the
score measures reading unseen sentences, not remembering seen ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POSITIVE, NEGATIVE = 1, 0


def weak_label(rating: int) -> int | None:
    if rating >= 4:
        return POSITIVE
    if rating <= 2:
        return NEGATIVE
    return None


def _pipeline(seed: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1),
        # Weak regularization (C=10): reviews are short, so each n-gram is scarce evidence.
        # Balanced classes: nine reviews in ten are positive, and an unbalanced model learns
        # to say "positive" (on the demo's reviews, three grouped splits: macro-F1 0.81,
        # 0.62, 0.85 balanced against 0.61, 0.62, 0.73 unbalanced; C=1 unbalanced never
        # said "negative" at all).
        LogisticRegression(max_iter=1000, C=10.0, class_weight="balanced", random_state=seed),
    )


@dataclass
class Evaluation:
    metrics: dict
    n_train: int
    n_test: int


def _scores(truth: np.ndarray, predicted: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "n": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, average="macro", labels=[0, 1], zero_division=0)), 4
        ),
    }


def evaluate(texts: list[str], labels: list[int], languages: list[str], *, seed: int = 42) -> Evaluation:
    """Accuracy and macro-F1 on a held-out quarter (grouped by text, stratified by label),
    overall and per language, beside the majority-class baseline of the training part."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(labels)
    lang = np.asarray(languages)
    groups = np.unique(np.asarray([text.strip().lower() for text in texts]), return_inverse=True)[1]
    if len(set(labels)) < 2 or len(np.unique(groups)) < 4:
        return Evaluation(metrics={"error": "not enough labelled reviews"}, n_train=0, n_test=0)
    splitter = StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=seed)
    train, test = next(splitter.split(np.zeros(len(y)), y, groups))
    model = _pipeline(seed).fit([texts[i] for i in train], y[train])
    predicted = model.predict([texts[i] for i in test])
    majority = int(np.bincount(y[train], minlength=2).argmax())
    baseline = np.full(len(test), majority)
    test_groups = groups[test]
    metrics = {
        "held_out_sentences": len(np.unique(test_groups)),
        "overall": _scores(y[test], predicted),
        "baseline": _scores(y[test], baseline),
        "languages": {},
    }
    for code in sorted(set(lang[test])):
        mask = lang[test] == code
        metrics["languages"][code] = {
            **_scores(y[test][mask], predicted[mask]),
            "baseline_accuracy": _scores(y[test][mask], baseline[mask])["accuracy"],
            "held_out_sentences": len(np.unique(test_groups[mask])),
        }
    return Evaluation(metrics=metrics, n_train=len(train), n_test=len(test))


def fit(texts: list[str], labels: list[int], *, seed: int = 42):
    return _pipeline(seed).fit(texts, np.asarray(labels))
