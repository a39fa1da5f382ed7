"""The search's posting rows (``courses.search_postings``): their scores are ts_rank of
the head, a one-word search ranks from them exactly as ranking every match does, and
they follow edits, publication and popularity."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from courses import search, search_postings
from courses.models import Course, CourseSearchPosting
from courses.selectors import _matches_call, course_list
from courses.services import course_reindex, course_search_refresh_popularity, course_set_published
from tests.factories import CategoryFactory, CourseFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LIST_URL = "/api/v1/courses/"


def ranked_by_every_match(query: str) -> list[int]:
    """The ranking of courses_search_matches: ts_rank of every match's head."""
    sql, params = _matches_call(search.build_query(query), ranked=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT matched_id FROM {sql} ORDER BY rank DESC, popularity DESC, matched_id", params
        )
        return [row[0] for row in cursor.fetchall()]


def ranked_by_the_search(query: str) -> list[int]:
    return course_list(currency="CNY", query=query).ranked_ids()


def test_a_posting_score_is_ts_rank_of_the_head_for_its_word():
    # given words in a title twice, in a title and a tag, in a subtitle, and only in a
    # description
    tag = TagFactory(slug="tea", name_en="Tea", name_zh_hans="茶")
    course = CourseFactory(
        title_en="Tea and more tea", subtitle_en="Green tea, black tea", description_en="Teapots and cups"
    )
    course.tags.add(tag)
    course_reindex(courses=Course.objects.filter(pk=course.pk))

    # then every row's score is ts_rank of the head for that one lexeme (0 outside it)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.term, p.score, ts_rank(d.head, quote_literal(p.term)::tsquery) "
            "FROM courses_coursesearchposting p JOIN courses_coursesearchdocument d USING (course_id) "
            "ORDER BY p.term"
        )
        rows = cursor.fetchall()
    scores = {term: (score, expected) for term, score, expected in rows}
    assert {"tea", "茶", "teapot", "green"} <= set(scores)
    assert scores["teapot"] == (0.0, 0.0)  # only in the description
    assert all(score == pytest.approx(expected, rel=1e-6) for score, expected in scores.values()), scores
    assert scores["tea"][0] > scores["green"][0] > 0  # title and tag above a subtitle


@pytest.fixture
def demo_catalog():
    call_command("seed_demo", learners=0, interactions=0, stdout=StringIO())


ONE_WORD = ["tea", "Teas", "茶", "理财", "licai", "calli", "yoga", "investing", "té", "te", "japanese", "中"]
TYPOS = ["calligrphy", "zzzzqqq"]  # one word: the postings, then typo tolerance
OTHERS = ["chinese tea", "中国书法", "e-book"]


def test_a_one_word_search_ranks_as_ranking_every_match_does(demo_catalog):
    # one-word queries go to the postings, the others (several terms, a phrase of pairs)
    # to courses_search_matches; each ranks as ranking every match does
    assert all(search_postings.single_word(query) for query in ONE_WORD + TYPOS)
    assert not any(search_postings.single_word(query) for query in OTHERS)
    expected = {query: ranked_by_every_match(query) for query in ONE_WORD + TYPOS + OTHERS}
    assert all(expected[query] for query in ONE_WORD)  # the demo catalog has matches for each
    assert expected["calligrphy"] and not expected["zzzzqqq"]

    assert {query: ranked_by_the_search(query) for query in expected} == expected


def test_the_prefix_adds_the_head_words_it_begins():
    # given two courses with "tea" in the title, one also with "teapot" (the prefix
    # "tea" ranks it higher although it is less popular), and one with "teapot" only
    CourseFactory(slug="tea", title_en="Tea", enrollment_count=50)
    CourseFactory(slug="tea-and-teapot", title_en="Tea and the teapot", enrollment_count=1)
    CourseFactory(slug="teapot", title_en="Teapot", enrollment_count=99)
    CourseFactory(slug="described", description_en="Tea.", enrollment_count=500)
    CourseFactory(slug="teacher", description_en="A teacher.", enrollment_count=900)

    assert [Course.objects.get(pk=pk).slug for pk in ranked_by_the_search("tea")] == [
        "tea-and-teapot",
        "tea",
        "teapot",
        "described",
    ]
    assert ranked_by_the_search("tea") == ranked_by_every_match("tea")


def test_a_first_search_of_one_cjk_character_reads_the_posting_rows(api_client, django_assert_num_queries):
    # given two courses with 茶 in their titles
    kept = CourseFactory(slug="kept", title_zh_hans="茶艺", enrollment_count=2)
    dropped = CourseFactory(slug="dropped", title_zh_hans="品茶", enrollment_count=1)
    # when the posting row of one is removed (the document still has the word)
    CourseSearchPosting.objects.filter(course=dropped, term="茶").delete()

    # then the search (one ranking statement, the page with its tags) no longer finds it:
    # it read the postings, not the documents
    with django_assert_num_queries(2) as captured:
        body = api_client.get(LIST_URL, {"q": "茶"}).json()
    assert [item["slug"] for item in body["results"]] == ["kept"]
    assert "courses_search_top" in captured.captured_queries[0]["sql"]
    assert ranked_by_every_match("茶") == [kept.pk, dropped.pk]


def test_postings_follow_edits_publication_and_popularity(client, django_user_model):
    # given a published course in a category
    home = CategoryFactory(slug="home", name_en="Home", name_zh_hans="家居")
    course = CourseFactory(slug="knives", category=home, title_en="Knife skills", enrollment_count=3)

    def terms() -> set[str]:
        return set(CourseSearchPosting.objects.filter(course=course).values_list("term", flat=True))

    assert {"knife", "家居", "家", "居"} <= terms()

    # an admin edit of the category: the new words at once, the old ones gone
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1234")
    client.force_login(admin)
    client.post(
        f"/admin/courses/category/{home.pk}/change/",
        {"slug": "home", "name_en": "Home", "name_zh_hans": "家装", "position": 0, "description_en": ""},
    )
    assert "家装" in terms() and "家居" not in terms()

    # unpublished: no rows; published again: the rows are back
    course_set_published(courses=Course.objects.filter(pk=course.pk), published=False)
    assert terms() == set()
    course_set_published(courses=Course.objects.filter(pk=course.pk), published=True)
    assert "knife" in terms()

    # the hourly popularity copy reaches the rows
    Course.objects.filter(pk=course.pk).update(enrollment_count=42)
    assert course_search_refresh_popularity() == 1
    assert set(CourseSearchPosting.objects.filter(course=course).values_list("popularity", flat=True)) == {42}


def test_which_queries_the_postings_answer():
    assert search_postings.single_word("Tea") == ("tea", False, True)
    assert search_postings.single_word("te") == ("te", False, False)  # too short for a prefix
    assert search_postings.single_word("茶") == ("茶", True, False)
    assert search_postings.single_word("理财") == ("理财", True, False)
    assert search_postings.single_word("中国书法") is None  # a phrase of pairs
    assert search_postings.single_word("chinese tea") is None
    assert search_postings.single_word("e-book") is None
    assert search_postings.single_word("!!!") is None
