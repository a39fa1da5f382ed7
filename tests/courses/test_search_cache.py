"""The search's ranked ids in the shared cache (``courses.selectors._SearchResults``): the
cached path answers exactly what ranking from scratch answers, costs fewer queries, and
an edit (unpublishing, a new title, new tags, popularity) shows at the next search."""

import pytest
from django.db import connection

from courses import search
from courses.models import Course
from courses.selectors import course_list
from courses.services import course_reindex, course_search_refresh_popularity, course_set_published
from tests.factories import CategoryFactory, CourseFactory, TagFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

LIST_URL = "/api/v1/courses/"


def slugs(response) -> list[str]:
    assert response.status_code == 200
    return [item["slug"] for item in response.json()["results"]]


def ranked_from_scratch(query: str) -> list[str]:
    """The ranking straight from the match function, no cache and no paginator."""
    parsed = search.build_query(query)
    null = "NULL::tsquery"
    prefixes = parsed.prefixes or search.Sql(null)
    rank_prefix = parsed.rank_prefix or search.Sql(null)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.slug FROM courses_search_matches({parsed.words.sql}, {prefixes.sql}, %s::text[], %s, "
            f"{parsed.rank.sql}, {rank_prefix.sql}) m JOIN courses_course c ON c.id = m.matched_id "
            "ORDER BY m.rank DESC, m.popularity DESC, m.matched_id",
            [
                *parsed.words.params,
                *prefixes.params,
                parsed.fuzzy,
                search.FUZZY_BELOW,
                *parsed.rank.params,
                *rank_prefix.params,
            ],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def tea_catalog():
    """Courses that match "tea" and 茶 in titles, tags and descriptions, with ties."""
    tag = TagFactory(slug="tea", name_en="Tea", name_zh_hans="茶")
    for index in range(9):
        CourseFactory(slug=f"title-{index}", title_en=f"Tea lesson {index}", enrollment_count=index % 3)
    for index in range(4):
        course = CourseFactory(slug=f"tagged-{index}", title_en=f"Afternoons {index}", enrollment_count=index)
        course.tags.add(tag)
    for index in range(5):
        CourseFactory(
            slug=f"described-{index}",
            title_en=f"Ceramics {index}",
            description_en="Bowls for tea.",
            description_zh_hans="茶碗",
            enrollment_count=10 * index,
        )
    course_reindex(courses=Course.objects.all())


@pytest.mark.parametrize(("query", "matches"), [("tea", 18), ("茶", 9), ("Tea  ", 18)])
def test_every_page_from_the_cached_ids_is_the_ranking_from_scratch(api_client, tea_catalog, query, matches):
    # given the ranking computed without any cache
    expected = ranked_from_scratch(query)
    assert len(expected) == matches

    # when every page is read through the API (the first ranks and caches, the rest read
    # the cached ids), in several languages
    pages = []
    for page, lang in zip(range(1, (matches + 4) // 5 + 1), ["en", "zh-hans", "en", "ja"], strict=False):
        response = api_client.get(LIST_URL, {"q": query, "page_size": 5, "page": page, "lang": lang})
        pages.extend(slugs(response))
        assert response.json()["count"] == len(expected)

    # then they are that ranking, in order, each course once
    assert pages == expected


def test_a_search_costs_one_ranking_query_then_only_its_page(
    api_client, tea_catalog, django_assert_num_queries
):
    # the first search: ranked ids (one statement), the page's courses with their tags
    with django_assert_num_queries(2) as first:
        api_client.get(LIST_URL, {"q": "tea", "page_size": 5})
    assert "courses_search_top" in first.captured_queries[0]["sql"]
    # another page of it, in another language: the page with its tags
    with django_assert_num_queries(1) as other:
        api_client.get(LIST_URL, {"q": "TEA", "page_size": 5, "page": 2, "lang": "ja"})
    assert all("courses_search_" not in query["sql"] for query in other.captured_queries)
    # the same request again: the whole answer from the cache
    with django_assert_num_queries(0):
        api_client.get(LIST_URL, {"q": "tea", "page_size": 5})


def test_the_count_stops_at_the_cap(api_client, tea_catalog, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 7)
    monkeypatch.setattr("courses.api.catalog.COUNT_CAP", 7)
    body = api_client.get(LIST_URL, {"q": "tea", "page_size": 5}).json()
    assert (body["count"], body["count_capped"]) == (7, True)
    second = api_client.get(LIST_URL, {"q": "tea", "page_size": 5, "page": 2}).json()
    assert [item["slug"] for item in second["results"]] == ranked_from_scratch("tea")[5:7]


def test_an_unpublished_course_leaves_a_cached_search_at_once(api_client, tea_catalog):
    # given a search that was ranked and cached
    first = slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50}))
    assert "title-8" in first

    # when the course is unpublished (a queryset update: no post_save)
    course_set_published(courses=Course.objects.filter(slug="title-8"), published=False)

    # then the next search, of any page size or language, no longer has it
    remaining = [slug for slug in first if slug != "title-8"]
    assert slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50})) == remaining
    again = slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50, "lang": "es"}))
    assert "title-8" not in again
    # and published again, it is back where it was
    course_set_published(courses=Course.objects.filter(slug="title-8"), published=True)
    assert slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50})) == first


