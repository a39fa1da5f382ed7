"""Cultural themes from the catalog's own texts, in four steps, each a matrix operation:

1. per language, TF-IDF of key phrases over every course (``phrases.analyzer``);
2. the phrases of all languages side by side (courses x phrases) and their co-occurrence
   graph ``A = X^T X``: a Chinese and a Spanish phrase are linked through the courses that
   carry both;
3. PageRank over that graph by sparse power iteration;
4. a theme per well-ranked phrase of the default language, named in every other language by
   the phrase whose courses are most nearly the same (cosine of course columns), and per
   course the themes whose phrases weigh most in its texts, times the theme's rank.

Nothing here touches the database: ``culture.services.themes_mine`` loads and stores."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.utils.text import slugify

from .phrases import analyzer


@dataclass
class MiningConfig:
    pivot: str = "en"
    min_courses: int = 2  # a theme groups courses: a phrase of one course is not one
    max_share: float = 0.12  # a phrase in more than this share of courses is generic
    max_themes: int = 80
    per_course: int = 5
    damping: float = 0.85
    align_min_cosine: float = 0.5
    merge_cosine: float = 0.8


@dataclass
class MinedTheme:
    slug: str
    names: dict[str, str]
    rank: float
    column: int  # index among the pivot language's phrases


@dataclass
class MiningResult:
    themes: list[MinedTheme]
    # course index -> [(theme index, score)], best first
    proposals: list[list[tuple[int, float]]] = field(default_factory=list)
    phrases: int = 0


def pagerank(adjacency: sp.csr_matrix, *, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 200):
    """PageRank of a weighted undirected graph by power iteration, all vector operations.
    Dangling nodes (no edge) spread their rank uniformly."""
    n = adjacency.shape[0]
    if n == 0:
        return np.zeros(0)
    out = np.asarray(adjacency.sum(axis=1)).ravel()
    dangling = out == 0
    inverse = np.divide(1.0, out, out=np.zeros_like(out), where=~dangling)
    # Row-normalized transition matrix, transposed once so each step is one product.
    transition_t = (sp.diags(inverse) @ adjacency).T.tocsr()
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = damping * rank[dangling].sum() / n
        new = damping * (transition_t @ rank) + spread + (1.0 - damping) / n
        if np.abs(new - rank).sum() < tol:
            return new
        rank = new
    return rank


def _tfidf(texts: list[str], language: str, config: MiningConfig):
    from sklearn.feature_extraction.text import TfidfVectorizer

    present = sum(1 for text in texts if text.strip())
    if present < config.min_courses:
        return None, []
    vectorizer = TfidfVectorizer(
        analyzer=analyzer(language),
        min_df=config.min_courses,
        max_df=max(config.max_share, config.min_courses / present),
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no phrase in enough courses
        return None, []
    return matrix.tocsr().astype(np.float64), list(vectorizer.get_feature_names_out())


def _column_cosine(left: sp.csr_matrix, right: sp.csr_matrix) -> sp.csr_matrix:
    """Cosine between every column of ``left`` and every column of ``right`` on their
    course-incidence (which courses carry the phrase), ignoring weights."""

    def normalized(matrix):
        binary = (matrix > 0).astype(np.float64)
        norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())
        return binary @ sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0))

    return (normalized(left).T @ normalized(right)).tocsr()


def mine(texts: dict[str, list[str]], config: MiningConfig) -> MiningResult:
    """``texts``: language -> one text per course (same order in every language)."""
    blocks, vocab, languages = [], [], []
    for language, column in texts.items():
        matrix, names = _tfidf(column, language, config)
        if matrix is None:
            continue
        blocks.append(matrix)
        vocab.append(names)
        languages.append(language)
    if config.pivot not in languages:
        return MiningResult(themes=[])
    X = sp.hstack(blocks).tocsr()
    offsets = np.cumsum([0] + [block.shape[1] for block in blocks])
    graph = (X.T @ X).tolil()
    graph.setdiag(0)
    graph = graph.tocsr()
    graph.eliminate_zeros()
    ranks = pagerank(graph, damping=config.damping)

    p = languages.index(config.pivot)
    pivot_block = blocks[p]
    pivot_ranks = ranks[offsets[p] : offsets[p + 1]]
    # Across languages: each pivot phrase's best counterpart per language (the phrase whose
    # courses are most nearly the same). A culture's themes are named in every market
    # ("tea", "té", "茶"); a filler word ("read", "plan") finds no steady counterpart. So a
    # phrase's standing is its PageRank times its mean alignment over the other languages.
    best_columns, best_cosines = [], []
    for index in range(len(languages)):
        if index == p:
            continue
        cosine = _column_cosine(pivot_block, blocks[index]).toarray()
        best_columns.append((index, cosine.argmax(axis=1)))
        best_cosines.append(cosine.max(axis=1))
    alignment = np.mean(best_cosines, axis=0) if best_cosines else np.ones(pivot_block.shape[1])
    standing = pivot_ranks * alignment
    order = np.argsort(-standing, kind="stable")
    self_cosine = _column_cosine(pivot_block, pivot_block).toarray()
    chosen: list[int] = []
    for column in order:
        if len(chosen) >= config.max_themes or standing[column] <= 0:
            break
        words = set(vocab[p][column].split())
        # "tang" and "tang dynasty" on the same courses are one theme: keep the better one.
        if any(
            self_cosine[column, other] >= config.merge_cosine
            and (words <= set(vocab[p][other].split()) or set(vocab[p][other].split()) <= words)
            for other in chosen
        ):
            continue
        chosen.append(int(column))
    if not chosen:
        return MiningResult(themes=[])
    chosen_arr = np.asarray(chosen)

    # Names in the other languages, and the phrase columns that stand for each theme.
    members = sp.lil_matrix((X.shape[1], len(chosen)))
    members[offsets[p] + chosen_arr, np.arange(len(chosen))] = 1.0
    names: list[dict[str, str]] = [{config.pivot: vocab[p][c]} for c in chosen]
    for (index, best), cosines in zip(best_columns, best_cosines, strict=True):
        for theme_index, column in enumerate(chosen):
            if cosines[column] >= config.align_min_cosine:
                names[theme_index][languages[index]] = vocab[index][best[column]]
                members[offsets[index] + best[column], theme_index] = 1.0

    theme_ranks = standing[chosen_arr]
    weight = np.sqrt(theme_ranks / theme_ranks.max())
    # Averaged over the languages a course is written in, so a course in one language is
    # not outscored by one in five.
    present = np.maximum(
        1, np.column_stack([np.asarray(b.sum(axis=1)).ravel() > 0 for b in blocks]).sum(axis=1)
    )
    scores = np.asarray((X @ members.tocsr()).todense()) / present[:, None] * weight[None, :]
    proposals: list[list[tuple[int, float]]] = []
    top = np.argsort(-scores, axis=1, kind="stable")[:, : config.per_course]
    for row, columns in enumerate(top):
        proposals.append([(int(c), float(scores[row, c])) for c in columns if scores[row, c] > 0])
    themes = [
        MinedTheme(
            slug=slugify(vocab[p][c], allow_unicode=True)[:120] or f"theme-{c}",
            names=names[i],
            rank=float(theme_ranks[i]),
            column=c,
        )
        for i, c in enumerate(chosen)
    ]
    return MiningResult(themes=themes, proposals=proposals, phrases=X.shape[1])
