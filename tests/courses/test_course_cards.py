"""The course list's cards (courses.api.cards): the same JSON as CourseListSerializer in
every language, currency and search, cached per course, and never older than an edit."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from courses.api.catalog import CourseListSerializer
from courses.models import Course, Price
from courses.selectors import course_list
from courses.services import course_reindex
from tests.factories import CategoryFactory, CourseFactory, InstructorFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

LIST_URL = "/api/v1/courses/"


@pytest.fixture
def mixed_catalog(settings, tmp_path):
    """Courses with the cases a card has: texts missing in some languages (fallbacks),
    a tag and a category named in Chinese only, no subtitle, a free course, a free live
    class, no price in one currency, an uploaded cover, a rating with decimals."""
    settings.MEDIA_ROOT = tmp_path
    top = CategoryFactory(slug="culture", name_en="Culture", name_zh_hans="文化")
    sub = CategoryFactory(slug="tea-art", name_en="Tea art", name_zh_hans="茶艺", name_ja="", parent=top)
    only_chinese = TagFactory(slug="cha", name_en="", name_zh_hans="茶")
    translated = TagFactory(slug="beginner", name_en="Beginner", name_ja="初心者", name_es="Principiante")
    teacher = InstructorFactory(slug="wang", name_en="Wang Fang", name_zh_hans="王芳", name_ja="")
    courses = [
        CourseFactory(
            slug="tea-basics",
            title_en="Tea basics & <more>",
            title_zh_hans="茶艺入门",
            title_ja="",
            subtitle_en="Green, oolong, black",
            category=sub,
            instructor=teacher,
            enrollment_count=50,
            rating_count=3,
            rating_sum=13,
            rating_average=Decimal("4.33"),
        ),
        CourseFactory(
            slug="free-tea",
            title_en="Free tea talk",
            subtitle_en="",
            category=top,
            enrollment_count=40,
            format=Course.Format.AUDIO,
        ),
        CourseFactory(
            slug="live-tea", title_en="Live tea class", format=Course.Format.LIVE, enrollment_count=30
        ),
        CourseFactory(slug="steeped", title_en="Steeped", title_es="Infusión", enrollment_count=20),
        CourseFactory(slug="no-yen", title_en="Teapots", level=Course.Level.ADVANCED, enrollment_count=10),
    ]
    courses[0].tags.add(only_chinese, translated)
    courses[3].tags.add(translated)
    for course in courses[1:3]:
        Price.objects.filter(course=course).update(amount=0)
    Price.objects.filter(course=courses[4], currency="JPY").delete()
    courses[3].cover = SimpleUploadedFile("tea.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    courses[3].save()
    course_reindex(courses=Course.objects.all())
    return courses


def serializer_cards(params: dict, lang: str, currency: str) -> list[list]:
    """What CourseListSerializer writes for the page the API shows."""
    request = Request(APIRequestFactory().get(LIST_URL, params))
    with translation.override(lang):
        page = course_list(currency=currency, query=params.get("q", ""))[:50]
        data = CourseListSerializer(page, many=True, context={"request": request}).data
    return [list(card.items()) for card in json.loads(JSONRenderer().render(data))]


@pytest.mark.parametrize("lang", ["en", "zh-hans", "ja", "es", "ar"])
@pytest.mark.parametrize("currency", ["CNY", "JPY"])
@pytest.mark.parametrize("query", ["", "tea", "茶"])
def test_the_cards_are_what_the_serializer_writes(api_client, mixed_catalog, lang, currency, query):
    params = {"q": query} if query else {}

    # when the list is read (cards built), and read again under another URL (cards cached)
    built = api_client.get(LIST_URL, {**params, "lang": lang, "currency": currency, "page_size": 50})
    cached = api_client.get(LIST_URL, {**params, "lang": lang, "currency": currency, "page_size": 49})

    # then both are the serializer's cards, field for field and in its field order
    expected = serializer_cards(params, lang, currency)
    assert len(expected) == {"": 5, "tea": 4, "茶": 1}[query]
    assert [list(card.items()) for card in built.json()["results"]] == expected
    assert [list(card.items()) for card in cached.json()["results"]] == expected


def test_a_search_page_of_cards_seen_before_costs_no_query(
    api_client, mixed_catalog, django_assert_num_queries
):
    # the first page: ranked ids (one statement), the cards' courses with their tags
    with django_assert_num_queries(2):
        first = api_client.get(LIST_URL, {"q": "tea", "page_size": 3})
    # the same search under another URL: its ids and its cards from the cache
    with django_assert_num_queries(0):
        again = api_client.get(LIST_URL, {"q": "tea", "page_size": 3, "ordering": ""})
    # a larger page builds only the cards not seen yet
    with django_assert_num_queries(1) as larger:
        more = api_client.get(LIST_URL, {"q": "tea", "page_size": 5})
    assert "courses_search_top" not in larger.captured_queries[0]["sql"]
    assert again.json()["results"] == first.json()["results"]
    assert more.json()["results"][:3] == first.json()["results"]


def test_an_edit_shows_at_once_on_cached_cards(api_client, mixed_catalog):
    # given the cards of a search, cached
    api_client.get(LIST_URL, {"q": "tea", "lang": "ja"})

    # when a tag is renamed and a course's price changes (saved, as the admin does)
    tag = mixed_catalog[0].tags.get(slug="beginner")
    tag.name_ja = "入門"
    tag.save()
    price = Price.objects.get(course=mixed_catalog[0], currency="JPY")
    price.amount = Decimal("990")
    price.save()

    # then a page under another URL shows both
    card = api_client.get(LIST_URL, {"q": "tea", "lang": "ja", "page_size": 7}).json()["results"][0]
    assert card["slug"] == "tea-basics"
    assert card["tags"] == [{"slug": "beginner", "name": "入門"}, {"slug": "cha", "name": "茶"}]
    assert card["price"] == {"amount": "990", "currency": "JPY"}
