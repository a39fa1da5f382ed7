"""``GET /api/v1/me/enrollments/`` and ``POST /api/v1/me/progress/``."""

import pytest
from django.urls import reverse

from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_grant, enrollment_revoke, lesson_progress_set
from tests.courses.learning_factories import course_with_lessons, enrolled_learner
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db

ENROLLMENTS_URL = "/api/v1/me/enrollments/"
PROGRESS_URL = "/api/v1/me/progress/"


def test_the_urls_are_named_in_the_api_namespace():
    assert reverse("api:my-enrollments") == ENROLLMENTS_URL
    assert reverse("api:my-progress") == PROGRESS_URL


def test_enrollments_list_the_learners_courses_with_completion_and_resume_point(api_client):
    # given a learner in two courses, one half done, and a revoked third
    course, lessons = course_with_lessons(lessons=4, title_en="Tea", title_ja="お茶")
    fresh, fresh_lessons = course_with_lessons(lessons=2)
    refunded = CourseFactory()
    learner = enrolled_learner(course)
    enrollment_grant(user=learner, course=fresh)
    enrollment_grant(user=learner, course=refunded)
    enrollment_revoke(user=learner, course=refunded)
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    lesson_progress_set(user=learner, lesson=lessons[2], completed=True)
    enrolled_learner(course)  # someone else's enrollment stays out of the list
    api_client.force_authenticate(learner)

    # when
    response = api_client.get(ENROLLMENTS_URL, {"lang": "ja"})

    # then most recently active first, revoked left out
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["course"]["slug"] for row in body["results"]] == [course.slug, fresh.slug]
    first, second = body["results"]
    assert first["course"]["title"] == "お茶"
    assert (first["lesson_count"], first["completed_lessons"]) == (4, 2)
    assert (first["completion"], first["completion_percent"]) == (0.5, 50)
    assert first["last_lesson"] == {"id": lessons[2].pk, "title": lessons[2].title}
    assert first["resume_lesson"] == lessons[2].pk
    assert first["completed_at"] is None
    assert (second["completion"], second["last_lesson"], second["resume_lesson"]) == (
        0.0,
        None,
        fresh_lessons[0].pk,
    )


def test_a_completed_course_shows_full_completion_and_its_date(api_client):
    course, lessons = course_with_lessons(lessons=3)
    learner = enrolled_learner(course)
    for lesson in lessons:
        lesson_progress_set(user=learner, lesson=lesson, completed=True)
    api_client.force_authenticate(learner)

    row = api_client.get(ENROLLMENTS_URL).json()["results"][0]

    assert (row["completion"], row["completion_percent"]) == (1.0, 100)
    assert row["completed_at"] is not None


def test_a_course_without_lessons_has_zero_completion(api_client):
    course = CourseFactory()
    api_client.force_authenticate(enrolled_learner(course))

    row = api_client.get(ENROLLMENTS_URL).json()["results"][0]

    assert (row["lesson_count"], row["completion"], row["completion_percent"], row["resume_lesson"]) == (
        0,
        0.0,
        0,
        None,
    )


@pytest.mark.parametrize("size", [5, 30])
def test_enrollments_cost_a_fixed_number_of_queries(api_client, django_assert_num_queries, size):
    # given a learner with 5 or 30 enrollments, each with progress
    learner = UserFactory()
    for _ in range(size):
        course, lessons = course_with_lessons(lessons=2)
        enrollment_grant(user=learner, course=course)
        lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    api_client.force_authenticate(learner)

    # when / then: count and one page with course, category, instructor and last lesson
    with django_assert_num_queries(2):
        response = api_client.get(ENROLLMENTS_URL, {"page_size": 100})
    assert len(response.json()["results"]) == size
    assert {row["completion"] for row in response.json()["results"]} == {0.5}


def test_enrollments_need_a_signed_in_learner(api_client):
    response = api_client.get(ENROLLMENTS_URL)

    assert response.status_code == 401


def test_progress_marks_a_lesson_and_reports_the_course_completion(api_client):
    # given
    course, lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    api_client.force_authenticate(learner)

    # when
    first = api_client.post(PROGRESS_URL, {"lesson": lessons[0].pk, "completed": True}, format="json")
    second = api_client.post(PROGRESS_URL, {"lesson": lessons[1].pk}, format="json")
    undone = api_client.post(PROGRESS_URL, {"lesson": lessons[1].pk, "completed": False}, format="json")

    # then
    assert first.status_code == 200
    assert first.json() == {
        "lesson": lessons[0].pk,
        "completed": True,
        "course": course.slug,
        "lesson_count": 2,
        "completed_lessons": 1,
        "completion": 0.5,
        "completed_at": None,
    }
    assert (second.json()["completion"], second.json()["completed_at"] is not None) == (1.0, True)
    assert (undone.json()["completion"], undone.json()["completed_at"]) == (0.5, None)
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert (enrollment.completed_lessons, enrollment.last_lesson_id) == (1, lessons[1].pk)


@pytest.mark.parametrize("who", ["not_enrolled", "revoked"])
def test_progress_of_a_learner_without_access_is_403_and_changes_nothing(api_client, who):
    course, lessons = course_with_lessons(lessons=2, preview_first=True)
    user = UserFactory()
    if who == "revoked":
        enrollment_grant(user=user, course=course)
        enrollment_revoke(user=user, course=course)
    api_client.force_authenticate(user)

    response = api_client.post(PROGRESS_URL, {"lesson": lessons[0].pk, "completed": True}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "not_enrolled"
    assert LessonProgress.objects.count() == 0


def test_progress_needs_a_signed_in_learner(api_client):
    _course, lessons = course_with_lessons(lessons=1)

    response = api_client.post(PROGRESS_URL, {"lesson": lessons[0].pk}, format="json")

    assert response.status_code == 401
    assert LessonProgress.objects.count() == 0


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"lesson": 999999}, 404, "lesson_not_found"),
        ({"lesson": "abc"}, 400, "invalid"),
        ({"lesson": -1}, 400, "invalid"),
        ({"lesson": None}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"lesson": "LESSON", "completed": "maybe"}, 400, "invalid"),
        ({"lesson": [1]}, 400, "invalid"),
    ],
)
def test_progress_bad_input_is_never_a_500(api_client, body, status, code):
    course, lessons = course_with_lessons(lessons=1)
    api_client.force_authenticate(enrolled_learner(course))
    if body.get("lesson") == "LESSON":
        body = {**body, "lesson": lessons[0].pk}

    response = api_client.post(PROGRESS_URL, body, format="json")

    assert response.status_code == status
    assert response.json()["code"] == code
    assert LessonProgress.objects.count() == 0
