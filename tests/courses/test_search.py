"""Catalog search on PostgreSQL: what it finds, in what order, through which index, and
how the search documents follow edits (``courses.search``, ``courses.selectors``)."""

import re

import pytest
from django.db import connection

from courses import search
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


def test_every_match_is_ranked_and_the_count_stops_at_the_cap(api_client, monkeypatch):
    # given five popular courses that say "tea" in their descriptions, an unpopular one
    # with "Tea" in its title, and a count cap of three
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    monkeypatch.setattr("courses.api.catalog.COUNT_CAP", 3)
    for popularity in (10, 20, 30, 40, 50):
        CourseFactory(slug=f"popular-{popularity}", description_en="With tea.", enrollment_count=popularity)
    CourseFactory(slug="tea-title", title_en="Tea", enrollment_count=0)
    course_search_refresh_popularity()

    # when
    body = api_client.get(LIST_URL, {"q": "tea"}).json()
    browsing = api_client.get(LIST_URL).json()

    # then the title comes first although it is the least popular (every match is ranked,
    # not only the most popular ones), and the count (so the pages) stops at the cap
    assert [item["slug"] for item in body["results"]] == ["tea-title", "popular-50", "popular-40"]
    assert (body["count"], body["count_capped"]) == (3, True)
    assert (browsing["count"], browsing["count_capped"]) == (6, False)


def test_the_count_query_stops_at_the_cap(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    CourseFactory.create_batch(3, title_en="Tea")
    queryset = course_list(currency="CNY", query="tea")

    with django_assert_num_queries(1) as captured:
        assert queryset.count() == 2

    assert re.search(r"LIMIT 2\b", captured.captured_queries[0]["sql"])


def _matches_plan(query: str) -> str:
    """EXPLAIN of the first statement of courses_search_matches, with its setting."""
    parsed = search.build_query(query)
    prefixes = parsed.prefixes or search.Sql("NULL::tsquery")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT d.course_id FROM courses_coursesearchdocument d WHERE d.is_published "
            f"AND (d.body @@ {parsed.words.sql} OR d.head @@ {prefixes.sql})",
            [*parsed.words.params, *prefixes.params],
        )
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("query", ["茶", "tea", "理财", "中国书法"])
def test_search_queries_use_the_gin_indexes(query):
    # given a few courses
    CourseFactory.create_batch(3)

    # the search reads its matches through courses_search_matches, which never lets
    # PostgreSQL scan the documents table (it would decompress every course's vector)
    outer_plan = course_list(currency="CNY", query=query).explain()
    assert "Function Scan on courses_search_matches" in outer_plan
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = 'courses_search_matches'")
        assert cursor.fetchone()[0] == ["enable_seqscan=off"]

    # and its statement finds the matches in the body index (word prefixes in the head's)
    plan = _matches_plan(query)
    assert "Bitmap Index Scan on courses_search_body_gin" in plan
    assert ("courses_search_head_gin" in plan) == (query == "tea")
    assert "Seq Scan" not in plan


def test_no_index_of_the_course_row_covers_its_search_text():
    # Every sale updates its course's indexed learner count, so PostgreSQL writes a new entry
    # in each index of the row while the row is locked: an index over the search text (every
    # language's title, subtitle and description) made a demo course's counter update take
    # 0.735 ms against 0.28-0.31 without (migration 0013). The search reads the documents;
    # the staff searches filter UPPER(search_text), which such an index would not serve.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'courses_course'")
        indexes = dict(cursor.fetchall())
    assert "courses_course_pkey" in indexes
    assert [name for name, definition in indexes.items() if "search_text" in definition] == []


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


