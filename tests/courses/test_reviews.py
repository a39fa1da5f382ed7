"""Reviews: only enrolled learners, one per course (editable), exact course aggregates,
through the service and the storefront API."""

import re
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.urls import reverse

from courses.exceptions import NotEnrolled
from courses.models import Course, Review
from courses.services import (
    InvalidRating,
    enrollment_grant,
    enrollment_revoke,
    review_delete,
    review_upsert,
)
from tests.courses.learning_factories import course_with_lessons, enrolled_learner, review_rows
from tests.factories import CourseFactory, UserFactory


def _aggregates(course: Course) -> tuple[int, int, Decimal]:
    course.refresh_from_db()
    return course.rating_count, course.rating_sum, course.rating_average


# --- Service -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_aggregates_stay_exact_after_create_edit_and_delete():
    # given a course and three enrolled learners
    course = CourseFactory()
    alice, bob, carol = (enrolled_learner(course) for _ in range(3))

    # when they review
    review_upsert(user=alice, course=course, rating=5, text="Great", language="en")
    review_upsert(user=bob, course=course, rating=4, text="好", language="zh-hans")
    review_upsert(user=carol, course=course, rating=4, text="")

    # then
    assert _aggregates(course) == (3, 13, Decimal("4.33"))

    # when bob edits his review
    review = review_upsert(user=bob, course=course, rating=1, text="Changed my mind", language="en")

    # then still one review of his, and the sum follows the new rating
    assert Review.objects.filter(user=bob, course=course).count() == 1
    assert (review.rating, review.text, review.language) == (1, "Changed my mind", "en")
    assert _aggregates(course) == (3, 10, Decimal("3.33"))

    # when alice deletes hers
    assert review_delete(user=alice, course=course) is True

    # then
    assert _aggregates(course) == (2, 5, Decimal("2.50"))
    assert review_delete(user=alice, course=course) is False
    assert _aggregates(course) == (2, 5, Decimal("2.50"))

    # when the others delete theirs, the course is back to no rating
    review_delete(user=bob, course=course)
    review_delete(user=carol, course=course)
    assert _aggregates(course) == (0, 0, Decimal("0.00"))


@pytest.mark.django_db
def test_the_passed_course_object_carries_the_new_aggregates():
    course = CourseFactory()
    learner = enrolled_learner(course)

    review_upsert(user=learner, course=course, rating=3, text="ok")

    assert (course.rating_count, course.rating_sum, course.rating_average) == (1, 3, Decimal("3.00"))


@pytest.mark.django_db
def test_the_review_language_defaults_to_the_active_language():
    from django.utils import translation

    course = CourseFactory()
    learner = enrolled_learner(course)

    with translation.override("ja"):
        review = review_upsert(user=learner, course=course, rating=5, text="最高")

    assert review.language == "ja"


@pytest.mark.django_db
@pytest.mark.parametrize("rating", [0, 6, -1, "abc", "", None, 4.5, True, "5.0", [5]])
def test_a_rating_outside_one_to_five_stars_is_refused(rating):
    course = CourseFactory()
    learner = enrolled_learner(course)

    with pytest.raises(InvalidRating) as caught:
        review_upsert(user=learner, course=course, rating=rating, text="x")

    assert (caught.value.code, caught.value.status_code) == ("invalid_rating", 400)
    assert Review.objects.count() == 0
    assert _aggregates(course) == (0, 0, Decimal("0.00"))


@pytest.mark.django_db
@pytest.mark.parametrize("rating", [1, 5, "3", 4.0])
def test_whole_star_ratings_are_accepted(rating):
    course = CourseFactory()
    learner = enrolled_learner(course)

    review = review_upsert(user=learner, course=course, rating=rating, text="")

    assert review.rating == int(rating)


@pytest.mark.django_db
def test_a_learner_who_is_not_enrolled_cannot_review():
    course = CourseFactory()
    stranger = UserFactory()

    with pytest.raises(NotEnrolled):
        review_upsert(user=stranger, course=course, rating=5, text="spam")

    assert Review.objects.count() == 0
    assert _aggregates(course) == (0, 0, Decimal("0.00"))


