import pytest

from courses.selectors import course_list
from tests.factories import CourseFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_course_factory_builds_a_searchable_priced_course():
    course = CourseFactory(title_zh_hans="理财入门")
    LessonFactory(section__course=course)

    found = list(course_list(currency="CNY", query="理财"))

    assert found == [course]
    assert found[0].price_amount == 199
