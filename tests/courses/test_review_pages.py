"""All of a course's reviews: sorted, filtered by stars and paged, on the reviews page and
in the API; the course page links to them when it shows only the latest."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Review
from tests.courses.learning_factories import review_rows
from tests.factories import CourseFactory, UserFactory


def _mixed_reviews(course: Course) -> list[Review]:
    """Ratings 1..5 written a day apart, the 5-star one the oldest."""
    now = timezone.now()
    rows = Review.objects.bulk_create(
        [Review(user=UserFactory(), course=course, rating=r, text=f"{r} stars") for r in range(1, 6)]
    )
    for age, row in enumerate(rows):
        Review.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=age))
    Course.objects.filter(pk=course.pk).update(rating_count=5, rating_sum=15, rating_average=3)
    return rows


def _api(course: Course) -> str:
    return reverse("api:course-reviews", kwargs={"slug": course.slug})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("newest", [1, 2, 3, 4, 5]),
        ("oldest", [5, 4, 3, 2, 1]),
        ("highest", [5, 4, 3, 2, 1]),
        ("lowest", [1, 2, 3, 4, 5]),
    ],
)
def test_api_sorts_reviews(api_client, ordering, expected):
    course = CourseFactory()
    _mixed_reviews(course)

    body = api_client.get(_api(course), {"ordering": ordering}).json()

    assert [row["rating"] for row in body["results"]] == expected


@pytest.mark.django_db
def test_api_filters_by_stars(api_client):
    course = CourseFactory()
    _mixed_reviews(course)

    body = api_client.get(_api(course), {"rating": 4}).json()

    assert [row["text"] for row in body["results"]] == ["4 stars"]


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"ordering": "random"}, {"rating": "9"}, {"rating": "many"}])
def test_api_refuses_unknown_sorting_and_ratings_with_a_400(api_client, params):
    course = CourseFactory()

    response = api_client.get(_api(course), params, HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 400
    assert response.json()["code"]


@pytest.mark.django_db
def test_the_reviews_page_sorts_filters_and_pages(client):
    course = CourseFactory()
    _mixed_reviews(course)
    url = reverse("courses:reviews", kwargs={"slug": course.slug})

    lowest = client.get(url, {"sort": "lowest"}).content.decode()
    four = client.get(url, {"stars": "4"}).content.decode()
    nonsense = client.get(url, {"sort": "sideways", "stars": "nine"})

    assert lowest.index("<p>1 stars</p>") < lowest.index("<p>5 stars</p>")
    assert "<p>4 stars</p>" in four and "<p>5 stars</p>" not in four
    # a hand-edited link still shows the reviews, newest first
    assert nonsense.status_code == 200
    html = nonsense.content.decode()
    assert html.index("<p>1 stars</p>") < html.index("<p>5 stars</p>")


@pytest.mark.django_db
def test_the_reviews_page_reaches_every_review_a_page_at_a_time(client):
    course = CourseFactory()
    review_rows(course, 45)
    url = reverse("courses:reviews", kwargs={"slug": course.slug})

    seen = set()
    for page in (1, 2, 3):
        html = client.get(url, {"page": page}).content.decode()
        seen |= {f"Review {i}" for i in range(45) if f"<p>Review {i}</p>" in html}

    assert len(seen) == 45


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 45])
def test_the_reviews_page_costs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    course = CourseFactory()
    review_rows(course, size)
    url = reverse("courses:reviews", kwargs={"slug": course.slug})
    client.get(url)  # the session and the cache warm up

    # course, count, page of reviews with authors, counts per star
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_course_page_links_to_all_reviews_when_it_shows_only_the_latest(client):
    few, many = CourseFactory(), CourseFactory()
    review_rows(few, 3)
    review_rows(many, 12)

    few_html = client.get(reverse("courses:detail", kwargs={"slug": few.slug})).content.decode()
    many_html = client.get(reverse("courses:detail", kwargs={"slug": many.slug})).content.decode()

    assert 'data-testid="all-reviews"' not in few_html
    assert reverse("courses:reviews", kwargs={"slug": many.slug}) in many_html


@pytest.mark.django_db
def test_an_unknown_course_has_no_reviews_page(client):
    assert client.get(reverse("courses:reviews", kwargs={"slug": "nope"})).status_code == 404
