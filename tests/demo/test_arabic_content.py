"""The demo catalog in Arabic (demo/content/arabic.py): every course, category, tag,
instructor and syllabus piece of the four-language content has its Arabic, so a course added
without Arabic fails here rather than showing English on /ar/."""

import re
import string

import pytest

from demo.content import CATEGORIES, COURSES, INSTRUCTORS, TAGS, arabic, syllabus
from demo.steps import campaigns, partners


def _missing(expected: set[str], arabic_texts: dict) -> list[str]:
    """Keys without Arabic, or with an empty part."""
    return sorted(
        key
        for key in expected
        if not (values := arabic_texts.get(key))
        or not all(part.strip() for part in (values if isinstance(values, tuple) else (values,)))
    )


def test_every_course_has_an_arabic_title_subtitle_and_description():
    assert _missing({spec.slug for spec in COURSES}, arabic.COURSES) == []


def test_every_category_tag_and_instructor_has_its_arabic():
    assert _missing({spec.slug for spec in CATEGORIES}, arabic.CATEGORIES) == []
    assert _missing(set(TAGS), arabic.TAGS) == []
    assert _missing({spec.slug for spec in INSTRUCTORS}, arabic.INSTRUCTORS) == []


def test_every_syllabus_piece_has_its_arabic():
    assert _missing({theme[0] for theme in syllabus.SECTION_THEMES}, arabic.SECTION_THEMES) == []
    assert _missing({topic[0] for topic in syllabus.LESSON_TOPICS}, arabic.LESSON_TOPICS) == []
    assert _missing(set(syllabus.UNIT_LABEL), arabic.UNIT_LABEL) == []
    assert _missing({slug for slug, _name, _sentence in syllabus.VARIANTS}, arabic.VARIANTS) == []


def test_partners_campaigns_and_the_consent_text_have_their_arabic():
    assert _missing(set(partners.PARTNERS), arabic.PARTNERS) == []
    assert _missing(set(campaigns.HEADLINES), arabic.CAMPAIGN_HEADLINES) == []
    assert arabic.CONSENT_TEXT_V1.strip()


def test_no_arabic_is_left_for_content_that_is_gone():
    # A renamed slug would otherwise keep its Arabic under the old name, and the new one
    # would show English.
    assert set(arabic.COURSES) - {spec.slug for spec in COURSES} == set()
    assert set(arabic.CATEGORIES) - {spec.slug for spec in CATEGORIES} == set()
    assert set(arabic.TAGS) - set(TAGS) == set()
    assert set(arabic.INSTRUCTORS) - {spec.slug for spec in INSTRUCTORS} == set()
    assert set(arabic.LESSON_TOPICS) - {topic[0] for topic in syllabus.LESSON_TOPICS} == set()


def _fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


@pytest.mark.parametrize(
    ("arabic_template", "english_template"),
    [
        (arabic.SECTION_LABEL, syllabus.SECTION_LABEL[0]),
        (arabic.LESSON_BODY, syllabus.LESSON_BODY[0]),
        (arabic.VARIANT_TITLE, syllabus.VARIANT_TITLE[0]),
        *((arabic.UNIT_LABEL[key], syllabus.UNIT_LABEL[key][0]) for key in syllabus.UNIT_LABEL),
    ],
)
def test_arabic_templates_take_the_same_placeholders(arabic_template, english_template):
    assert _fields(arabic_template) == _fields(english_template)


ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def test_the_arabic_is_written_in_arabic_script():
    # Python and other product names may stay in Latin letters; prose may not.
    texts = [
        *(part for values in arabic.COURSES.values() for part in values),
        *(part for values in arabic.CATEGORIES.values() for part in values),
        *(part for values in arabic.INSTRUCTORS.values() for part in values),
        *(name for slug, name in arabic.TAGS.items() if slug != "python"),
    ]
    assert [text for text in texts if not ARABIC_LETTER.search(text)] == []