def test_a_renamed_course_and_a_new_tag_show_in_a_cached_search_at_once(api_client, tea_catalog):
    assert "fresh" not in slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50}))
    assert slugs(api_client.get(LIST_URL, {"q": "pottery", "page_size": 50})) == []

    # a course renamed (saved, then its document rewritten, as the admin does)
    course = Course.objects.get(slug="described-0")
    course.title_en = "Pottery"
    course.save()
    course_reindex(courses=Course.objects.filter(pk=course.pk))
    assert slugs(api_client.get(LIST_URL, {"q": "pottery", "page_size": 50})) == ["described-0"]

    # a course that gets the tea tag: the tag is added (a signal), then the document is
    # rewritten; a search cached between the two must not stay
    fresh = CourseFactory(slug="fresh", title_en="Mindful mornings", enrollment_count=10_000)
    fresh.tags.add(Course.objects.get(slug="tagged-0").tags.get())
    assert "fresh" not in slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50}))
    course_reindex(courses=Course.objects.filter(pk=fresh.pk))
    found = slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50}))
    assert found == ranked_from_scratch("tea")
    assert found.index("fresh") == 9  # after the nine title hits, first of the tagged


def test_new_popularity_reorders_a_cached_search(api_client, tea_catalog):
    before = slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50}))
    Course.objects.filter(slug="title-0").update(enrollment_count=99)  # no signal
    assert course_search_refresh_popularity() == 1
    after = slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50}))
    assert after[0] == "title-0" != before[0]
    assert after == ranked_from_scratch("tea")


def test_filtered_searches_are_cached_per_filter(api_client, tea_catalog, django_assert_num_queries):
    # given a category with two of the title hits
    culture = CategoryFactory(slug="culture")
    Course.objects.filter(slug__in=["title-1", "title-2"]).update(category=culture)
    course_reindex(courses=Course.objects.filter(slug__in=["title-1", "title-2"]))

    unfiltered = slugs(api_client.get(LIST_URL, {"q": "tea", "page_size": 50}))
    filtered = slugs(api_client.get(LIST_URL, {"q": "tea", "category": "culture"}))
    by_format = slugs(api_client.get(LIST_URL, {"q": "tea", "format": "video", "page_size": 50}))

    # each answer follows its own filter, in the unfiltered ranking's order
    assert filtered == [slug for slug in unfiltered if slug in {"title-1", "title-2"}]
    videos = set(Course.objects.filter(format="video").values_list("slug", flat=True))
    assert by_format == [slug for slug in unfiltered if slug in videos]
    # and a second page of the filtered search reads its own cached ids, and the card the
    # first page built
    with django_assert_num_queries(0):
        second = api_client.get(LIST_URL, {"q": "tea", "category": "culture", "page_size": 1, "page": 2})
    assert slugs(second) == filtered[1:]


def test_a_queryset_filtered_after_the_selector_ranks_its_own_rows(tea_catalog):
    # a caller narrowing the search further must not be served the cached, wider list
    wide = course_list(currency="CNY", query="tea")
    assert wide.count() == 18
    narrow = course_list(currency="CNY", query="tea").filter(slug__startswith="tagged")
    assert narrow.count() == 4
    assert [course.slug for course in narrow[:10]] == ["tagged-3", "tagged-2", "tagged-1", "tagged-0"]
