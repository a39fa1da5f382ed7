"""The inbox and the lesson's questions section at 390 px in every language: nothing wider
than the screen, the unread badge in the header, and a question asked through the form."""

import pytest

from core.outbox import outbox_drain
from courses.models import Enrollment
from notifications.services import live_reminders_send
from tests.factories import (
    CourseFactory,
    InstructorFactory,
    LearnerProfileFactory,
    LessonFactory,
    LiveSessionFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 390


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - WIDTH


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "es"])
def test_inbox_and_questions_fit_390px(page, login, live_server, language):
    from datetime import timedelta

    from django.utils import timezone

    learner = UserFactory(username=f"phone-{language}")
    LearnerProfileFactory(user=learner, preferred_language=language)
    teacher = UserFactory(username=f"teacher-{language}")
    course = CourseFactory(instructor=InstructorFactory(user=teacher))
    lesson = LessonFactory(section=SectionFactory(course=course))
    session = LiveSessionFactory(course=course, starts_at=timezone.now() + timedelta(minutes=30))
    Enrollment.objects.create(user=learner, course=course, live_session=session)
    live_reminders_send()
    outbox_drain()

    page.set_viewport_size({"width": WIDTH, "height": 800})
    login(page, learner.username, "pass-1234", language)
    page.goto(f"{live_server.url}/{language}/notifications/")
    assert page.locator('[data-testid="notification"]').count() == 1
    assert page.locator('[data-testid="unread-count"]').first.inner_text() == "1"
    assert _overflow(page) <= 0

    page.goto(f"{live_server.url}/{language}/learn/{course.slug}/lessons/{lesson.pk}/")
    page.locator(".qa-ask summary").click()
    page.fill("#qa-title", "这个循环为什么提前结束？ A rather long question title to test wrapping")
    page.locator(".qa-ask button[type=submit]").click()
    assert page.locator('[data-testid="question"]').count() == 1
    assert _overflow(page) <= 0
