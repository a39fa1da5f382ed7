"""Course texts in every language as TF-IDF features. Character n-grams inside word
boundaries work for Chinese and Japanese without a word segmenter."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from courses.models import Course, LiveSession
from culture.selectors import accepted_theme_pairs


def _suffixes() -> list[str]:
    return [code.replace("-", "_") for code, _ in settings.LANGUAGES]


@dataclass
class CatalogInfo:
    """What training needs to know about each course, aligned with ``course_ids``."""

    course_ids: np.ndarray
    domain_ids: np.ndarray  # top category of each course
    category_ids: np.ndarray
    levels: np.ndarray
    is_available: np.ndarray  # published and bookable (not a sold-out live class): may be recommended
    texts: list[str]
    titles: list[dict[str, str]]
    domain_names: dict[int, dict[str, str]]
    domain_slugs: dict[int, str]
    # Accepted cultural themes (culture app), one column per theme, rows as course_ids.
    themes: sp.csr_matrix | None = None


def _sold_out_live_course_ids() -> set[int]:
    """Live classes with no upcoming session that still has a seat: nothing to buy, so
    nothing to recommend (they come back once a session with seats is scheduled)."""
    bookable = LiveSession.objects.filter(
        course_id=OuterRef("pk"), starts_at__gt=timezone.now(), seats_taken__lt=F("capacity")
    )
    return set(
        Course.objects.filter(format=Course.Format.LIVE)
        .exclude(Exists(bookable))
        .values_list("id", flat=True)
    )


def load_catalog() -> CatalogInfo:
    """Every course (ordered by id) in five queries: courses, sold-out live classes, their
    tags, categories."""
    suffixes = _suffixes()
    text_fields = [
        f"{field}_{suffix}" for field in ("title", "subtitle", "description") for suffix in suffixes
    ]
    title_fields = [f"title_{suffix}" for suffix in suffixes]
    rows = list(
        Course.objects.order_by("id").values_list(
            "id",
            "category_id",
            "category__parent_id",
            "level",
            "is_published",
            *text_fields,
        )
    )
    sold_out = _sold_out_live_course_ids()
    tag_rows = Course.tags.through.objects.values_list(
        "course_id", *[f"tag__name_{suffix}" for suffix in suffixes], "tag__slug"
    )
    tags: dict[int, list[str]] = defaultdict(list)
    for course_id, *names in tag_rows:
        tags[course_id].extend(name for name in names if name)
    from courses.models import Category

    category_rows = Category.objects.values_list("id", "slug", *[f"name_{suffix}" for suffix in suffixes])
    domain_names = {
        row[0]: dict(zip([c for c, _ in settings.LANGUAGES], row[2:], strict=True)) for row in category_rows
    }
    domain_slugs = {row[0]: row[1] for row in category_rows}

    n_text = len(text_fields)
    title_offsets = [text_fields.index(name) for name in title_fields]
    languages = [code for code, _ in settings.LANGUAGES]
    texts, titles = [], []
    for row in rows:
        values = row[5 : 5 + n_text]
        texts.append(" ".join([*(value for value in values if value), *tags.get(row[0], [])]).lower())
        titles.append(
            {code: values[offset] or "" for code, offset in zip(languages, title_offsets, strict=True)}
        )
    course_ids = np.asarray([row[0] for row in rows], dtype=np.int64)
    return CatalogInfo(
        course_ids=course_ids,
        themes=theme_matrix(course_ids),
        category_ids=np.asarray([row[1] for row in rows], dtype=np.int64),
        domain_ids=np.asarray([row[2] or row[1] for row in rows], dtype=np.int64),
        levels=np.asarray([row[3] for row in rows], dtype=object),
        is_available=np.asarray([bool(row[4]) and row[0] not in sold_out for row in rows], dtype=bool),
        texts=texts,
        titles=titles,
        domain_names=domain_names,
        domain_slugs=domain_slugs,
    )


def theme_matrix(course_ids: np.ndarray) -> sp.csr_matrix:
    """Courses x accepted themes (one query): 1 where staff accepted the theme for the course."""
    pairs = accepted_theme_pairs()
    theme_ids = sorted({theme for _course, theme, _score in pairs})
    column = {theme: index for index, theme in enumerate(theme_ids)}
    position = np.searchsorted(course_ids, [course for course, _theme, _score in pairs])
    keep = [
        i
        for i, (course, _t, _s) in enumerate(pairs)
        if position[i] < len(course_ids) and course_ids[position[i]] == course
    ]
    return sp.csr_matrix(
        (np.ones(len(keep), dtype=np.float32), (position[keep], [column[pairs[i][1]] for i in keep])),
        shape=(len(course_ids), max(len(theme_ids), 1)),
    )


def item_features(catalog: CatalogInfo, *, theme_weight: float | None = None) -> sp.csr_matrix:
    """The content model's item features: the texts' TF-IDF rows, side by side with the
    accepted themes (L2-normalized rows scaled by ``RECOMMENDER_THEME_WEIGHT``), then each
    row normalized again. Two courses staff tagged "tea" are close even when their texts
    share few character n-grams; weight 0 turns the themes off (the before/after of
    ``train_recommender``)."""
    from sklearn.preprocessing import normalize

    text = tfidf_features(catalog.texts)
    weight = settings.RECOMMENDER_THEME_WEIGHT if theme_weight is None else theme_weight
    if catalog.themes is None or catalog.themes.nnz == 0 or weight <= 0:
        return text
    themes = normalize(catalog.themes.astype(np.float32)) * np.float32(weight)
    return normalize(sp.hstack([text, themes]).tocsr()).astype(np.float32)


def tfidf_features(texts: list[str]) -> sp.csr_matrix:
    """L2-normalized character 2-4-gram TF-IDF rows (zero rows for empty texts)."""
    if not any(text.strip() for text in texts):
        return sp.csr_matrix((len(texts), 1), dtype=np.float32)
    # Imported here: scikit-learn is heavy and only training needs it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        min_df=1,
        max_features=100_000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    return vectorizer.fit_transform(texts).tocsr()
