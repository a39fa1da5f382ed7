"""The catalog's search documents and queries for PostgreSQL full-text search.

Each course has a search document (``CourseSearchDocument``) with two ``tsvector`` columns
built here in Python, so the result never depends on the database's locale or text-search
parser (with the ``C`` locale PostgreSQL's parser drops Chinese and Japanese characters):

- ``body``: every word of every language (titles, subtitles, descriptions, tags, category
  and parent category names, instructor). Its GIN index answers "which courses match".
- ``head``: only titles (weight A), tags and category names (B) and subtitles (C). It is
  small enough to stay inside the table row, so ranking a candidate costs no TOAST read.

Words are made like this:

- Latin, Cyrillic, Arabic... text: NFKC, lower-cased words; a word with accents is stored
  twice, as written and without accents ("caligrafía" and "caligrafia"), so a query typed
  without accents still finds it.
- Chinese, Japanese and Korean have no spaces between words, so every run of those
  characters is stored as its single characters (a one-character query such as 茶 is one
  index lookup) and its overlapping pairs (the classic CJK bigram index). A query of two
  characters is one pair; a longer one is a phrase of consecutive pairs (``<->``), which the
  positions make exact: 中国书法 is 中国 <-> 国书 <-> 书法.

A Latin query word of three letters or more also matches titles, tags and category names
with a word that starts with it ("calli" finds "Calligraphy"), ranked below the whole
word, so "tea" puts a title with "tea" above one with "teachers". Substrings inside words
("steam", "instead") never match."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Hiragana, katakana, CJK ideographs (with extensions and compatibility forms) and Hangul.
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
# tsvector limits: positions above 16383 are clamped and a lexeme keeps 256 positions.
_MAX_POSITION = 16383
_MAX_POSITIONS_PER_LEXEME = 256
_MAX_WORD_LENGTH = 60
# Latin words shorter than this match whole words only: a prefix query of one or two
# letters would match most of the catalog.
PREFIX_MIN_LENGTH = 3
MAX_TERMS = 8


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


class _VectorBuilder:
    """Collects lexemes with positions and weights and prints a ``tsvector`` literal."""

    def __init__(self) -> None:
        self.position = 1
        self.lexemes: dict[str, list[str]] = {}

    def add_text(self, text: str, weight: str) -> None:
        # D is the default weight and needs no letter.
        suffix = "" if weight == "D" else weight
        lexemes = self.lexemes
        position = self.position

        def add(lexeme: str, at: int) -> None:
            positions = lexemes.get(lexeme)
            if positions is None:
                lexemes[lexeme] = [f"{min(at, _MAX_POSITION)}{suffix}"]
            elif len(positions) < _MAX_POSITIONS_PER_LEXEME:
                positions.append(f"{min(at, _MAX_POSITION)}{suffix}")

        for token in tokens(text):
            word = token.text
            if token.is_cjk:
                for offset, char in enumerate(word):
                    add(char, position + offset)
                    if offset + 1 < len(word):
                        add(word[offset : offset + 2], position + offset)
                position += len(word)
            else:
                add(word, position)
                if not word.isascii():
                    folded = fold_accents(word)
                    if folded != word:
                        add(folded, position)
                position += 1
        # A gap between two texts, so a phrase never spans the end of one title and the
        # start of the next.
        self.position = position + 1

    def literal(self) -> str:
        return " ".join(
            f"{_quote(lexeme)}:{','.join(positions)}" for lexeme, positions in sorted(self.lexemes.items())
        )


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
    ``en``, ``zh_hans``). Duck-typed so that the migration that fills the documents can pass
    its historical models; the course's tags, category (with its parent) and instructor
    should be loaded with it."""
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


def build_vectors(texts: CourseTexts) -> tuple[str, str]:
    """``(head, body)`` tsvector literals of a course's texts."""
    head = _VectorBuilder()
    body = _VectorBuilder()
    for group, weight in ((texts.titles, "A"), (texts.labels, "B"), (texts.subtitles, "C")):
        for text in group:
            if text:
                head.add_text(text, weight)
                body.add_text(text, "D")
    for text in texts.rest:
        if text:
            body.add_text(text, "D")
    return head.literal(), body.literal()


