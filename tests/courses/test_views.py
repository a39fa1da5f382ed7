"""Storefront pages of the catalog: home, catalog list, course page."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.money import format_money
from courses.models import Course
from courses.views import catalog
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

LANGUAGES = ["en", "zh-hans", "ja", "es", "ar"]


def url(name: str, language: str = "en", *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def title_of(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert match, "page has no <title>"
    return " ".join(match.group(1).split())


def card_slugs(response) -> list[str]:
    return re.findall(r'data-testid="course-card" data-slug="([^"]+)"', response.content.decode())


@pytest.fixture
def tea_course():
    category = CategoryFactory(slug="chinese-culture", name_en="Chinese culture", name_zh_hans="中国文化")
    return CourseFactory(
        slug="tea-ceremony",
        title_en="The Way of Tea",
        title_zh_hans="中国茶道入门",
        title_ja="中国茶の作法入門",
        title_es="El camino del té",
        title_ar="طريق الشاي",
        subtitle_en="Brew, taste and serve",
        category=category,
        instructor=InstructorFactory(name_en="Lin Mei", bio_en="Tea master from Hangzhou."),
    )


# --- Every page in every language ------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected_title"),
    [
        ("en", "The Way of Tea"),
        ("zh-hans", "中国茶道入门"),
        ("ja", "中国茶の作法入門"),
        ("es", "El camino del té"),
        ("ar", "طريق الشاي"),
    ],
)
def test_course_page_renders_in_each_language_with_localized_title(
    client, tea_course, language, expected_title
):
    # when
    response = client.get(url("courses:detail", language, tea_course.slug))
    # then
    assert response.status_code == 200
    # the platform name after the dot is itself translated (知桥, 知橋（Zhiqiao）)
    assert title_of(response).startswith(f"{expected_title} · ")
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert f'<h1 class="course-title">{expected_title}</h1>' in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["courses:home", "courses:list"])
def test_home_and_catalog_render_in_each_language(client, tea_course, language, name):
    response = client.get(url(name, language))
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()
    assert card_slugs(response) != []


def test_spanish_blank_title_falls_back_to_english(client):
    # given a course with no Spanish title
    course = CourseFactory(slug="no-spanish", title_en="Budgeting basics", title_es="")
    # when
    detail = client.get(url("courses:detail", "es", course.slug))
    listing = client.get(url("courses:list", "es"))
    # then
    assert title_of(detail) == "Budgeting basics · Zhiqiao"
    assert ">Budgeting basics</a>" in listing.content.decode()


def test_home_lists_popular_and_newest_courses_and_top_categories(client):
    CourseFactory(slug="popular-one", enrollment_count=100, category=CategoryFactory(slug="finance"))
    response = client.get(url("courses:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert card_slugs(response).count("popular-one") == 2  # in both rails
    assert "?category=finance" in html
    assert "{# recommender rail" not in html


# --- Course page ---------------------------------------------------------------------


def test_course_page_shows_syllabus_previews_instructor_and_price(client, tea_course):
    section = SectionFactory(course=tea_course, title_en="Green tea", position=1)
    LessonFactory(section=section, title_en="Picking leaves", is_preview=True, position=1)
    LessonFactory(section=section, title_en="Water temperature", position=2, duration_minutes=75)
    response = client.get(url("courses:detail", "en", tea_course.slug) + "?currency=USD")
    html = response.content.decode()
    assert "Green tea" in html
    assert "Picking leaves" in html
    assert html.count('class="badge badge--preview"') == 1
    assert "1 h 15 min" in html
    assert "Lin Mei" in html and "Tea master from Hangzhou." in html
    assert '<p class="buy-price">$29.00</p>' in html
    assert "No reviews yet" in html


def test_course_page_price_follows_currency_and_language(client, tea_course):
    zh = client.get(url("courses:detail", "zh-hans", tea_course.slug)).content.decode()
    assert '<p class="buy-price">¥199.00</p>' in zh
    ja = client.get(url("courses:detail", "ja", tea_course.slug) + "?currency=JPY").content.decode()
    assert '<p class="buy-price">￥4,200</p>' in ja
    es = client.get(url("courses:detail", "es", tea_course.slug) + "?currency=EUR").content.decode()
    assert '<p class="buy-price">27,00\u00a0€</p>' in es


def test_course_without_price_in_currency_says_so(client):
    course = CourseFactory(slug="usd-only", prices={"USD": Decimal("10.00")})
    html = client.get(url("courses:detail", "en", course.slug) + "?currency=JPY").content.decode()
    assert "Not available in JPY" in html
    assert 'href="?currency=USD"' in html


def test_live_class_shows_upcoming_sessions_with_seats_left(client):
    session = LiveSessionFactory(capacity=10, seats_taken=7)
    LiveSessionFactory(course=session.course, capacity=3, seats_taken=3)
    html = client.get(url("courses:detail", "en", session.course.slug)).content.decode()
    assert "3 seats left" in html
    assert "Sold out" in html


def test_unknown_and_unpublished_course_are_404_with_the_friendly_page(client):
    CourseFactory(slug="draft", is_published=False)
    for slug in ("does-not-exist", "draft"):
        response = client.get(url("courses:detail", "en", slug))
        assert response.status_code == 404
        assert 'data-testid="not-found"' in response.content.decode()


def test_language_switcher_links_to_the_same_course_in_other_languages(client, tea_course):
    html = client.get(url("courses:detail", "en", tea_course.slug)).content.decode()
    for language in ("zh-hans", "ja", "es", "ar"):
        assert f'href="/{language}/courses/tea-ceremony/" lang="{language}"' in html


def test_language_switcher_keeps_the_query_string(client, tea_course):
    html = client.get(url("courses:list", "ja") + "?q=tea&format=video").content.decode()
    assert 'href="/es/courses/?q=tea&amp;format=video"' in html


def test_course_page_cost_is_the_same_for_3_and_30_lessons(client, django_assert_num_queries):
    small = CourseFactory(slug="small")
    big = CourseFactory(slug="big")
    for course, lessons in ((small, 3), (big, 30)):
        course.tags.add(TagFactory(), TagFactory())
        sections = [SectionFactory(course=course, position=i) for i in range(3)]
        for i in range(lessons):
            LessonFactory(section=sections[i % 3], position=i)
        LiveSessionFactory(course=course)
        LiveSessionFactory(course=course)
    # Includes owned by other apps (reviews, similar courses) add their own fixed cost, so
    # the small page is measured and the big one must cost exactly the same.
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(url("courses:detail", "en", "small")).status_code == 200
    # at least: course + tags + sections + lessons + sessions + prices
    assert len(small_queries) >= 6
    with django_assert_num_queries(len(small_queries)):
        response = client.get(url("courses:detail", "en", "big"))
    assert response.content.decode().count('<span class="lesson-title">') == 30


# --- Catalog list --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "query"),
    [("zh-hans", "茶道"), ("ja", "作法"), ("en", "way of tea"), ("es", "té"), ("en", "中国茶")],
)
def test_search_finds_course_in_every_language(client, tea_course, language, query):
    CourseFactory(slug="other", title_en="Spreadsheets")
    response = client.get(url("courses:list", language), {"q": query})
    assert response.status_code == 200
    assert card_slugs(response) == ["tea-ceremony"]


def test_filters_category_two_levels_format_level_language(client):
    top = CategoryFactory(slug="finance")
    sub = CategoryFactory(slug="investing", parent=top)
    other = CategoryFactory(slug="travel")
    CourseFactory(slug="budget", category=top, format=Course.Format.VIDEO, level="beginner", language="en")
    CourseFactory(
        slug="stocks", category=sub, format=Course.Format.LIVE, level="advanced", language="zh-hans"
    )
    CourseFactory(slug="japan", category=other, format=Course.Format.EBOOK, level="beginner", language="ja")
    listing = url("courses:list")
    assert sorted(card_slugs(client.get(listing, {"category": "finance"}))) == ["budget", "stocks"]
    assert card_slugs(client.get(listing, {"category": "investing"})) == ["stocks"]
    assert card_slugs(client.get(listing, {"format": "ebook"})) == ["japan"]
    assert sorted(card_slugs(client.get(listing, {"level": "beginner"}))) == ["budget", "japan"]
    assert card_slugs(client.get(listing, {"language": "zh-hans"})) == ["stocks"]
    assert card_slugs(client.get(listing, {"category": "finance", "format": "live"})) == ["stocks"]


def test_price_range_is_in_the_visitors_currency(client):
    CourseFactory(slug="cheap", prices={"USD": Decimal("10.00"), "JPY": Decimal("1500")})
    CourseFactory(slug="dear", prices={"USD": Decimal("90.00"), "JPY": Decimal("13000")})
    listing = url("courses:list")
    assert card_slugs(client.get(listing, {"currency": "USD", "price_max": "50"})) == ["cheap"]
    assert card_slugs(client.get(listing, {"currency": "JPY", "price_min": "2000"})) == ["dear"]
    both = client.get(
        listing, {"currency": "JPY", "price_min": "1000", "price_max": "20000", "ordering": "price"}
    )
    assert card_slugs(both) == ["cheap", "dear"]
    assert card_slugs(client.get(listing, {"currency": "EUR", "price_min": "0"})) == []


def test_orderings(client):
    CourseFactory(
        slug="a-cheap",
        enrollment_count=5,
        rating_average=Decimal("4.9"),
        rating_count=3,
        prices={"USD": Decimal("5.00")},
    )
    CourseFactory(
        slug="b-dear",
        enrollment_count=50,
        rating_average=Decimal("3.0"),
        rating_count=3,
        prices={"USD": Decimal("50.00")},
    )
    listing = url("courses:list")
    assert card_slugs(client.get(listing, {"ordering": "popular", "currency": "USD"})) == [
        "b-dear",
        "a-cheap",
    ]
    assert card_slugs(client.get(listing, {"ordering": "rating", "currency": "USD"})) == ["a-cheap", "b-dear"]
    assert card_slugs(client.get(listing, {"ordering": "price", "currency": "USD"})) == ["a-cheap", "b-dear"]
    assert card_slugs(client.get(listing, {"ordering": "-price", "currency": "USD"})) == ["b-dear", "a-cheap"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"ordering": "drop table"},
        {"price_min": "abc", "price_max": "1e999"},
        {"price_min": "-5"},
        {"format": "hologram"},
        {"level": "<script>"},
        {"category": "nope"},
        {"language": "xx"},
        {"q": "x" * 500},
        {"currency": "BTC"},
        {"page_size": "10000"},
        {"lang": "xx"},
    ],
)
def test_bad_input_never_breaks_the_catalog(client, params):
    CourseFactory(slug="only")
    response = client.get(url("courses:list"), params)
    assert response.status_code == 200
    assert card_slugs(response) in (["only"], [])


def test_bad_filter_is_dropped_while_good_ones_still_apply(client):
    CourseFactory(slug="video", format=Course.Format.VIDEO)
    CourseFactory(slug="audio", format=Course.Format.AUDIO)
    response = client.get(url("courses:list"), {"format": "audio", "price_min": "abc"})
    assert card_slugs(response) == ["audio"]


def test_page_out_of_range_shows_last_page_and_abc_shows_first(client, monkeypatch):
    monkeypatch.setattr(catalog, "PAGE_SIZE", 2)
    for i in range(5):
        CourseFactory(slug=f"c{i}", enrollment_count=10 - i)
    listing = url("courses:list")
    assert card_slugs(client.get(listing, {"page": "999"})) == ["c4"]
    assert card_slugs(client.get(listing, {"page": "abc"})) == ["c0", "c1"]
    page2 = client.get(listing, {"format": "video", "page": "2"})
    assert card_slugs(page2) == ["c2", "c3"]
    assert 'href="?format=video&amp;page=3"' in page2.content.decode()


@pytest.mark.parametrize("currency", ["USD", "JPY"])
def test_catalog_page_costs_the_same_for_5_and_50_courses(
    client, monkeypatch, django_assert_num_queries, currency
):
    monkeypatch.setattr(catalog, "PAGE_SIZE", 50)
    top = CategoryFactory(slug="top")
    categories = [CategoryFactory(slug=f"sub-{i}", parent=top) for i in range(3)]
    tags = [TagFactory(), TagFactory()]

    def make(count: int, prefix: str) -> None:
        for i in range(count):
            course = CourseFactory(slug=f"{prefix}-{i}", category=categories[i % 3])
            course.tags.add(*tags)

    make(5, "small")
    client.get(url("courses:list"), {"currency": currency})  # the choice is kept in the session
    # session + categories + count + page + tags
    with django_assert_num_queries(5):
        response = client.get(url("courses:list"))
    assert len(card_slugs(response)) == 5

    make(45, "more")
    with django_assert_num_queries(5):
        response = client.get(url("courses:list"))
    assert len(card_slugs(response)) == 50


def test_home_costs_the_same_for_few_and_many_courses(client, django_assert_num_queries):
    CourseFactory.create_batch(2)
    # categories + popular + tags + newest + tags
    with django_assert_num_queries(5):
        client.get(url("courses:home"))
    CourseFactory.create_batch(20)
    with django_assert_num_queries(5):
        client.get(url("courses:home"))


# --- Template helpers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "language", "expected"),
    [
        # CLDR (Babel) decides symbols, grouping and where the symbol goes
        ("29", "USD", "en", "$29.00"),
        ("1234567.5", "USD", "en", "$1,234,567.50"),
        ("1234.5", "USD", "es", "1.234,50\u00a0US$"),
        ("4200", "JPY", "ja", "￥4,200"),
        ("4200.5", "JPY", "en", "¥4,201"),
        ("199", "CNY", "zh-hans", "¥199.00"),
        ("199", "CNY", "en", "CN¥199.00"),
        ("4200", "JPY", "zh-hans", "JP¥4,200"),
        ("1234.5", "EUR", "es", "1.234,50\u00a0€"),
        ("27", "EUR", "en", "€27.00"),
        (None, "USD", "en", ""),
    ],
)
def test_money_format(amount, currency, language, expected):
    assert format_money(amount, currency, language) == expected


def test_generated_cover_escapes_the_title(client):
    course = CourseFactory(slug="x", title_en="<script>alert(1)</script>", cover_color="red;}")
    html = client.get(url("courses:detail", "en", course.slug)).content.decode()
    assert "<script>alert(1)" not in html
    assert 'fill="#2f6f8f"' in html  # an invalid colour falls back
    assert "&lt;" in html


@pytest.mark.parametrize("path", ["/en/no-such-page/", "/xx/courses/", "/ja/courses/bad%20slug/"])
def test_unknown_paths_get_the_friendly_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert 'data-testid="not-found"' in response.content.decode()


def test_signed_in_header_links_profile_and_sign_out(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="mei"))
    html = client.get(url("courses:home", "zh-hans")).content.decode()
    assert 'href="/zh-hans/accounts/profile/"' in html
    assert 'action="/zh-hans/accounts/logout/"' in html
    assert "/accounts/login/" not in html


# --- Audit additions: rating summary, uploaded cover, translated tags, PostgreSQL ranking ----


def test_course_page_shows_an_empty_rating_summary_then_the_average_and_count(client):
    # given a course nobody has rated and one rated 4.67 by 3 learners
    new = CourseFactory(slug="new-course")
    rated = CourseFactory(slug="rated-course", rating_count=3, rating_sum=14, rating_average=Decimal("4.67"))
    # when
    new_html = client.get(url("courses:detail", "en", new.slug)).content.decode()
    rated_html = client.get(url("courses:detail", "en", rated.slug)).content.decode()
    # then the empty summary says so, the rated one shows average and count
    assert "No reviews yet" in new_html
    assert "<strong>4.7</strong>" in rated_html
    assert "(3 reviews)" in rated_html
    assert "No reviews yet" not in rated_html


def test_uploaded_cover_is_shown_instead_of_the_generated_one(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # given a course with an uploaded cover image
    settings.MEDIA_ROOT = str(tmp_path)
    course = CourseFactory(slug="with-cover", title_en="Covered")
    course.cover = SimpleUploadedFile("tea.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    course.save()
    # when
    detail = client.get(url("courses:detail", "en", course.slug)).content.decode()
    listing = client.get(url("courses:list", "en")).content.decode()
    # then both pages use the upload, not the drawn SVG
    for html in (detail, listing):
        assert f'src="{course.cover.url}"' in html
        assert 'aria-label="Covered"' not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "#Budgeting"), ("zh-hans", "#预算"), ("ja", "#予算"), ("es", "#Budgeting")],
)
def test_course_page_tags_are_translated_with_english_fallback(client, language, expected):
    # given a tag translated into Chinese and Japanese only
    course = CourseFactory(slug="tagged")
    course.tags.add(TagFactory(slug="budgeting", name_en="Budgeting", name_zh_hans="预算", name_ja="予算"))
    # when
    html = client.get(url("courses:detail", language, course.slug)).content.decode()
    # then
    assert f">{expected}</a>" in html


@pytest.mark.postgres
def test_search_on_postgresql_ranks_the_closest_match_first(client):
    # given a popular course whose title has "tea" only as the start of "teachers", one
    # with "tea" only inside "steam", and a less popular course about tea
    CourseFactory(slug="teachers", title_en="Teachers' toolkit", enrollment_count=900)
    CourseFactory(slug="steam-engines", title_en="Steam engines", enrollment_count=500)
    CourseFactory(slug="tea-basics", title_en="Tea basics", enrollment_count=1)
    listing = url("courses:list")
    # when searching without an ordering, the whole word wins, then the word prefix; a
    # substring inside a word does not match; an explicit ordering still applies
    assert card_slugs(client.get(listing, {"q": "tea"})) == ["tea-basics", "teachers"]
    assert card_slugs(client.get(listing, {"q": "tea", "ordering": "popular"})) == ["teachers", "tea-basics"]


@pytest.mark.postgres
def test_chinese_search_on_postgresql_ranks_title_hits_first(client):
    # given a popular course mentioning 茶道 only in its description and a tea course
    CourseFactory(slug="history", enrollment_count=500, description_zh_hans="宋代茶道历史")
    CourseFactory(slug="tea-way", title_zh_hans="中国茶道入门", enrollment_count=1)
    # when / then
    assert card_slugs(client.get(url("courses:list", "zh-hans"), {"q": "茶道"})) == ["tea-way", "history"]


def test_course_page_shows_format_level_duration_and_instruction_language(client):
    course = CourseFactory(
        slug="facts",
        format=Course.Format.AUDIO,
        level=Course.Level.ADVANCED,
        duration_minutes=90,
        language="ja",
    )
    html = " ".join(client.get(url("courses:detail", "en", course.slug)).content.decode().split())
    assert "<dt>Format</dt><dd>audio course</dd>" in html
    assert "<dt>Level</dt><dd>advanced</dd>" in html
    assert "<dt>Duration</dt><dd>1 h 30 min</dd>" in html
    assert "<dt>Instruction language</dt><dd>Japanese</dd>" in html
