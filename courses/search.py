"""The catalog's search: documents, queries and highlighting.

PostgreSQL keeps a search document per course (``CourseSearchDocument``), built by one
set-based statement (``documents_rebuild``) with the SQL functions of migration 0008:

- ``courses_search_vector(config, text)``: the text's words through PostgreSQL's
  full-text configuration of its language (``zq_english`` and ``zq_spanish``, Snowball
  stemmers without stop words: "teas" finds "Tea", "inversiones" finds "inversión", and
  "té" stays a word; others ``simple``), after NFKC, lower case and ``unaccent`` (a query
  typed without accents finds the word with them), plus every run of Chinese, Japanese or Korean characters as
  its single characters and overlapping pairs with positions (the parser drops them: they
  have no spaces between words). A one-character query such as 茶 is one lexeme, 理财 is
  one pair and 中国书法 the phrase 中国 <-> 国书 <-> 书法.
- ``head``: titles (weight A), tag and category names and the pinyin of the Chinese ones
  (B), subtitles (C). Small and stored inline, so ranking a match reads no TOAST.
- ``body``: ``head`` plus descriptions, instructor names and the slug; its GIN index
  answers which courses match.
- ``names``: titles, tag and category names and pinyin as plain lower-case text, with a
  trigram GIN index for typo tolerance.

A query term matches a course when its words are in the body, or its last Latin word (3
letters or more) is a prefix of a word of the head ("calli" finds "Calligraphy"; prefixes
are not looked up in descriptions, where "tea" would find every "teacher"). When fewer
than ``FUZZY_BELOW`` courses match, courses whose names are close to every Latin term
(``strict_word_similarity``, pg_trgm) are added: "calligrphy" finds "Calligraphy".

Results are ranked inside PostgreSQL by ``ts_rank`` of the head (a title above a tag, a
whole word far above a prefix), then popularity; counting stops at ``COUNT_CAP``. A query
of one word (most searches) is ranked from the posting rows of ``courses.search_postings``
(the word's courses in rank order in a btree index: the first thousand rows, not every
match), with the same order.

SQLite (the first-run default) has no documents: it filters ``Course.search_text``
(whole words and word starts for Latin terms, substrings for CJK) and ranks title hits
first (``courses.selectors``)."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

# Hiragana, katakana, CJK ideographs (with extensions and compatibility forms) and Hangul.
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_MAX_WORD_LENGTH = 60
# Latin words shorter than this match whole words only: a prefix query of one or two
# letters would match most of the catalog.
PREFIX_MIN_LENGTH = 3
MAX_TERMS = 8
# Typo tolerance joins in below this many exact matches.
FUZZY_BELOW = 3
FUZZY_MIN_LENGTH = 4
# A search counts at most this many matches ("1000+"): counting every match of a common
# word would cost more than the page.
COUNT_CAP = 1000
# Full-text configuration per language suffix; the others (zh_hans, ja) are "simple"
# words plus CJK characters and pairs.
CONFIGS = {"en": "zq_english", "es": "zq_spanish"}


@dataclass(frozen=True)
class Token:
    text: str
    is_cjk: bool


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def fold_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def tokens(text: str) -> list[Token]:
    """Words and CJK runs of ``text``, in order."""
    found = []
    for match in _TOKEN.finditer(normalize(text)):
        if match.group("cjk"):
            found.append(Token(match.group("cjk"), True))
        elif len(match.group("word")) <= _MAX_WORD_LENGTH:
            found.append(Token(match.group("word"), False))
    return found


def is_cjk_only(query: str) -> bool:
    found = tokens(query)
    return bool(found) and all(token.is_cjk for token in found)


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# --- Pinyin ---------------------------------------------------------------------------------


def pinyin_words(text: str) -> str:
    """Pinyin lexemes of the Chinese characters of ``text``: for every run, the syllables of
    each pair of characters and of the whole run, joined ("个人理财" -> "geren renli licai
    gerenlicai"), so "licai" finds 理财 the way the character pairs do."""
    from pypinyin import lazy_pinyin  # imported here: 20 ms of dictionaries at first use

    words: list[str] = []
    for run in _HAN_RUN.findall(text or ""):
        syllables = lazy_pinyin(run)
        if len(syllables) != len(run):
            continue
        words.extend("".join(syllables[i : i + 2]) for i in range(len(syllables) - 1))
        if len(syllables) != 2:
            words.append("".join(syllables))
    return " ".join(dict.fromkeys(words))


# --- Documents (PostgreSQL) -------------------------------------------------------------------


def _vectors(columns: list[str], suffixes: list[str]) -> str:
    """The vector of one text per language: one call per configuration (the languages
    without their own, zh_hans and ja, share one call on their texts joined)."""
    groups: dict[str, list[str]] = {}
    for column, suffix in zip(columns, suffixes, strict=True):
        groups.setdefault(CONFIGS.get(suffix, "simple"), []).append(column)
    calls = []
    for config, parts in groups.items():
        text = parts[0] if len(parts) == 1 else "concat_ws(' . ', {})".format(", ".join(parts))
        calls.append(f"courses_search_vector('{config}', {text})")
    return " || ".join(calls)


def _documents_sql(suffixes: list[str]) -> str:
    """The ``WITH`` part of the two statements that (re)write the search column and the
    documents of the courses whose ids are the third and fourth parameters (NULL: every
    course): ``texts``, one row per course. The first two parameters pair Chinese texts
    with their pinyin (``pinyin_words``), computed in Python once per distinct text. Each
    statement reads ``texts`` once, so PostgreSQL streams it (no materialized copy of
    every vector) and drops the columns it does not use."""

    def per_language(template: str) -> list[str]:
        return [template.format(s=suffix) for suffix in suffixes]

    titles = per_language("c.title_{s}")
    subtitles = per_language("c.subtitle_{s}")
    descriptions = per_language("c.description_{s}")
    instructors = per_language("i.name_{s}")
    labels = per_language("concat_ws(' , ', tg.{s}, cat.name_{s}, par.name_{s})")
    tag_names = ", ".join(f"string_agg(t.name_{s}, ' , ') AS {s}" for s in suffixes)
    head_a = _vectors(titles, suffixes)
    head_b = _vectors(labels, suffixes)
    head_c = _vectors(subtitles, suffixes)
    names_and_slug = "concat_ws(' . ', {}, replace(c.slug, '-', ' '))".format(", ".join(instructors))
    rest = f"{_vectors(descriptions, suffixes)} || courses_search_vector('simple', {names_and_slug})"
    pinyin = "concat_ws(' ', pt.words, tg.pinyin, cat.words, par.words)"
    category_names = ", ".join(f"cat.name_{s}" for s in suffixes)
    # Course.search_text: the same order as course_texts().all() (SQLite's search).
    search_text = "lower(concat_ws(E'\\n', {}))".format(
        ", ".join(
            f"nullif({column}, '')"
            for column in [
                *titles,
                *subtitles,
                "replace(c.slug, '-', ' ')",
                *descriptions,
                *instructors,
                *per_language("tg.{s}"),
                *per_language("cat.name_{s}"),
                *per_language("par.name_{s}"),
            ]
        )
    )
    names = "lower(unaccent(normalize(concat_ws(' ', {}, {}), NFKC)))".format(
        ", ".join([*titles, *labels]), pinyin
    )
    zh = "zh_hans" if "zh_hans" in suffixes else suffixes[0]
    return f"""
WITH py(text, words) AS (SELECT * FROM unnest(%s::text[], %s::text[])),
selected AS (
    SELECT c.id FROM courses_course c WHERE %s::bigint[] IS NULL OR c.id = ANY(%s::bigint[])
),
-- Tag names and their pinyin per course, aggregated once (a hash join, not a lookup per
-- course and tag).
tags AS (
    SELECT ct.course_id, {tag_names}, string_agg(py.words, ' ') AS pinyin
    FROM courses_course_tags ct
    JOIN selected ON selected.id = ct.course_id
    JOIN courses_tag t ON t.id = ct.tag_id
    LEFT JOIN py ON py.text = t.name_{zh}
    GROUP BY ct.course_id
),
categories AS (
    SELECT cat.id, cat.parent_id, {category_names}, py.words
    FROM courses_category cat LEFT JOIN py ON py.text = cat.name_{zh}
),
texts AS (
    SELECT c.id, c.is_published, c.enrollment_count,
        setweight({head_a}, 'A')
        || setweight({head_b} || courses_search_vector('simple', {pinyin}), 'B')
        || setweight({head_c}, 'C') AS head,
        {rest} AS rest,
        {names} AS names,
        {search_text} AS search_text
    FROM courses_course c
    JOIN selected ON selected.id = c.id
    LEFT JOIN categories cat ON cat.id = c.category_id
    LEFT JOIN categories par ON par.id = cat.parent_id
    LEFT JOIN courses_instructor i ON i.id = c.instructor_id
    LEFT JOIN py pt ON pt.text = c.title_{zh}
    LEFT JOIN tags tg ON tg.course_id = c.id
)
"""


_UPDATE_SEARCH_COLUMN = """
UPDATE courses_course c SET search_text = texts.search_text
FROM texts WHERE c.id = texts.id AND c.search_text IS DISTINCT FROM texts.search_text
"""
_UPSERT_DOCUMENTS = """
INSERT INTO courses_coursesearchdocument (course_id, is_published, popularity, head, body, names)
SELECT id, is_published, enrollment_count, head, head || setweight(rest, 'D'), names FROM texts
ON CONFLICT (course_id) DO UPDATE SET is_published = EXCLUDED.is_published,
    popularity = EXCLUDED.popularity, head = EXCLUDED.head, body = EXCLUDED.body, names = EXCLUDED.names
"""


def documents_rebuild(connection, suffixes: list[str], course_ids: list[int] | None) -> int:
    """(Re)write the search documents and ``search_text`` of ``course_ids`` (``None``:
    every course), set-based: two statements whatever the number of courses; returns the
    number of documents written."""
    zh = "zh_hans" if "zh_hans" in suffixes else suffixes[0]
    with connection.cursor() as cursor:
        # The distinct Chinese titles and every tag and category name: their pinyin is
        # the only part made in Python (a few thousand strings at 100k courses).
        cursor.execute(
            f"SELECT DISTINCT title_{zh} FROM courses_course "
            "WHERE %s::bigint[] IS NULL OR id = ANY(%s::bigint[]) "
            f"UNION SELECT name_{zh} FROM courses_category UNION SELECT name_{zh} FROM courses_tag",
            [course_ids, course_ids],
        )
        texts = [row[0] for row in cursor.fetchall() if row[0]]
        pinyin = [pinyin_words(text) for text in texts]
        with_texts = _documents_sql(suffixes)
        params = [texts, pinyin, course_ids, course_ids]
        cursor.execute(with_texts + _UPDATE_SEARCH_COLUMN, params)
        cursor.execute(with_texts + _UPSERT_DOCUMENTS, params)
        return cursor.rowcount


# --- Queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sql:
    """A SQL expression with its parameters."""

    sql: str
    params: list = field(default_factory=list)


def _and(parts: list[Sql]) -> Sql:
    return Sql("(" + " && ".join(p.sql for p in parts) + ")", [x for p in parts for x in p.params])


def _or(parts: list[Sql]) -> Sql:
    return Sql("(" + " || ".join(p.sql for p in parts) + ")", [x for p in parts for x in p.params])


def _phrase(parts: list[Sql]) -> Sql:
    if len(parts) == 1:
        return parts[0]
    result = parts[0]
    for part in parts[1:]:
        result = Sql(f"tsquery_phrase({result.sql}, {part.sql})", result.params + part.params)
    return result


@dataclass(frozen=True)
class SearchQuery:
    """``words``: every term, for the body; ``prefixes``: every term with its last Latin
    word as a prefix, for the head (``None`` when no term has one); ``rank``: every whole
    word and CJK pair OR-ed, ``rank_prefix``: every prefix OR-ed (ranked far below: ts_rank
    adds up every word a prefix matches); ``fuzzy``: the Latin terms for typo tolerance,
    longest first (the first one goes through the trigram index)."""

    words: Sql
    prefixes: Sql | None
    rank: Sql
    rank_prefix: Sql | None
    fuzzy: list[str]
    highlight: list[Token]


def _items(term_tokens: list[Token]) -> tuple[list[Sql], Sql | None]:
    """The term's lexeme expressions and, when its last word can be a prefix, that prefix."""
    items: list[Sql] = []
    for token in term_tokens:
        if token.is_cjk:
            run = token.text
            pairs = [run[i : i + 2] for i in range(len(run) - 1)] or [run]
            items.extend(Sql("%s::tsquery", [_quote(pair)]) for pair in pairs)
        else:
            items.append(Sql("courses_search_word(%s)", [token.text]))
    last = term_tokens[-1]
    prefix = None
    if not last.is_cjk and len(last.text) >= PREFIX_MIN_LENGTH:
        prefix = Sql("courses_search_prefix(%s)", [last.text])
    return items, prefix


def query_key(query: str) -> str:
    """What ``build_query`` reads of ``query``: its terms' tokens, normalized. Two queries
    with the same key match and rank the same courses ("Tea" and "tea  ")."""
    terms = (" ".join(token.text for token in tokens(text)) for text in query.split()[:MAX_TERMS])
    return "\x1f".join(term for term in terms if term)


def build_query(query: str) -> SearchQuery | None:
    """The tsquery expressions for a visitor's query, or ``None`` when it has no word at
    all (only punctuation): then nothing matches."""
    words, prefixes, rank, rank_prefix, fuzzy, highlight = [], [], [], [], [], []
    any_prefix = False
    for text in query.split()[:MAX_TERMS]:
        term_tokens = tokens(text)
        if not term_tokens:
            continue
        items, prefix = _items(term_tokens)
        words.append(_phrase(items))
        prefixes.append(_phrase([*items[:-1], prefix]) if prefix else _phrase(items))
        any_prefix = any_prefix or prefix is not None
        rank.extend(items)
        if prefix:
            rank_prefix.append(prefix)
        latin = " ".join(fold_accents(t.text) for t in term_tokens if not t.is_cjk)
        if latin:
            fuzzy.append(latin)
        highlight.extend(term_tokens)
    if not words:
        return None
    fuzzy = sorted(fuzzy, key=len, reverse=True)
    return SearchQuery(
        words=_and(words),
        prefixes=_and(prefixes) if any_prefix else None,
        rank=_or(rank),
        rank_prefix=_or(rank_prefix) if rank_prefix else None,
        # Typos are only looked for when every term has Latin words long enough to have
        # trigrams in common with what was meant.
        fuzzy=fuzzy if len(fuzzy) == len(words) and len(fuzzy[-1]) >= FUZZY_MIN_LENGTH else [],
        highlight=highlight,
    )


# --- Highlighting -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _folded_char(char: str) -> str:
    folded = fold_accents(unicodedata.normalize("NFKC", char).lower())
    return folded if len(folded) == 1 else char.lower() if len(char.lower()) == 1 else char


def _folded_chars(text: str) -> str:
    """``text`` lower-cased and without accents, character for character (same length),
    so that positions found in it mark the original text."""
    return "".join(map(_folded_char, text))


class Highlighter:
    """``highlight`` for one query over many texts (a page of cards): the query's pattern
    is built once."""

    def __init__(self, query: str) -> None:
        patterns = []
        for token in tokens(query)[: MAX_TERMS * 4] if query else []:
            needle = re.escape(_folded_chars(token.text))
            patterns.append(needle if token.is_cjk else rf"(?<![^\W_]){needle}")
        self.pattern = re.compile("|".join(sorted(patterns, key=len, reverse=True))) if patterns else None

    def __call__(self, text: str | None) -> str:
        text = text or ""
        if self.pattern is None or not text:
            return html.escape(text)
        pieces, position = [], 0
        for match in self.pattern.finditer(_folded_chars(text)):
            start, end = match.start(), match.end()
            if end > start:
                pieces.append(html.escape(text[position:start]))
                pieces.append(f"<mark>{html.escape(text[start:end])}</mark>")
                position = end
        pieces.append(html.escape(text[position:]))
        return "".join(pieces)


def highlight(text: str, query: str) -> str:
    """``text`` HTML-escaped, with what ``query`` matched wrapped in ``<mark>``: CJK runs
    as substrings, Latin words at the start of a word (the word's start up to the typed
    length). Safe to mark safe: every piece of ``text`` goes through ``html.escape``."""
    return Highlighter(query)(text)


# --- Texts (SQLite's search column and the admin's search) -----------------------------------


@dataclass(frozen=True)
class CourseTexts:
    titles: list[str]
    labels: list[str]
    subtitles: list[str]
    rest: list[str]

    def all(self) -> list[str]:
        return [text for text in (*self.titles, *self.subtitles, *self.rest, *self.labels) if text]


def course_texts(course, suffixes: Iterable[str]) -> CourseTexts:
    """The searchable texts of ``course`` in every language (``suffixes`` such as
    ``en``, ``zh_hans``); its tags, category (with its parent) and instructor should be
    loaded with it."""
    suffixes = list(suffixes)

    def translated(obj, field: str) -> list[str]:
        if obj is None:
            return []
        return [getattr(obj, f"{field}_{suffix}", "") or "" for suffix in suffixes]

    category = course.category
    parent = category.parent if category is not None and category.parent_id else None
    labels = [name for tag in course.tags.all() for name in translated(tag, "name")]
    labels += translated(category, "name") + translated(parent, "name")
    return CourseTexts(
        titles=translated(course, "title"),
        labels=labels,
        subtitles=translated(course, "subtitle"),
        rest=[
            course.slug.replace("-", " "),
            *translated(course, "description"),
            *translated(course.instructor, "name"),
        ],
    )
