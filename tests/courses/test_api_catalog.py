"""Storefront catalog API: /api/v1/categories/, /api/v1/courses/, /api/v1/courses/<slug>/."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Course
from tests.factories import (
    CategoryFactory,
    CourseFactory,
    InstructorFactory,
    LessonFactory,
    LiveSessionFactory,
    SectionFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/courses/"
CATEGORIES_URL = "/api/v1/categories/"


def detail_url(slug: str) -> str:
    return f"/api/v1/courses/{slug}/"


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


# --- Course list: shape, language, currency ------------------------------------------------


def test_course_list_item_has_the_documented_fields(api_client):
    # given a published course with a tag, a subcategory and an instructor
    top = CategoryFactory(slug="finance", name_en="Finance")
    sub = CategoryFactory(slug="investing", name_en="Investing", parent=top)
    instructor = InstructorFactory(slug="li-wei", name_en="Li Wei")
    course = CourseFactory(
        slug="index-funds",
        title_en="Index funds",
        subtitle_en="Calm investing",
        category=sub,
        instructor=instructor,
        level=Course.Level.INTERMEDIATE,
        language="zh-hans",
        duration_minutes=95,
        enrollment_count=7,
        rating_count=2,
        rating_sum=9,
        rating_average=Decimal("4.50"),
    )
    course.tags.add(TagFactory(slug="etf", name_en="ETF"))

    # when an anonymous visitor lists courses in English
    response = api_client.get(LIST_URL)

    # then the item carries every documented field, the price in USD as a string
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None
    assert body["previous"] is None
    assert body["results"] == [
        {
            "slug": "index-funds",
            "title": "Index funds",
            "subtitle": "Calm investing",
            "highlight": None,  # only when searching (?q=)
            "format": "video",
            "format_label": "video course",
            "level": "intermediate",
            "level_label": "intermediate",
            "language": "zh-hans",
            "duration_minutes": 95,
            "category": {"slug": "investing", "name": "Investing"},
            "instructor": {"slug": "li-wei", "name": "Li Wei"},
            "tags": [{"slug": "etf", "name": "ETF"}],
            "price": {"amount": "29.00", "currency": "USD"},
            "rating": {"average": "4.50", "count": 2},
            "enrollment_count": 7,
            "cover": None,
            "cover_color": "#2f6f8f",
            "url": "http://testserver/api/v1/courses/index-funds/",
            "web_url": "http://testserver/en/courses/index-funds/",
            "buying": {"state": "available", "progress": None},
        }
    ]


@pytest.mark.parametrize(
    ("lang", "title", "currency", "amount"),
    [
        ("en", "Tea ceremony", "USD", "29.00"),
        ("zh-hans", "茶道入门", "CNY", "199.00"),
        ("ja", "茶道入門", "JPY", "4200"),
        ("es", "Ceremonia del té", "EUR", "27.00"),
    ],
)
def test_lang_parameter_picks_titles_and_the_languages_currency(api_client, lang, title, currency, amount):
    # given a course translated into every language
    CourseFactory(
        title_en="Tea ceremony", title_zh_hans="茶道入门", title_ja="茶道入門", title_es="Ceremonia del té"
    )

    # when the list is asked for in one language
    response = api_client.get(LIST_URL, {"lang": lang})

    # then the title is in that language and the price in its currency
    assert response.status_code == 200
    item = response.json()["results"][0]
    assert item["title"] == title
    assert item["price"] == {"amount": amount, "currency": currency}
    assert response["Content-Language"] == lang


@pytest.mark.parametrize(
    ("header", "title"),
    [
        ("ja-JP,ja;q=0.9", "茶道入門"),
        ("zh-CN,zh;q=0.9", "茶道入门"),
        ("es", "Ceremonia del té"),
        ("fr", "Tea ceremony"),
    ],
)
def test_accept_language_header_picks_titles(api_client, header, title):
    # given a translated course
    CourseFactory(
        title_en="Tea ceremony", title_zh_hans="茶道入门", title_ja="茶道入門", title_es="Ceremonia del té"
    )

    # when the client only sends Accept-Language
    response = api_client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE=header)

    # then the header decides (an unsupported language gets English)
    assert response.status_code == 200
    assert response.json()["results"][0]["title"] == title


def test_lang_parameter_beats_accept_language(api_client):
    CourseFactory(title_en="Tea ceremony", title_ja="茶道入門", title_es="Ceremonia del té")

    response = api_client.get(LIST_URL, {"lang": "es"}, HTTP_ACCEPT_LANGUAGE="ja")

    assert response.json()["results"][0]["title"] == "Ceremonia del té"


@pytest.mark.parametrize("lang", ["xx", "klingon", "", "../etc"])
def test_unknown_lang_is_a_400(api_client, lang):
    # given a translated course
    CourseFactory(title_en="Tea ceremony", title_zh_hans="茶道入门")

    # when an unknown language is asked for
    response = api_client.get(LIST_URL, {"lang": lang})

    # then the client is told which codes exist (issue 11: not silently English)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": "lang must be one of: en, zh-hans, ja, es, ar."}


def test_blank_spanish_texts_fall_back_to_english(api_client):
    # given a course whose Spanish title and subtitle are blank
    CourseFactory(title_en="Calligraphy", title_es="", subtitle_en="Brush and ink", subtitle_es="")

    # when it is listed in Spanish
    response = api_client.get(LIST_URL, {"lang": "es"})

    # then the English texts are shown instead of empty strings
    item = response.json()["results"][0]
    assert item["title"] == "Calligraphy"
    assert item["subtitle"] == "Brush and ink"


def test_currency_parameter_overrides_the_languages_currency(api_client):
    CourseFactory()

    response = api_client.get(LIST_URL, {"lang": "ja", "currency": "EUR"})

    assert response.json()["results"][0]["price"] == {"amount": "27.00", "currency": "EUR"}


def test_course_without_a_price_in_the_currency_has_a_null_price(api_client):
    CourseFactory(prices={"USD": Decimal("10.00")})

    response = api_client.get(LIST_URL, {"currency": "CNY"})

    assert response.json()["results"][0]["price"] is None


# --- Search -------------------------------------------------------------------------------


@pytest.fixture
def searchable_courses():
    calligraphy = CourseFactory(
        slug="calligraphy",
        title_en="Chinese calligraphy for beginners",
        title_zh_hans="中国书法入门",
        title_ja="はじめての書道",
        title_es="Caligrafía china para principiantes",
    )
    tea = CourseFactory(
        slug="tea",
        title_en="The art of tea",
        title_zh_hans="茶艺之美",
        title_ja="お茶の楽しみ方",
        title_es="El arte del té",
    )
    return calligraphy, tea


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("书法", "en"),
        ("中国书法", "zh-hans"),
        ("書道", "ja"),
        ("はじめての", "en"),
        ("caligrafía", "es"),
        ("Calligraphy", "en"),
        ("chinese beginners", "en"),
    ],
)
def test_search_finds_a_course_in_every_language(api_client, searchable_courses, query, lang):
    # when a visitor searches with a term from one language (whatever the interface language)
    response = api_client.get(LIST_URL, {"q": query, "lang": lang})

    # then the matching course is found and the other one is not, and counted once (a typo
    # match of a course the words found already is the same course)
    assert response.status_code == 200
    assert slugs(response) == ["calligraphy"]
    assert response.json()["count"] == 1


def test_search_without_a_match_is_an_empty_page(api_client, searchable_courses):
    response = api_client.get(LIST_URL, {"q": "量子力学"})

    assert response.status_code == 200
    assert response.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
        "count_capped": False,
    }


# --- Filters -------------------------------------------------------------------------------


def test_category_filter_takes_a_top_category_with_its_subcategories(api_client):
    # given a top category, its subcategory and another category
    top = CategoryFactory(slug="culture")
    sub = CategoryFactory(slug="tea-culture", parent=top)
    CourseFactory(slug="in-top", category=top)
    CourseFactory(slug="in-sub", category=sub)
    CourseFactory(slug="elsewhere", category=CategoryFactory(slug="tech"))

    # when filtering by the top category and by the subcategory
    by_top = api_client.get(LIST_URL, {"category": "culture", "ordering": "title"})
    by_sub = api_client.get(LIST_URL, {"category": "tea-culture"})
    by_unknown = api_client.get(LIST_URL, {"category": "no-such-category"})

    # then the top includes its subcategory; an unknown slug is an empty list
    assert sorted(slugs(by_top)) == ["in-sub", "in-top"]
    assert slugs(by_sub) == ["in-sub"]
    assert by_unknown.status_code == 200
    assert slugs(by_unknown) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"format": "live"}, ["live-one"]),
        ({"format": "ebook"}, ["ebook-one"]),
        ({"format": "video"}, ["video-one"]),
        ({"format": "audio"}, []),
        ({"level": "advanced"}, ["ebook-one"]),
        ({"language": "ja"}, ["live-one"]),
        ({"tag": "tea"}, ["video-one"]),
    ],
)
def test_format_level_language_and_tag_filters(api_client, params, expected):
    video = CourseFactory(slug="video-one", format="video", level="beginner", language="en")
    video.tags.add(TagFactory(slug="tea"))
    CourseFactory(slug="live-one", format="live", level="beginner", language="ja")
    CourseFactory(slug="ebook-one", format="ebook", level="advanced", language="en")

    response = api_client.get(LIST_URL, params)

    assert response.status_code == 200
    assert slugs(response) == expected


@pytest.fixture
def priced_courses():
    CourseFactory(slug="cheap", prices={"CNY": Decimal("49.00"), "USD": Decimal("7.00")})
    CourseFactory(slug="middle", prices={"CNY": Decimal("199.00"), "USD": Decimal("29.00")})
    CourseFactory(slug="dear", prices={"CNY": Decimal("999.00"), "USD": Decimal("139.00")})


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"currency": "CNY", "price_min": "100", "ordering": "price"}, ["middle", "dear"]),
        ({"currency": "CNY", "price_max": "199", "ordering": "price"}, ["cheap", "middle"]),
        ({"currency": "CNY", "price_min": "50", "price_max": "998.99"}, ["middle"]),
        ({"currency": "USD", "price_min": "29.00", "price_max": "29.00"}, ["middle"]),
        ({"lang": "zh-hans", "price_max": "60"}, ["cheap"]),
        ({"lang": "en", "price_max": "60", "ordering": "price"}, ["cheap", "middle"]),
    ],
)
def test_price_range_filter_in_the_chosen_currency(api_client, priced_courses, params, expected):
    response = api_client.get(LIST_URL, params)

    assert response.status_code == 200
    assert slugs(response) == expected


# --- Ordering -----------------------------------------------------------------------------


@pytest.fixture
def ordered_courses():
    now = timezone.now()
    CourseFactory(
        slug="alpha",
        title_en="Alpha",
        enrollment_count=5,
        rating_average=Decimal("3.00"),
        published_at=now - timedelta(days=3),
        prices={"USD": Decimal("20.00")},
    )
    CourseFactory(
        slug="bravo",
        title_en="Bravo",
        enrollment_count=50,
        rating_average=Decimal("4.80"),
        published_at=now - timedelta(days=10),
        prices={"USD": Decimal("5.00")},
    )
    CourseFactory(
        slug="charlie",
        title_en="Charlie",
        enrollment_count=20,
        rating_average=Decimal("4.10"),
        published_at=now - timedelta(days=1),
        prices={"USD": Decimal("90.00")},
    )


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("", ["bravo", "charlie", "alpha"]),
        ("popular", ["bravo", "charlie", "alpha"]),
        ("newest", ["charlie", "alpha", "bravo"]),
        ("rating", ["bravo", "charlie", "alpha"]),
        ("price", ["bravo", "alpha", "charlie"]),
        ("-price", ["charlie", "alpha", "bravo"]),
        ("title", ["alpha", "bravo", "charlie"]),
    ],
)
def test_ordering(api_client, ordered_courses, ordering, expected):
    response = api_client.get(LIST_URL, {"ordering": ordering, "currency": "USD"})

    assert response.status_code == 200
    assert slugs(response) == expected


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xyz"}, "format"),
        ({"level": "guru"}, "level"),
        ({"language": "tlh"}, "language"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "usd "}, "currency"),
        ({"price_min": "abc"}, "price_min"),
        ({"price_max": "NaN"}, "price_max"),
        ({"price_max": "Infinity"}, "price_max"),
        ({"price_min": "-1"}, "price_min"),
        ({"price_min": "1e400"}, "price_min"),
        ({"ordering": "-title; DROP TABLE"}, "ordering"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_invalid_filter_values_are_a_400_with_code(api_client, params, field):
    CourseFactory()

    response = api_client.get(LIST_URL, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith(f"{field}: ")
    assert list(body["errors"]) == [field]


def test_page_abc_is_a_404_with_code(api_client):
    CourseFactory()

    response = api_client.get(LIST_URL, {"page": "abc"})

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Invalid page."}


def test_page_past_the_end_is_a_404_with_code(api_client):
    CourseFactory()

    response = api_client.get(LIST_URL, {"page": "99"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("page_size", ["7", "100"])
def test_page_size_up_to_100(api_client, page_size):
    # given more courses than the cap
    CourseFactory.create_batch(101)

    # when a client asks for a page of up to 100
    response = api_client.get(LIST_URL, {"page_size": page_size})

    # then it gets that many
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 101
    assert len(body["results"]) == int(page_size)
    assert body["next"] is not None


@pytest.mark.parametrize("page_size", ["10000", "101", "abc", "0", "-5"])
def test_page_size_outside_1_to_100_is_a_400(api_client, page_size):
    CourseFactory()

    response = api_client.get(LIST_URL, {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == "page_size: page_size must be a whole number from 1 to 100."


def test_unknown_course_slug_is_a_404_with_code(api_client):
    response = api_client.get(detail_url("no-such-course"))

    assert response.status_code == 404
    assert response.json() == {
        "code": "course_not_found",
        "detail": "This course does not exist or is not on sale.",
    }


def test_detail_with_a_bad_currency_is_a_400(api_client):
    course = CourseFactory()

    response = api_client.get(detail_url(course.slug), {"currency": "XXX"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_catalog_refuses_writes(api_client):
    course = CourseFactory()

    response = api_client.post(LIST_URL, {"slug": "new"}, format="json")
    deleted = api_client.delete(detail_url(course.slug))

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert deleted.status_code == 405
    assert Course.objects.filter(slug=course.slug).exists()


# --- Unpublished courses ------------------------------------------------------------------------


def test_unpublished_courses_are_invisible(api_client):
    # given a published and an unpublished course in the same category
    category = CategoryFactory(slug="art")
    CourseFactory(slug="on-sale", category=category)
    CourseFactory(slug="draft", category=category, is_published=False, title_en="Secret draft")

    # when the catalog is browsed, searched and opened
    listed = api_client.get(LIST_URL)
    searched = api_client.get(LIST_URL, {"q": "secret"})
    opened = api_client.get(detail_url("draft"))
    categories = api_client.get(CATEGORIES_URL)

    # then the draft appears nowhere and is not counted
    assert slugs(listed) == ["on-sale"]
    assert slugs(searched) == []
    assert opened.status_code == 404
    assert opened.json()["code"] == "course_not_found"
    assert categories.json()["results"][0]["course_count"] == 1


# --- Course detail ----------------------------------------------------------------------------


def test_course_detail_shows_syllabus_sessions_and_every_price(api_client):
    # given a live class with a preview lesson, a locked lesson, a past and a future session
    course = CourseFactory(
        slug="live-tea",
        format="live",
        title_en="Live tea class",
        title_ja="ライブ茶道",
        description_en="Brew with us.",
        description_ja="一緒に淹れましょう。",
    )
    section = SectionFactory(course=course, title_en="Basics", title_ja="基本", position=1)
    preview = LessonFactory(
        section=section,
        title_en="Welcome",
        title_ja="ようこそ",
        body_en="Hello",
        body_ja="こんにちは",
        media_url="https://cdn.example.com/welcome.mp4",
        is_preview=True,
        position=1,
        duration_minutes=5,
    )
    locked = LessonFactory(
        section=section,
        title_en="Water",
        body_en="Secret",
        media_url="https://cdn.example.com/water.mp4",
        position=2,
        duration_minutes=12,
    )
    LiveSessionFactory(course=course, starts_at=timezone.now() - timedelta(days=1))
    upcoming = LiveSessionFactory(course=course, capacity=10, seats_taken=3)

    # when the course page is read in Japanese
    response = api_client.get(detail_url("live-tea"), {"lang": "ja"})

    # then texts are Japanese (falling back to English where missing), only the preview
    # lesson shows its content, only the future session is listed, every price is there
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "ライブ茶道"
    assert body["description"] == "一緒に淹れましょう。"
    assert body["price"] == {"amount": "4200", "currency": "JPY"}
    assert body["sections"] == [
        {
            "id": section.pk,
            "title": "基本",
            "lessons": [
                {
                    "id": preview.pk,
                    "title": "ようこそ",
                    "duration_minutes": 5,
                    "is_preview": True,
                    "body": "こんにちは",
                    "media_url": "https://cdn.example.com/welcome.mp4",
                },
                {
                    "id": locked.pk,
                    "title": "Water",
                    "duration_minutes": 12,
                    "is_preview": False,
                    "body": None,
                    "media_url": None,
                },
            ],
        }
    ]
    assert body["upcoming_sessions"] == [
        {
            "id": upcoming.pk,
            "starts_at": upcoming.starts_at.isoformat().replace("+00:00", "Z"),
            "duration_minutes": 60,
            "capacity": 10,
            "seats_left": 7,
        }
    ]
    assert body["prices"] == [
        {"amount": "199.00", "currency": "CNY"},
        {"amount": "27.00", "currency": "EUR"},
        {"amount": "4200", "currency": "JPY"},
        {"amount": "29.00", "currency": "USD"},
    ]
    assert body["instructor"]["slug"] == course.instructor.slug
    assert body["url"] == "http://testserver/api/v1/courses/live-tea/"
    assert body["web_url"] == "http://testserver/ja/courses/live-tea/"


# --- Categories ---------------------------------------------------------------------------


def test_categories_are_two_levels_with_localized_names_and_published_counts(api_client):
    # given two top categories, one with two subcategories, and courses in some of them
    finance = CategoryFactory(slug="finance", name_en="Finance", name_zh_hans="理财", position=1)
    saving = CategoryFactory(slug="saving", name_en="Saving", name_zh_hans="储蓄", parent=finance, position=1)
    CategoryFactory(slug="stocks", name_en="Stocks", name_zh_hans="股票", parent=finance, position=2)
    CategoryFactory(slug="culture", name_en="Culture", name_zh_hans="", position=2)
    CourseFactory(category=finance)
    CourseFactory.create_batch(2, category=saving)
    CourseFactory(category=saving, is_published=False)

    # when the categories are read in Chinese
    response = api_client.get(CATEGORIES_URL, {"lang": "zh-hans"})

    # then the tree has localized names (blank falls back) and counts published courses only
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [
        (
            top["slug"],
            top["name"],
            top["course_count"],
            [(c["slug"], c["name"], c["course_count"]) for c in top["children"]],
        )
        for top in body["results"]
    ] == [
        ("finance", "理财", 3, [("saving", "储蓄", 2), ("stocks", "股票", 0)]),
        ("culture", "Culture", 0, []),
    ]


# --- Query counts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "second"),
    [
        ({}, 2),
        # a search's second page size reads the ranked ids the first one cached, and the
        # cards of the five courses it showed (courses.api.cards)
        ({"q": "course"}, 1),
        ({"ordering": "price", "category": "", "lang": "ja"}, 2),
        ({"format": "video"}, 2),
    ],
)
def test_course_list_costs_the_same_queries_for_5_and_50_items(
    api_client, django_assert_num_queries, params, second
):
    # given 50 courses, each with two tags
    tags = TagFactory.create_batch(2)
    for course in CourseFactory.create_batch(50):
        course.tags.add(*tags)

    # then a page of 5 and a page of 50 cost: count (a search: its ranked ids), the page
    # with its tags
    with django_assert_num_queries(2):
        small = api_client.get(LIST_URL, {"page_size": 5, **params})
    with django_assert_num_queries(second):
        large = api_client.get(LIST_URL, {"page_size": 50, **params})

    assert len(small.json()["results"]) == 5
    assert len(large.json()["results"]) == 50
    assert all(len(item["tags"]) == 2 for item in large.json()["results"])


def _course_with_lessons(slug: str, lessons: int) -> Course:
    course = CourseFactory(slug=slug, format="live")
    sections = SectionFactory.create_batch(3, course=course)
    for index in range(lessons):
        LessonFactory(section=sections[index % 3], is_preview=index == 0)
    LiveSessionFactory.create_batch(2, course=course)
    return course


def test_course_detail_costs_the_same_queries_for_3_and_30_lessons(api_client, django_assert_num_queries):
    _course_with_lessons("small", 3)
    _course_with_lessons("large", 30)

    # course, tags, sections, lessons, upcoming sessions, prices
    with django_assert_num_queries(6):
        small = api_client.get(detail_url("small"))
    with django_assert_num_queries(6):
        large = api_client.get(detail_url("large"))

    assert sum(len(section["lessons"]) for section in small.json()["sections"]) == 3
    assert sum(len(section["lessons"]) for section in large.json()["sections"]) == 30


def test_categories_cost_one_query(api_client, django_assert_num_queries):
    parent = CategoryFactory()
    CategoryFactory.create_batch(5, parent=parent)

    with django_assert_num_queries(1):
        response = api_client.get(CATEGORIES_URL)

    assert len(response.json()["results"][0]["children"]) == 5


# --- Audit additions: translated tags, chinese fallback, uploaded cover, PostgreSQL ranking ----


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Budgeting"), ("zh-hans", "预算"), ("ja", "予算"), ("es", "Budgeting")],
)
def test_tags_come_back_translated_with_english_fallback(api_client, lang, expected):
    # given a tag translated into Chinese and Japanese only
    course = CourseFactory(slug="tagged")
    course.tags.add(TagFactory(slug="budgeting", name_en="Budgeting", name_zh_hans="预算", name_ja="予算"))

    # when
    listed = api_client.get(LIST_URL, {"lang": lang})
    opened = api_client.get(detail_url("tagged"), {"lang": lang})

    # then
    assert listed.json()["results"][0]["tags"] == [{"slug": "budgeting", "name": expected}]
    assert opened.json()["tags"] == [{"slug": "budgeting", "name": expected}]


def test_text_only_in_chinese_falls_back_to_chinese_not_empty(api_client):
    # given an instructor whose name exists only in Chinese
    CourseFactory(slug="shufa", instructor=InstructorFactory(slug="wang", name_en="", name_zh_hans="王老师"))

    # when asked in Spanish (no Spanish, no English)
    response = api_client.get(LIST_URL, {"lang": "es"})

    # then the Chinese name is shown
    assert response.json()["results"][0]["instructor"] == {"slug": "wang", "name": "王老师"}


def test_uploaded_cover_is_an_absolute_url(api_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # given a course with an uploaded cover
    settings.MEDIA_ROOT = str(tmp_path)
    course = CourseFactory(slug="with-cover")
    course.cover = SimpleUploadedFile("tea.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    course.save()

    # when
    listed = api_client.get(LIST_URL)
    opened = api_client.get(detail_url("with-cover"))

    # then
    expected = f"http://testserver{course.cover.url}"
    assert listed.json()["results"][0]["cover"] == expected
    assert opened.json()["cover"] == expected


def test_detail_has_the_rating_summary(api_client):
    CourseFactory(slug="new")
    CourseFactory(slug="rated", rating_count=4, rating_sum=18, rating_average=Decimal("4.50"))

    assert api_client.get(detail_url("new")).json()["rating"] == {"average": "0.00", "count": 0}
    assert api_client.get(detail_url("rated")).json()["rating"] == {"average": "4.50", "count": 4}


@pytest.mark.postgres
def test_search_on_postgresql_ranks_the_closest_match_first(api_client):
    # given a popular course whose title has "tea" only as the start of "teachers", one
    # with "tea" only inside "steam", and a less popular tea course
    CourseFactory(slug="teachers", title_en="Teachers' toolkit", enrollment_count=900)
    CourseFactory(slug="steam-engines", title_en="Steam engines", enrollment_count=500)
    CourseFactory(slug="tea-basics", title_en="Tea basics", enrollment_count=1)

    # when searching without an ordering, the whole word wins, then the word prefix; a
    # substring inside a word does not match; an explicit ordering still applies
    assert slugs(api_client.get(LIST_URL, {"q": "tea"})) == ["tea-basics", "teachers"]
    assert slugs(api_client.get(LIST_URL, {"q": "tea", "ordering": "popular"})) == ["teachers", "tea-basics"]


@pytest.mark.postgres
def test_chinese_search_on_postgresql_ranks_title_hits_first(api_client):
    # given a popular course that mentions 茶道 only in its description, and a less popular
    # course with 茶道 in its title (trigram similarity is 0 for both: no spaces in Chinese)
    CourseFactory(slug="history", enrollment_count=500, description_zh_hans="宋代茶道历史")
    CourseFactory(slug="tea-way", title_zh_hans="中国茶道入门", enrollment_count=1)

    # when
    response = api_client.get(LIST_URL, {"q": "茶道", "lang": "zh-hans"})

    # then the title hit comes first
    assert slugs(response) == ["tea-way", "history"]
