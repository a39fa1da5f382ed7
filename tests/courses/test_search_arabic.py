"""Arabic titles are searchable: the catalog search indexes every content language,
Arabic with PostgreSQL's ``simple`` configuration (whole words, no stemming yet)."""

import pytest

from courses.selectors import course_list
from tests.factories import CourseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def found(query: str) -> list[str]:
    return [course.slug for course in course_list(currency="USD", query=query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("الشاي", ["tea"]),  # a word of the Arabic title
        ("طريق الشاي", ["tea"]),  # every word
        ("الخط", ["calligraphy"]),
        ("الشاي الخط", []),  # every term must match
    ],
)
def test_an_arabic_word_finds_the_course_with_it_in_its_arabic_title(query, expected):
    CourseFactory(slug="tea", title_en="The way of tea", title_ar="طريق الشاي")
    CourseFactory(slug="calligraphy", title_en="Chinese calligraphy", title_ar="الخط الصيني للمبتدئين")

    assert found(query) == expected


def test_the_arabic_catalog_page_shows_arabic_titles_and_finds_them(client):
    CourseFactory(slug="tea", title_en="The way of tea", title_ar="طريق الشاي")

    html = client.get("/ar/courses/", {"q": "الشاي"}).content.decode()

    assert 'data-slug="tea"' in html
    assert "الشاي" in html
