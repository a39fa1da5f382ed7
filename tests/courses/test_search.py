"""Catalog search on PostgreSQL: what it finds, in what order, through which index, and
how the search documents follow edits (``courses.search``, ``courses.selectors``)."""

import re

import pytest
from django.db import connection

from courses import search, selectors
from courses.models import Course, CourseSearchDocument
from courses.selectors import course_list
from courses.services import course_reindex, course_search_refresh_popularity, course_set_published
from tests.factories import CategoryFactory, CourseFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LIST_URL = "/api/v1/courses/"


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def found(query: str) -> list[str]:
    return [course.slug for course in course_list(currency="CNY", query=query)]


# --- Relevance ------------------------------------------------------------------------------


def test_a_chinese_category_name_finds_every_course_under_it(api_client):
    # given a finance top category (理财) with two subcategories and a course in each, and
    # a course elsewhere
    finance = CategoryFactory(slug="finance", name_en="Personal finance", name_zh_hans="理财")
    saving = CategoryFactory(slug="saving", parent=finance, name_en="Saving", name_zh_hans="储蓄")
    stocks = CategoryFactory(slug="stocks", parent=finance, name_en="Stocks", name_zh_hans="股票")
    CourseFactory(slug="budget", category=saving, title_zh_hans="家庭预算")
    CourseFactory(slug="index-funds", category=stocks, title_zh_hans="指数基金")
    CourseFactory(slug="direct", category=finance, title_zh_hans="财务自由")
    CourseFactory(slug="tea", title_zh_hans="茶艺")

    # when a learner searches the category's name
    response = api_client.get(LIST_URL, {"q": "理财", "lang": "zh-hans"})

    # then every finance course is found, and only those
    assert sorted(slugs(response)) == ["budget", "direct", "index-funds"]


def test_tea_ranks_whole_words_in_titles_and_tags_first_and_ignores_teacher_and_instead(api_client):
    # given a very popular course whose text has "tea" only inside other words, a popular
    # course that says "tea" in its description, one tagged "tea", and a title hit
    CourseFactory(
        slug="llm",
        title_en="Large Language Models",
        description_en="A patient teacher shows how, instead of rules, models learn. Full steam ahead.",
        enrollment_count=5000,
    )
    CourseFactory(
        slug="ceramics", title_en="Ceramics", description_en="Bowls for tea and rice.", enrollment_count=900
    )
    tagged = CourseFactory(slug="mindful", title_en="Mindful afternoons", enrollment_count=50)
    tagged.tags.add(TagFactory(slug="tea", name_en="Tea"))
    course_reindex(courses=Course.objects.filter(pk=tagged.pk))
    CourseFactory(slug="tea-basics", title_en="Tea basics", enrollment_count=1)

    # when
    response = api_client.get(LIST_URL, {"q": "tea"})

    # then: title, then tag, then description; words that merely contain "tea" never match
    assert slugs(response) == ["tea-basics", "mindful", "ceramics"]


def test_a_one_character_cjk_term_ranks_titles_and_tags_above_descriptions():
    # given a popular course with 茶 only in its description, a Japanese title with お茶 and
    # a course tagged 茶
    CourseFactory(slug="song", description_zh_hans="宋代的生活：饮茶与点香", enrollment_count=800)
    CourseFactory(slug="ocha", title_ja="お茶の楽しみ方", enrollment_count=1)
    tagged = CourseFactory(slug="tagged", enrollment_count=2)
    tagged.tags.add(TagFactory(slug="cha", name_zh_hans="茶"))
    course_reindex(courses=Course.objects.filter(pk=tagged.pk))
    CourseFactory(slug="coffee", title_zh_hans="咖啡", enrollment_count=999)

    assert found("茶") == ["ocha", "tagged", "song"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("caligrafia", ["calligraphy"]),  # typed without the accent
        ("caligrafía", ["calligraphy"]),
        ("calli", ["calligraphy"]),  # a prefix of a title word
        ("中国书法", ["calligraphy"]),  # four characters: a phrase of pairs
        ("国书法入", ["calligraphy"]),
        ("书法中国", []),  # the same pairs in another order are not the phrase
        ("はじめての", ["calligraphy"]),
        ("ＣＡＬＬＩＧＲＡＰＨＹ", ["calligraphy"]),  # full-width letters
        ("chinese beginners", ["calligraphy"]),
        ("chinese tea", []),  # every term must match
        ("!!!", []),
    ],
)
def test_words_phrases_prefixes_and_accents(query, expected):
    CourseFactory(
        slug="calligraphy",
        title_en="Chinese calligraphy for beginners",
        title_zh_hans="中国书法入门",
        title_ja="はじめての書道",
        title_es="Caligrafía china para principiantes",
    )
    CourseFactory(slug="tea", title_en="The art of tea", title_zh_hans="茶艺之美")

    assert found(query) == expected