@pytest.mark.django_db
def test_a_revoked_enrollment_cannot_review_or_edit_but_can_delete():
    # given a learner who reviewed and was then refunded
    course = CourseFactory()
    learner = enrolled_learner(course)
    review_upsert(user=learner, course=course, rating=2, text="meh")
    enrollment_revoke(user=learner, course=course)

    # when / then editing is refused and nothing changes
    with pytest.raises(NotEnrolled):
        review_upsert(user=learner, course=course, rating=5, text="edited")
    assert Review.objects.get(user=learner).rating == 2
    assert _aggregates(course) == (1, 2, Decimal("2.00"))

    # and deleting is allowed
    assert review_delete(user=learner, course=course) is True
    assert _aggregates(course) == (0, 0, Decimal("0.00"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_learners_reviewing_one_course_at_once_keep_exact_aggregates():
    # given ten enrolled learners
    course = CourseFactory()
    learners = [enrolled_learner(course) for _ in range(10)]
    ratings = [1, 2, 3, 4, 5, 5, 4, 3, 2, 5]
    barrier = threading.Barrier(len(learners))
    errors: list[BaseException] = []

    def review(user, rating):
        try:
            barrier.wait(timeout=10)
            review_upsert(user=user, course=Course.objects.get(pk=course.pk), rating=rating, text="race")
        except BaseException as exc:  # collected and asserted in the main thread
            errors.append(exc)
        finally:
            close_old_connections()

    # when they all post at the same moment
    threads = [threading.Thread(target=review, args=pair) for pair in zip(learners, ratings, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then every review counted exactly once
    assert errors == []
    assert Review.objects.filter(course=course).count() == 10
    assert _aggregates(course) == (10, sum(ratings), Decimal("3.40"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_learner_posting_ten_times_at_once_keeps_one_review():
    course = CourseFactory()
    learner = enrolled_learner(course)
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def review(rating):
        try:
            barrier.wait(timeout=10)
            review_upsert(user=learner, course=Course.objects.get(pk=course.pk), rating=rating, text="")
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=review, args=(1 + i % 5,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    final = Review.objects.get(user=learner, course=course)
    assert _aggregates(course) == (1, final.rating, Decimal(final.rating).quantize(Decimal("0.01")))


# --- API ---------------------------------------------------------------------------------


def _reviews_url(course: Course) -> str:
    return reverse("api:course-reviews", kwargs={"slug": course.slug})


@pytest.mark.django_db
def test_api_an_enrolled_learner_posts_then_edits_their_review(api_client):
    # given
    course = CourseFactory()
    learner = enrolled_learner(course)
    api_client.force_authenticate(learner)

    # when
    created = api_client.post(_reviews_url(course), {"rating": 5, "text": "Excellent"}, format="json")
    edited = api_client.post(
        _reviews_url(course), {"rating": 3, "text": "Good", "language": "es"}, format="json"
    )

    # then
    assert created.status_code == 201
    assert created.json()["rating"] == 5
    assert created.json()["course"] == {"rating_average": "5.00", "rating_count": 1}
    assert edited.status_code == 200
    assert edited.json()["id"] == created.json()["id"]
    assert (edited.json()["rating"], edited.json()["text"], edited.json()["language"]) == (3, "Good", "es")
    assert edited.json()["course"] == {"rating_average": "3.00", "rating_count": 1}
    assert _aggregates(course) == (1, 3, Decimal("3.00"))


@pytest.mark.django_db
def test_api_the_review_language_follows_the_request_language(api_client):
    course = CourseFactory()
    api_client.force_authenticate(enrolled_learner(course))

    response = api_client.post(
        _reviews_url(course) + "?lang=zh-hans", {"rating": 4, "text": "很好"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["language"] == "zh-hans"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"rating": 0, "text": "x"},
        {"rating": 6, "text": "x"},
        {"rating": "abc", "text": "x"},
        {"rating": None, "text": "x"},
        {"rating": 4.5},
        {"rating": True},
        {"rating": [5]},
        {"rating": {"stars": 5}},
        {"text": "no rating"},
    ],
)
def test_api_a_bad_rating_is_a_400_with_a_stable_code(api_client, body):
    course = CourseFactory()
    api_client.force_authenticate(enrolled_learner(course))

    response = api_client.post(_reviews_url(course), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_rating"
    assert Review.objects.count() == 0
    assert _aggregates(course) == (0, 0, Decimal("0.00"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"rating": 5, "text": "x" * 5001},
        {"rating": 5, "language": "klingon"},
        {"rating": 5, "text": ["not", "text"]},
    ],
)
def test_api_other_bad_input_is_a_400(api_client, body):
    course = CourseFactory()
    api_client.force_authenticate(enrolled_learner(course))

    response = api_client.post(_reviews_url(course), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_api_a_non_json_body_is_a_400(api_client):
    course = CourseFactory()
    api_client.force_authenticate(enrolled_learner(course))

    response = api_client.post(_reviews_url(course), "{not json", content_type="application/json")

    assert response.status_code == 400
    assert Review.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "not_enrolled", "revoked", "enrolled_elsewhere", "staff"])
def test_api_only_enrolled_learners_may_review_and_a_refusal_changes_nothing(api_client, who):
    # given a course with one review
    course = CourseFactory()
    other = CourseFactory()
    existing = enrolled_learner(course)
    review_upsert(user=existing, course=course, rating=4, text="fine")
    if who != "anonymous":
        user = UserFactory(is_staff=who == "staff")
        if who == "revoked":
            enrollment_grant(user=user, course=course)
            enrollment_revoke(user=user, course=course)
        if who == "enrolled_elsewhere":
            enrollment_grant(user=user, course=other)
        api_client.force_authenticate(user)

    # when
    response = api_client.post(_reviews_url(course), {"rating": 1, "text": "spam"}, format="json")

    # then
    if who == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "not_enrolled"
    assert Review.objects.count() == 1
    assert _aggregates(course) == (1, 4, Decimal("4.00"))


@pytest.mark.django_db
@pytest.mark.parametrize("published", [False, None])
def test_api_reviews_of_an_unknown_or_unpublished_course_are_404(api_client, published):
    course = CourseFactory(is_published=False)
    learner = enrolled_learner(course)
    api_client.force_authenticate(learner)
    url = _reviews_url(course) if published is False else "/api/v1/courses/no-such-course/reviews/"

    posted = api_client.post(url, {"rating": 5}, format="json")
    listed = api_client.get(url)

    assert (posted.status_code, posted.json()["code"]) == (404, "course_not_found")
    assert (listed.status_code, listed.json()["code"]) == (404, "course_not_found")
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_api_review_list_is_paginated_newest_first(api_client):
    course = CourseFactory()
    first, second = enrolled_learner(course, first_name="Mei"), enrolled_learner(course)
    review_upsert(user=first, course=course, rating=5, text="one")
    review_upsert(user=second, course=course, rating=3, text="two")

    response = api_client.get(_reviews_url(course), {"page_size": 1})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["previous"] is None
    assert body["next"] is not None
    assert [row["text"] for row in body["results"]] == ["two"]
    assert set(body["results"][0]) == {
        "id",
        "rating",
        "text",
        "language",
        "author",
        "created_at",
        "updated_at",
    }
    page_two = api_client.get(_reviews_url(course), {"page_size": 1, "page": 2}).json()
    assert [(row["text"], row["author"]) for row in page_two["results"]] == [("one", "Mei")]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["0", "abc", "99"])
def test_api_review_list_bad_page_is_404_not_500(api_client, page):
    course = CourseFactory()

    response = api_client.get(_reviews_url(course), {"page": page})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 30])
def test_api_review_list_costs_a_fixed_number_of_queries(api_client, django_assert_num_queries, size):
    # given a course with 5 or 30 reviews
    course = CourseFactory()
    review_rows(course, size)

    # when / then: course, count, page (with authors)
    with django_assert_num_queries(3):
        response = api_client.get(_reviews_url(course), {"page_size": 50})
    assert len(response.json()["results"]) == size


@pytest.mark.django_db
def test_api_a_learner_reads_and_deletes_their_own_review(api_client):
    course = CourseFactory()
    learner = enrolled_learner(course)
    review_upsert(user=learner, course=course, rating=2, text="hm")
    api_client.force_authenticate(learner)
    url = reverse("api:course-review-mine", kwargs={"slug": course.slug})

    read = api_client.get(url)
    deleted = api_client.delete(url)
    again = api_client.delete(url)

    assert (read.status_code, read.json()["rating"]) == (200, 2)
    assert deleted.status_code == 204
    assert (again.status_code, again.json()["code"]) == (404, "review_not_found")
    assert _aggregates(course) == (0, 0, Decimal("0.00"))


@pytest.mark.django_db
def test_api_deleting_needs_a_signed_in_learner(api_client):
    course = CourseFactory()
    learner = enrolled_learner(course)
    review_upsert(user=learner, course=course, rating=2, text="hm")

    response = api_client.delete(reverse("api:course-review-mine", kwargs={"slug": course.slug}))

    assert response.status_code == 401
    assert Review.objects.count() == 1


@pytest.mark.django_db
def test_api_course_page_shows_the_new_rating(api_client):
    course, _lessons = course_with_lessons(lessons=1)
    api_client.force_authenticate(enrolled_learner(course))
    api_client.post(_reviews_url(course), {"rating": 4, "text": "nice"}, format="json")

    detail = api_client.get(reverse("api:course-detail", kwargs={"slug": course.slug})).json()

    assert detail["rating"] == {"average": "4.00", "count": 1}


@pytest.mark.django_db
def test_course_page_shows_the_average_and_the_count(client):
    # given a course with a 4-star and a 5-star review
    course, _lessons = course_with_lessons(lessons=1)
    review_upsert(user=enrolled_learner(course), course=course, rating=4, text="good")
    review_upsert(user=enrolled_learner(course), course=course, rating=5, text="great")

    # when a visitor opens the course page
    html = client.get(reverse("courses:detail", kwargs={"slug": course.slug})).content.decode()

    # then the summary shows the average and the count
    assert 'data-testid="rating-average">4.5</strong>' in html
    assert re.search(r'data-testid="rating-count">\s*2 reviews\s*<', html)