def test_the_query_builder_makes_expressions_without_the_database():
    parsed = search.build_query("Tea 中国书法 茶 e-book")

    assert parsed.words.sql == (
        "(courses_search_word(%s) && tsquery_phrase(tsquery_phrase(%s::tsquery, %s::tsquery), %s::tsquery)"
        " && %s::tsquery && tsquery_phrase(courses_search_word(%s), courses_search_word(%s)))"
    )
    assert parsed.words.params == ["tea", "'中国'", "'国书'", "'书法'", "'茶'", "e", "book"]
    assert parsed.prefixes.params == ["tea", "'中国'", "'国书'", "'书法'", "'茶'", "e", "book"]
    assert parsed.prefixes.sql.count("courses_search_prefix(%s)") == 2
    assert parsed.fuzzy == []  # a CJK term has no Latin words to be close to
    assert search.build_query("calligrphy for").fuzzy == []  # "for": too short to be a typo
    assert search.build_query("calligrphy lessons").fuzzy == ["calligrphy", "lessons"]
    assert search.build_query("?! …") is None


def test_the_hourly_task_copies_changed_enrollment_counts():
    from courses.tasks import refresh_search_popularity

    course = CourseFactory(slug="tea", title_en="Tea")
    Course.objects.filter(pk=course.pk).update(enrollment_count=42)

    assert refresh_search_popularity() == 1
    assert refresh_search_popularity() == 0  # nothing changed since
    assert CourseSearchDocument.objects.get(course=course).popularity == 42


# --- Languages, typos, pinyin -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("teas", ["tea"]),  # English stemming
        ("té", ["tea"]),  # a Spanish word that unaccented is a Spanish stop word
        ("te", ["tea"]),
        ("the art of tea", ["tea"]),  # no stop words dropped from titles
        ("inversiones", ["money"]),  # Spanish stemming: inversión
        ("licai", ["money"]),  # pinyin of the category 理财
        ("chayi", ["tea"]),  # pinyin of the title 茶艺
        ("calligrphy", ["calligraphy"]),  # a typo, found by trigram similarity
        ("caligrafya", ["calligraphy"]),
        ("zzzzqqq", []),
    ],
)
def test_languages_pinyin_and_typos(query, expected):
    finance = CategoryFactory(slug="finance", name_en="Personal finance", name_zh_hans="理财")
    CourseFactory(slug="money", category=finance, title_en="Money basics", title_es="Inversión para todos")
    CourseFactory(slug="tea", title_en="The art of tea", title_zh_hans="茶艺", title_es="El arte del té")
    CourseFactory(slug="calligraphy", title_en="Calligraphy", title_es="Caligrafía")

    assert found(query) == expected


def test_typo_tolerance_only_joins_in_when_the_exact_search_finds_little():
    # given three courses with the word and one with a near miss
    for index in range(3):
        CourseFactory(slug=f"yoga-{index}", title_en="Yoga")
    CourseFactory(slug="yogi", title_en="Yogi stories")

    # then the exact word finds only its courses, a typo finds them all
    assert sorted(found("yoga")) == ["yoga-0", "yoga-1", "yoga-2"]
    assert "yoga-0" in found("yogga")


# --- Highlighting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("Gongfu Tea at Home", "tea", "Gongfu <mark>Tea</mark> at Home"),
        ("Teachers & tea", "tea", "<mark>Tea</mark>chers &amp; <mark>tea</mark>"),
        ("Caligrafía china", "caligrafia", "<mark>Caligrafía</mark> china"),
        ("在家泡功夫茶", "茶", "在家泡功夫<mark>茶</mark>"),
        ("<b>x</b> tea", "b", "&lt;<mark>b</mark>&gt;x&lt;/<mark>b</mark>&gt; tea"),
        ("Tea", "<b>", "Tea"),
        ("Instead", "tea", "Instead"),  # not inside a word
    ],
)
def test_highlight_escapes_and_marks(text, query, expected):
    assert search.highlight(text, query) == expected


def test_the_api_and_the_catalog_page_highlight_the_match(api_client, client):
    CourseFactory(slug="tea", title_en="Tea <for> two")

    item = api_client.get(LIST_URL, {"q": "tea"}).json()["results"][0]
    page = client.get("/en/courses/", {"q": "tea"}).content.decode()

    assert item["highlight"]["title"] == "<mark>Tea</mark> &lt;for&gt; two"
    assert api_client.get(LIST_URL).json()["results"][0]["highlight"] is None
    assert "<mark>Tea</mark> &lt;for&gt; two" in page