# --- Bounded work ---------------------------------------------------------------------------


def test_the_search_ranks_only_the_most_popular_candidates_and_says_the_count_is_capped(
    api_client, monkeypatch
):
    # given five matching courses and a candidate limit of three
    monkeypatch.setattr(selectors, "SEARCH_CANDIDATES", 3)
    monkeypatch.setattr("courses.api.catalog.SEARCH_CANDIDATES", 3)
    for popularity in (10, 20, 30, 40, 50):
        CourseFactory(slug=f"tea-{popularity}", title_en="Tea", enrollment_count=popularity)
    course_search_refresh_popularity()

    # when
    body = api_client.get(LIST_URL, {"q": "tea"}).json()
    browsing = api_client.get(LIST_URL).json()

    # then the three most popular are ranked, and the count says it stopped there
    assert [item["slug"] for item in body["results"]] == ["tea-50", "tea-40", "tea-30"]
    assert (body["count"], body["count_capped"]) == (3, True)
    assert (browsing["count"], browsing["count_capped"]) == (5, False)


@pytest.mark.parametrize("query", ["茶", "tea", "理财", "中国书法"])
def test_search_queries_use_the_gin_indexes(query):
    # given a few courses
    CourseFactory.create_batch(3)
    parsed = search.build_query(query)

    # the search reads its candidates through courses_search_candidates, which never lets
    # PostgreSQL scan the documents table (it would decompress every course's vector)
    outer_plan = course_list(currency="CNY", query=query).explain()
    assert "Function Scan on courses_search_candidates" in outer_plan
    assert "courses_coursesearchdocument u" not in outer_plan.split("Function Scan")[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc, proconfig FROM pg_proc WHERE proname = 'courses_search_candidates'")
        body, config = cursor.fetchone()
        assert config == ["enable_seqscan=off"]

        # when the function's query is planned with its own setting
        cursor.execute("SET LOCAL enable_seqscan = off")
        statement = re.sub(r"\b(words|prefixes)\b", "%s::tsquery", body).replace("wanted", "%s")
        cursor.execute("EXPLAIN " + statement, [parsed.words, parsed.prefixes, 500])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then the matches come from the body index (and word prefixes from the head index)
    assert "Bitmap Index Scan on courses_search_body_gin" in plan
    assert ("courses_search_head_gin" in plan) == (query == "tea")
    assert "Seq Scan" not in plan


# --- Documents follow edits -------------------------------------------------------------------


def test_renaming_a_category_in_the_admin_reindexes_its_courses(client, django_user_model):
    # given a course in a subcategory of "Home"
    home = CategoryFactory(slug="home", name_en="Home", name_zh_hans="家居")
    sub = CategoryFactory(slug="kitchen", parent=home, name_en="Kitchen")
    CourseFactory(slug="knives", category=sub, title_en="Knife skills")
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1234")
    client.force_login(admin)

    # when the top category's Chinese name is changed in the admin
    response = client.post(
        f"/admin/courses/category/{home.pk}/change/",
        {"slug": "home", "name_en": "Home", "name_zh_hans": "家装", "position": 0, "description_en": ""},
    )

    # then the course is found by the new name and no longer by the old one
    assert response.status_code == 302
    assert found("家装") == ["knives"]
    assert found("家居") == []


def test_unpublishing_removes_a_course_from_the_search_at_once():
    course = CourseFactory(slug="tea", title_en="Tea")
    assert found("tea") == ["tea"]

    course_set_published(courses=Course.objects.filter(pk=course.pk), published=False)

    assert found("tea") == []
    assert CourseSearchDocument.objects.get(course=course).is_published is False


def test_the_query_builder_makes_literals_without_the_database():
    parsed = search.build_query("Tea 中国书法 茶 e-book")

    assert [(term.words, term.prefix) for term in parsed.terms] == [
        ("'tea'", "'tea':*"),
        ("('中国' <-> '国书' <-> '书法')", None),
        ("'茶'", None),
        ("('e' <-> 'book')", "('e' <-> 'book':*)"),
    ]
    assert search.build_query("?! …") is None


def test_the_hourly_task_copies_changed_enrollment_counts():
    from courses.tasks import refresh_search_popularity

    course = CourseFactory(slug="tea", title_en="Tea")
    Course.objects.filter(pk=course.pk).update(enrollment_count=42)

    assert refresh_search_popularity() == 1
    assert refresh_search_popularity() == 0  # nothing changed since
    assert CourseSearchDocument.objects.get(course=course).popularity == 42
