"""The lesson page's duration reads in every interface language (Spanish plural forms
once fell back to English: "11 minutes")."""

import pytest
from django.urls import reverse
from django.utils import translation

from courses.models import Lesson
from tests.courses.learning_factories import course_with_lessons, enrolled_learner

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lang", "minutes", "expected"),
    [
        ("en", 11, "· 11 min"),
        ("es", 11, "· 11 min"),
        ("ja", 11, "· 11 分"),
        ("zh-hans", 11, "· 11 分钟"),
        ("es", 95, "· 1 h 35 min"),
    ],
)
def test_lesson_duration_is_in_the_learners_language(client, lang, minutes, expected):
    course, lessons = course_with_lessons(lessons=2)
    Lesson.objects.filter(pk=lessons[0].pk).update(duration_minutes=minutes)
    client.force_login(enrolled_learner(course))
    with translation.override(lang):
        url = reverse("courses:lesson", kwargs={"slug": course.slug, "lesson_id": lessons[0].pk})

    page = client.get(url).content.decode()

    assert expected in page
    assert "minutes" not in page
