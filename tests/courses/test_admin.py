"""The catalog admin: pages, fixed query counts, publish actions and the search column."""

import pytest
from django.utils import timezone

from courses.models import Course
from tests.factories import (
    CategoryFactory,
    CourseFactory,
    LearnerProfileFactory,
    LessonFactory,
    LiveSessionFactory,
    SectionFactory,
    TagFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/courses/course/"


@pytest.fixture
def superuser(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def enroll(user, course):
    from courses.services import enrollment_grant

    return enrollment_grant(user=user, course=course)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/courses/course/",
        "/admin/courses/category/",
        "/admin/courses/tag/",
        "/admin/courses/instructor/",
        "/admin/courses/section/",
        "/admin/courses/livesession/",
        "/admin/courses/enrollment/",
        "/admin/courses/lessonprogress/",
        "/admin/courses/review/",
        "/admin/accounts/user/",
        "/admin/courses/course/add/",
    ],
)
def test_admin_pages_answer_for_a_superuser(client, superuser, url):
    lesson = LessonFactory()
    enroll(LearnerProfileFactory().user, lesson.section.course)

    response = client.get(url)

    assert response.status_code == 200


def test_course_change_page_has_a_tab_per_language_without_a_cdn(client, superuser):
    course = CourseFactory()
    SectionFactory(course=course)
    LiveSessionFactory(course=course)

    response = client.get(f"/admin/courses/course/{course.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    for lang in ("en", "zh_hans", "ja", "es", "ar"):
        assert f'name="title_{lang}"' in content
    assert "modeltranslation/js/tabbed_translation_fields.js" in content
    assert "core/admin/jquery-ui-tabs.js" in content
    assert "googleapis" not in content


def test_section_page_edits_lessons_inline(client, superuser):
    lesson = LessonFactory(title_en="Knife skills")

    response = client.get(f"/admin/courses/section/{lesson.section.pk}/change/")

    assert response.status_code == 200
    assert "Knife skills" in response.content.decode()


def test_user_page_shows_the_learner_profile(client, superuser):
    profile = LearnerProfileFactory(country="JP")

    response = client.get(f"/admin/accounts/user/{profile.user.pk}/change/")

    assert response.status_code == 200
    assert 'name="profile-0-country"' in response.content.decode()


def test_learner_cannot_open_the_admin(client):
    client.force_login(UserFactory())

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def _course_rows(n: int) -> None:
    category = CategoryFactory(parent=CategoryFactory())
    for _ in range(n):
        CourseFactory(category=category)


@pytest.mark.parametrize("n", [5, 30])
def test_course_changelist_costs_a_fixed_number_of_queries(client, superuser, django_assert_num_queries, n):
    # given n courses with prices in four currencies
    _course_rows(n)

    # then the list page costs the same whatever the number of rows: session, user,
    # count, filtered count, the page of courses (with category and instructor), their
    # prices, and the category filter's choices
    with django_assert_num_queries(7):
        response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert response.context["cl"].result_count == n


@pytest.mark.parametrize("n", [5, 30])
def test_enrollment_changelist_costs_a_fixed_number_of_queries(
    client, superuser, django_assert_num_queries, n
):
    course = CourseFactory()
    for _ in range(n):
        enroll(UserFactory(), course)

    with django_assert_num_queries(7):
        response = client.get("/admin/courses/enrollment/")

    assert response.status_code == 200


def test_course_list_shows_the_price_in_every_currency(client, superuser):
    CourseFactory()

    content = client.get(CHANGELIST).content.decode()

    assert "CNY 199.00 · EUR 27.00 · JPY 4200.00 · USD 29.00" in content


def test_publish_action_publishes_and_stamps_the_date(client, superuser):
    drafts = [CourseFactory(is_published=False, published_at=None) for _ in range(2)]
    other = CourseFactory(is_published=False, published_at=None)

    response = client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [course.pk for course in drafts]}, follow=True
    )

    assert response.status_code == 200
    assert "2 courses published." in response.content.decode()
    for course in drafts:
        course.refresh_from_db()
        assert course.is_published
        assert course.published_at is not None
    other.refresh_from_db()
    assert not other.is_published


def test_unpublish_action_keeps_the_first_publication_date(client, superuser):
    published_at = timezone.now() - timezone.timedelta(days=3)
    course = CourseFactory(is_published=True, published_at=published_at)

    client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [course.pk]})

    course.refresh_from_db()
    assert not course.is_published
    assert course.published_at == published_at


def test_a_learner_cannot_run_the_publish_action(client):
    course = CourseFactory(is_published=False, published_at=None)
    client.force_login(UserFactory())

    client.post(CHANGELIST, {"action": "publish", "_selected_action": [course.pk]})

    course.refresh_from_db()
    assert not course.is_published


def _change_form(course: Course, **overrides) -> dict:
    data = {
        "slug": course.slug,
        "category": course.category_id,
        "instructor": course.instructor_id,
        "tags": [],
        "format": course.format,
        "level": course.level,
        "language": course.language,
        "duration_minutes": 0,
        "cover_color": course.cover_color,
    }
    for lang in ("en", "zh_hans", "ja", "es", "ar"):
        for field in ("title", "subtitle", "description"):
            data[f"{field}_{lang}"] = getattr(course, f"{field}_{lang}") or ""
    for prefix in ("sections", "prices", "live_sessions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(overrides)
    return data


def test_saving_a_course_reindexes_its_search_text(client, superuser):
    course = CourseFactory(title_es="Curso viejo")
    tag = TagFactory(slug="tea", name_en="tea", name_ja="お茶")

    response = client.post(
        f"/admin/courses/course/{course.pk}/change/", _change_form(course, title_es="Té verde", tags=[tag.pk])
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    course.refresh_from_db()
    assert "té verde" in course.search_text
    assert "お茶" in course.search_text
    assert "curso viejo" not in course.search_text


def test_enrollments_are_read_only_in_the_admin(client, superuser):
    course = CourseFactory()
    enrollment = enroll(UserFactory(), course)

    page = client.get(f"/admin/courses/enrollment/{enrollment.pk}/change/")
    add = client.get("/admin/courses/enrollment/add/")

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert add.status_code == 403
