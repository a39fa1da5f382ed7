"""Reasons go through gettext and take names in the reader's language. Sentences are
compared with the compiled catalogues in locale/."""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from recommender import reranking
from recommender.reasons import REASON_AUDIENCE, REASON_TEMPLATES, localized, reason_text
from recommender.segments import describe_segment

TITLE = {
    "en": "Home cooking 1",
    "zh-hans": "家常菜1",
    "ja": "家庭料理1",
    "es": "Cocina casera 1",
    "ar": "الطبخ المنزلي 1",
}
CATEGORY = {
    "en": "Travel photography",
    "zh-hans": "旅行摄影",
    "ja": "旅行写真",
    "es": "Fotografía de viaje",
    "ar": "تصوير السفر",
}


def _compiled(language: str) -> bool:
    folder = language.replace("-", "_").split("_")[0] + ("_Hans" if language == "zh-hans" else "")
    return (Path(settings.BASE_DIR) / "locale" / folder / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "es", "ar"])
def test_reasons_use_the_active_language_for_names_and_sentences(language):
    with translation.override(language):
        because = reason_text(reranking.REASON_BECAUSE_YOU_TOOK, {"course": TITLE})
        new = reason_text(reranking.REASON_SOMETHING_NEW, {"category": CATEGORY})
        template = gettext("Because you took %(course)s")

    assert TITLE[language] in because
    assert CATEGORY[language] in new
    assert because == template % {"course": TITLE[language]}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "跨界推荐：旅行摄影"),
        ("ja", "新しい分野から：旅行写真"),
        ("es", "Algo nuevo: Fotografía de viaje"),
        ("ar", "شيء جديد: تصوير السفر"),
    ],
)
def test_something_new_is_translated_with_the_glossary_word(language, expected):
    with translation.override(language):
        text = reason_text(reranking.REASON_SOMETHING_NEW, {"category": CATEGORY})

    # The catalogues are compiled in the repository, so a missing translation is a failure.
    assert text == expected


RAIL_TITLES = ("Recommended for you", "Next for you", "Similar courses")


@pytest.mark.parametrize("language", ["zh-hans", "ja", "es", "ar"])
def test_every_reason_and_rail_title_is_translated(language):
    with translation.override("en"):
        sentences = [str(template) for template in REASON_TEMPLATES.values()]

    with translation.override(language):
        untranslated = [text for text in (*sentences, *RAIL_TITLES) if gettext(text) == text]

    assert untranslated == []


def test_every_reason_code_has_a_lazy_translatable_sentence():
    codes = {
        reranking.REASON_BECAUSE_YOU_TOOK,
        reranking.REASON_SIMILAR_LEARNERS,
        reranking.REASON_SOMETHING_NEW,
        reranking.REASON_INTEREST,
        reranking.REASON_SEGMENT,
        reranking.REASON_POPULAR,
        reranking.REASON_ALSO_TOOK,
        reranking.REASON_SIMILAR_CONTENT,
        REASON_AUDIENCE,
    }
    assert set(REASON_TEMPLATES) == codes
    assert all(type(template).__name__ == "__proxy__" for template in REASON_TEMPLATES.values())


def test_an_unknown_code_falls_back_to_popular():
    with translation.override("en"):
        assert reason_text("nonsense") == "Popular on Zhiqiao"


def test_names_fall_back_to_english_then_chinese():
    assert localized({"en": "", "zh-hans": "课程"}, "ja") == "课程"
    assert localized({"en": "Course", "ja": ""}, "ja") == "Course"
    assert localized(None, "ja") == ""


def test_segments_read_like_a_sentence():
    profile = {
        "domains": [
            {"slug": "finance", "share": 0.6, "name": {"en": "Finance", "zh-hans": "理财"}},
            {"slug": "travel", "share": 0.3, "name": {"en": "Travel"}},
        ]
    }

    with translation.override("en"):
        assert describe_segment(profile, "beginner") == "Finance beginners who also like Travel"
        assert (
            describe_segment({"domains": profile["domains"][:1]}, "advanced") == "Finance advanced learners"
        )
        assert describe_segment({}, "") == "Learners without a clear field yet"
