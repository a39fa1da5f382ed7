"""Catalog admin (audit additions): the course page's inlines, list filters and search."""

import re

import pytest

from courses.models import Course
from tests.factories import CourseFactory, LiveSessionFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/courses/course/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def listed_pks(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())}


def test_course_page_has_inlines_for_sections_prices_and_live_sessions(staff_client):
    # given a live course with a section, four prices and a session
    session = LiveSessionFactory()
    SectionFactory(course=session.course)

    # when
    response = staff_client.get(f"/admin/courses/course/{session.course.pk}/change/")

    # then every inline formset is there with the existing rows
    html = response.content.decode()
    assert 'name="sections-TOTAL_FORMS" value="1"' in html
    assert 'name="prices-TOTAL_FORMS" value="4"' in html
    assert 'name="live_sessions-TOTAL_FORMS" value="1"' in html
    # the section inline is translated too: one title per language
    for lang in ("en", "zh_hans", "ja", "es", "ar"):
        assert f'name="sections-0-title_{lang}"' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"is_published__exact": "0"}, {"draft"}),
        ({"is_published__exact": "1"}, {"video", "live"}),
        ({"format__exact": "live"}, {"live"}),
        ({"language__exact": "ja"}, {"video"}),
        ({"q": "茶道"}, {"video"}),
    ],
)
def test_course_list_filters_and_search(staff_client, params, expected):
    # given
    courses = {
        "video": CourseFactory(slug="video", title_zh_hans="中国茶道", language="ja"),
        "live": CourseFactory(slug="live", format=Course.Format.LIVE, language="zh-hans"),
        "draft": CourseFactory(slug="draft", is_published=False, language="en"),
    }

    # when
    response = staff_client.get(CHANGELIST, params)

    # then
    assert response.status_code == 200
    assert listed_pks(response) == {courses[name].pk for name in expected}


def test_categories_have_two_levels_only(staff_client):
    from django.core.exceptions import ValidationError

    from courses.models import Category
    from tests.factories import CategoryFactory

    # given a top category with a subcategory
    top = CategoryFactory(slug="finance")
    sub = CategoryFactory(slug="investing", parent=top)

    # when staff try to put a category under the subcategory
    response = staff_client.post(
        "/admin/courses/category/add/",
        {"slug": "etfs", "name_en": "ETFs", "parent": sub.pk, "position": 0},
    )

    # then the form is shown again with the reason and nothing is saved
    assert response.status_code == 200
    assert "Choose a top category: categories have two levels." in response.content.decode()
    assert not Category.objects.filter(slug="etfs").exists()
    # a top category with subcategories cannot move under another one either
    top.parent = CategoryFactory(slug="money")
    with pytest.raises(ValidationError) as error:
        top.full_clean()
    assert error.value.message_dict == {
        "parent": ["This category has subcategories, so it must stay a top category."]
    }
    # a subcategory under a top category is fine
    staff_client.post(
        "/admin/courses/category/add/",
        {"slug": "bonds", "name_en": "Bonds", "parent": top.pk, "position": 0},
    )
    assert Category.objects.get(slug="bonds").parent == top
