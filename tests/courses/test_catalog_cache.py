"""The shared catalog cache: hits cost no query, every edit shows at once (admin, services,
model activation), conditional GETs answer 304, and a cached page's form still carries the
visitor's own CSRF token."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.caching import namespace_version
from courses.models import Course
from courses.services import course_set_published
from recommender.models import ModelVersion
from tests.factories import CategoryFactory, CourseFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

DETAIL_API = "/api/v1/courses/{slug}/"


def page(name: str, *args, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name, args=args)


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_catalog_api_hits_cost_no_query_and_answer_304_when_unchanged(api_client, django_assert_num_queries):
    CourseFactory.create_batch(3)
    first = api_client.get("/api/v1/courses/")
    assert first.status_code == 200 and first.data["count"] == 3

    with django_assert_num_queries(0):
        again = api_client.get("/api/v1/courses/")
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] and "Last-Modified" in again

    with django_assert_num_queries(0):
        unchanged = api_client.get("/api/v1/courses/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    # another language or currency is another entry
    assert api_client.get("/api/v1/courses/?lang=ja").data["results"][0]["title"].startswith("コース")
    assert api_client.get("/api/v1/courses/?currency=JPY").data["results"][0]["price"]["currency"] == "JPY"


def test_an_admin_edit_shows_at_once_in_the_api_and_on_the_anonymous_page(staff_client, api_client):
    # given a course whose API answer and anonymous page are cached
    category = CategoryFactory(slug="finance", name_en="Finance")
    course = CourseFactory(slug="budget", title_en="Budgeting", category=category)
    assert api_client.get(DETAIL_API.format(slug="budget")).data["title"] == "Budgeting"
    anonymous = Client()
    assert b"Budgeting" in anonymous.get(page("courses:detail", "budget")).content
    assert api_client.get("/api/v1/categories/").data["results"][0]["name"] == "Finance"

    # when staff rename the category in the admin
    response = staff_client.post(
        f"/admin/courses/category/{category.pk}/change/",
        {"slug": "finance", "name_en": "Money matters", "position": 0},
    )
    assert response.status_code == 302

    # then the next request shows the new name everywhere
    assert api_client.get("/api/v1/categories/").data["results"][0]["name"] == "Money matters"
    assert api_client.get(DETAIL_API.format(slug="budget")).data["category"]["name"] == "Money matters"
    assert b"Money matters" in anonymous.get(page("courses:detail", "budget")).content

    # and so does a title saved by any code path, and an unpublication (a queryset update)
    course.title_en = "Budgeting 2"
    course.save()
    assert api_client.get(DETAIL_API.format(slug="budget")).data["title"] == "Budgeting 2"
    course_set_published(courses=Course.objects.filter(pk=course.pk), published=False)
    assert api_client.get(DETAIL_API.format(slug="budget")).status_code == 404
    assert anonymous.get(page("courses:detail", "budget")).status_code == 404


def test_cached_anonymous_pages_cost_no_query_and_revalidate(django_assert_num_queries):
    CourseFactory.create_batch(2)
    client = Client()
    for name in ("courses:home", "courses:list"):
        first = client.get(page(name))
        assert first.status_code == 200
        with django_assert_num_queries(0):
            again = client.get(page(name))
        assert again.content == first.content
        with django_assert_num_queries(0):
            unchanged = client.get(page(name), HTTP_IF_NONE_MATCH=again["ETag"])
        assert unchanged.status_code == 304


def test_a_cached_course_page_carries_each_visitors_own_csrf_token():
    CourseFactory(slug="budget")
    url = page("courses:detail", "budget")
    Client().get(url)  # cached by someone else

    # a new visitor gets the cached page with a token for their own cookie
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(url).content.decode()
    assert "__zq-csrf-token__" not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = visitor.post(
        page("commerce:cart_add"), {"course": "budget", "currency": "USD", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # not 403: the token matches the visitor's cookie


def test_signed_in_learners_never_get_the_shared_page():
    CourseFactory(slug="budget")
    url = page("courses:detail", "budget")
    Client().get(url)
    learner = Client()
    learner.force_login(UserFactory(username="mei"))
    html = learner.get(url).content.decode()
    assert "mei" in html and "Sign in" not in html


def test_model_activation_and_enrollments_invalidate_what_depends_on_them(django_capture_on_commit_callbacks):
    before = namespace_version("catalog")
    ModelVersion.objects.create(algorithm="popularity", is_active=True, status=ModelVersion.Status.ACTIVE)
    assert namespace_version("catalog") != before

    from courses.services import enrollment_grant

    user = UserFactory()
    learner_before = namespace_version(f"learner:{user.pk}")
    # an enrollment bumps the learner's namespace when it commits, not before
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_grant(user=user, course=CourseFactory(), source="purchase")
        assert namespace_version(f"learner:{user.pk}") == learner_before
    assert namespace_version(f"learner:{user.pk}") != learner_before


def test_a_signed_in_learners_course_page_reads_the_shared_pieces_from_the_cache(
    django_assert_num_queries,
):
    course = CourseFactory(slug="budget", title_en="Budgeting")
    url = page("courses:detail", "budget")
    learner = Client()
    learner.force_login(UserFactory(username="mei"))
    first = learner.get(url)
    assert first.status_code == 200

    # the session only: the user and the learner's whole page are cached (per learner), its
    # shared pieces (course, syllabus, reviews panel, similar rail) too for a first visit
    with django_assert_num_queries(1):
        again = learner.get(url)
    html = again.content.decode()
    assert "Budgeting" in html and "mei" in html
    assert 'name="csrfmiddlewaretoken"' in html and "__zq-csrf-token__" not in html

    # an edit shows at once for the learner too
    course.title_en = "Budgeting, revised"
    course.save()
    assert "Budgeting, revised" in learner.get(url).content.decode()
