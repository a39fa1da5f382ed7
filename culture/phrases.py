"""Key-phrase candidates per language: Chinese segmented by jieba, Japanese by Janome (pure
Python, dictionary in the wheel), every other language by word 1-2-grams without stopwords
(the ``stop-words`` lists). Languages come from settings, so a new one works without code:
it falls back to the word tokenizer."""

from __future__ import annotations

import itertools
import logging
import re
from functools import cache

from stop_words import get_stop_words

# The stop-words package names its lists by English language names.
STOPWORD_LISTS = {"en": "english", "es": "spanish", "ar": "arabic", "zh": "chinese", "ja": "japanese"}
KANJI = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?", re.UNICODE)
# Arabic short vowels and tatweel: the same word with and without them is one phrase.
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640]")
# Words every course description uses whatever it is about (formats, units of time, the
# verbs of teaching): a catalog's own stopwords, on top of the language's.
CATALOG_WORDS = {
    "en": set(
        [
            "course",
            "courses",
            "lesson",
            "lessons",
            "learn",
            "learners",
            "class",
            "classes",
            "live",
            "session",
            "sessions",
            "seats",
            "week",
            "weeks",
            "day",
            "days",
            "month",
            "months",
            "hour",
            "hours",
            "minutes",
            "time",
            "audio",
            "episode",
            "episodes",
            "e-book",
            "chapter",
            "chapters",
            "questions",
            "start",
            "read",
            "write",
            "build",
            "simple",
            "compare",
            "follow",
            "choose",
            "plan",
            "practical",
            "examples",
            "people",
            "practise",
            "practice",
            "cover",
            "matters",
            "rules",
            "listen",
            "talks",
            "everyday",
            "real",
            "step",
            "steps",
            "set",
            "notice",
            "explain",
            "explained",
            "bring",
            "guide",
            "ideas",
            "hands-on",
        ]
    ),
    "es": set(
        [
            "curso",
            "cursos",
            "lección",
            "lecciones",
            "aprende",
            "clase",
            "clases",
            "directo",
            "sesión",
            "sesiones",
            "semana",
            "día",
            "días",
            "mes",
            "hora",
            "horas",
            "minutos",
            "audio",
            "episodio",
            "episodios",
            "libro",
            "electrónico",
            "capítulo",
            "capítulos",
            "preguntas",
        ]
    ),
}


def base_language(code: str) -> str:
    return code.split("-")[0].split("_")[0].lower()


@cache
def stopwords(code: str) -> frozenset[str]:
    base = base_language(code)
    words = set(CATALOG_WORDS.get(base, set()))
    name = STOPWORD_LISTS.get(base)
    if name:
        words.update(word.lower() for word in get_stop_words(name))
    return frozenset(words)


@cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@cache
def _janome():
    from janome.tokenizer import Tokenizer

    return Tokenizer()


def _chinese(text: str, stop: frozenset[str]) -> list[str]:
    # Single characters are kept: 茶 (tea), 瓷 (porcelain) are whole words; the stopword
    # list and the catalog-wide document frequency take out 的, 了 and their kind.
    words = _jieba().lcut(text)
    return [w for w in words if WORD.fullmatch(w) and w not in stop]


def _japanese(text: str, stop: frozenset[str]) -> list[str]:
    """Nouns, with runs of adjacent nouns joined (茶 + 道 -> 茶道, 行 + 書 -> 行書)."""
    phrases: list[str] = []
    run: list[str] = []
    for token in _janome().tokenize(text):
        pos = token.part_of_speech.split(",")
        if pos[0] == "名詞" and pos[1] not in {"数", "代名詞", "非自立", "接尾"}:
            run.append(token.surface)
            continue
        if run:
            phrases.append("".join(run))
            run = []
    if run:
        phrases.append("".join(run))
    return [p for p in phrases if (len(p) > 1 or KANJI.fullmatch(p)) and WORD.fullmatch(p) and p not in stop]


def _words(text: str, stop: frozenset[str]) -> list[str]:
    """Word 1-3-grams made of non-stopwords ("tang dynasty", "traditional chinese medicine")."""
    tokens = WORD.findall(ARABIC_MARKS.sub("", text.lower()))
    keep = [t if len(t) > 1 and t not in stop else None for t in tokens]
    bigrams = [f"{a} {b}" for a, b in itertools.pairwise(keep) if a and b]
    trigrams = [f"{a} {b} {c}" for a, b, c in zip(keep, keep[1:], keep[2:], strict=False) if a and b and c]
    return [t for t in keep if t] + bigrams + trigrams


def analyzer(code: str):
    """The phrase extractor of one language, for ``TfidfVectorizer(analyzer=...)``."""
    base = base_language(code)
    stop = stopwords(code)
    if base == "zh":
        return lambda text: _chinese(text, stop)
    if base == "ja":
        return lambda text: _japanese(text, stop)
    return lambda text: _words(text, stop)