@dataclass(frozen=True)
class Term:
    """One query term: ``words`` (whole words, CJK characters or a phrase of CJK pairs)
    for the body vector; ``prefix``, when set, the same with its last word as a prefix
    ("calli" finds the title "Calligraphy"), for the head vector. A course matches when
    the body has every term's words or the head has every term (with its prefix).
    Prefixes are looked up in titles, tags and categories only: in descriptions "tea"
    would match every "teacher"."""

    words: str
    prefix: str | None


@dataclass(frozen=True)
class SearchQuery:
    """``terms``: every result matches each of them. ``rank``: the whole words and CJK pairs
    OR-ed, for ``ts_rank`` over the head vector; ``rank_prefix``: the word prefixes OR-ed
    (or empty), ranked far below, because ``ts_rank`` adds up every word a prefix matches
    ("teachers", "teacher") and would otherwise put them above the word itself."""

    terms: list[Term]
    rank: str
    rank_prefix: str

    @property
    def words(self) -> str:
        """Every term as whole words, CJK characters or CJK phrases (for the body)."""
        return " & ".join(term.words for term in self.terms)

    @property
    def prefixes(self) -> str | None:
        """Every term with its last Latin word as a prefix (for the head), or ``None``
        when no term has a prefix."""
        if not any(term.prefix for term in self.terms):
            return None
        return " & ".join(term.prefix or term.words for term in self.terms)


def _phrase(items: list[str]) -> str:
    return items[0] if len(items) == 1 else "(" + " <-> ".join(items) + ")"


def _term(term_tokens: list[Token]) -> tuple[Term, list[str], list[str]]:
    """One query term, its whole-word leaves and its prefix leaves."""
    items: list[str] = []
    for token in term_tokens:
        if token.is_cjk:
            run = token.text
            items.extend(_quote(run[i : i + 2]) for i in range(len(run) - 1))
            if len(run) == 1:
                items.append(_quote(run))
        else:
            items.append(_quote(token.text))
    last = term_tokens[-1]
    prefix = None
    prefixes = []
    if not last.is_cjk and len(last.text) >= PREFIX_MIN_LENGTH:
        prefixes = [f"{items[-1]}:*"]
        prefix = _phrase([*items[:-1], *prefixes])
    return Term(words=_phrase(items), prefix=prefix), items, prefixes


def build_query(query: str) -> SearchQuery | None:
    """The tsquery literals for a visitor's query, or ``None`` when it has no word at all
    (only punctuation): then nothing matches."""
    terms: list[Term] = []
    words: list[str] = []
    prefixes: list[str] = []
    for text in query.split()[:MAX_TERMS]:
        term_tokens = tokens(text)
        if not term_tokens:
            continue
        term, term_words, term_prefixes = _term(term_tokens)
        terms.append(term)
        words.extend(term_words)
        prefixes.extend(term_prefixes)
    if not terms:
        return None
    return SearchQuery(
        terms=terms, rank=" | ".join(dict.fromkeys(words)), rank_prefix=" | ".join(dict.fromkeys(prefixes))
    )


def save_documents(connection, rows: Iterable[tuple[int, bool, int, str, str]]) -> None:
    """Upsert ``(course_id, is_published, popularity, head, body)`` into the documents
    table (PostgreSQL; ``head`` and ``body`` are tsvector literals), one statement per call."""
    rows = list(rows)
    if not rows:
        return
    columns = [list(column) for column in zip(*rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO courses_coursesearchdocument (course_id, is_published, popularity, head, body) "
            "SELECT id, published, popularity, head::tsvector, body::tsvector "
            "FROM unnest(%s::bigint[], %s::boolean[], %s::integer[], %s::text[], %s::text[]) "
            "AS d(id, published, popularity, head, body) ORDER BY id "
            "ON CONFLICT (course_id) DO UPDATE SET is_published = EXCLUDED.is_published, "
            "popularity = EXCLUDED.popularity, head = EXCLUDED.head, body = EXCLUDED.body",
            columns,
        )
