"""Instructor pages and the instructor endpoint: biography, totals over published
courses only, their courses; unknown instructors are a 404 with the error code."""

import pytest
from django.urls import reverse

from courses.models import Course
from tests.factories import CourseFactory, InstructorFactory


def _instructor_with_courses():
    instructor = InstructorFactory(name_en="Lin Wei", headline_en="Tea master")
    tea = CourseFactory(instructor=instructor, title_en="Tea basics")
    oolong = CourseFactory(instructor=instructor, title_en="Oolong")
    hidden = CourseFactory(instructor=instructor, title_en="Draft", is_published=False)
    Course.objects.filter(pk=tea.pk).update(enrollment_count=30, rating_count=4, rating_sum=18)
    Course.objects.filter(pk=oolong.pk).update(enrollment_count=10, rating_count=1, rating_sum=3)
    Course.objects.filter(pk=hidden.pk).update(enrollment_count=99, rating_count=9, rating_sum=9)
    return instructor


@pytest.mark.django_db
def test_api_gives_totals_over_published_courses_only(api_client):
    instructor = _instructor_with_courses()

    body = api_client.get(
        reverse("api:instructor-detail", kwargs={"slug": instructor.slug}), {"currency": "USD"}
    ).json()

    assert (body["name"], body["headline"]) == ("Lin Wei", "Tea master")
    assert (body["course_count"], body["learner_count"]) == (2, 40)
    assert body["rating"] == {"average": "4.20", "count": 5}
    assert sorted(course["title"] for course in body["courses"]) == ["Oolong", "Tea basics"]
    assert body["courses"][0]["price"]["currency"] == "USD"


@pytest.mark.django_db
def test_api_unknown_instructor_and_bad_currency_are_clear_errors(api_client):
    instructor = InstructorFactory()

    missing = api_client.get(reverse("api:instructor-detail", kwargs={"slug": "nobody"}))
    bad = api_client.get(
        reverse("api:instructor-detail", kwargs={"slug": instructor.slug}), {"currency": "XXX"}
    )

    assert (missing.status_code, missing.json()["code"]) == (404, "instructor_not_found")
    assert bad.status_code == 400


@pytest.mark.django_db
def test_api_an_instructor_without_reviews_has_no_rating(api_client):
    instructor = InstructorFactory()
    CourseFactory(instructor=instructor)

    body = api_client.get(reverse("api:instructor-detail", kwargs={"slug": instructor.slug})).json()

    assert body["rating"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 8])
def test_api_instructor_costs_a_fixed_number_of_queries(api_client, django_assert_num_queries, size):
    instructor = InstructorFactory()
    CourseFactory.create_batch(size, instructor=instructor)

    # instructor with totals, courses (prices, category), tags
    with django_assert_num_queries(3):
        response = api_client.get(reverse("api:instructor-detail", kwargs={"slug": instructor.slug}))
    assert len(response.json()["courses"]) == size


@pytest.mark.django_db
def test_the_page_shows_the_biography_totals_and_courses(client):
    instructor = _instructor_with_courses()

    response = client.get(reverse("courses:instructor", kwargs={"slug": instructor.slug}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Lin Wei" in html and "Tea master" in html
    assert "Tea basics" in html and "Oolong" in html and "Draft" not in html
    assert "4.2" in html


@pytest.mark.django_db
def test_the_course_page_links_to_the_instructor(client):
    course = CourseFactory()

    html = client.get(reverse("courses:detail", kwargs={"slug": course.slug})).content.decode()

    assert reverse("courses:instructor", kwargs={"slug": course.instructor.slug}) in html


@pytest.mark.django_db
def test_an_unknown_instructor_page_is_a_404(client):
    assert client.get(reverse("courses:instructor", kwargs={"slug": "nobody"})).status_code == 404
