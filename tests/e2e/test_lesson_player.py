"""The lesson player in a real browser: a free preview opened from the course page's badge
plays, and a reload resumes where playback stopped (this browser's position for a visitor,
the server's for an enrolled learner, even in a fresh browser) at 390 px."""

import json

import pytest
from django.core.files.base import ContentFile

from courses.models import LessonProgress
from courses.services import enrollment_grant
from demo.steps.media import tone_wav
from tests.factories import CourseFactory, LessonFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def audio_course():
    course = CourseFactory(slug="tea-sounds", title_en="Tea sounds", format="audio")
    section = SectionFactory(course=course, position=1)
    lesson = LessonFactory(section=section, position=1, is_preview=True, title_en="Listen first")
    lesson.media_kind, lesson.media_seconds = "audio", 20
    lesson.media_file.save("tone.wav", ContentFile(tone_wav(seconds=20)), save=True)
    LessonFactory(section=section, position=2, title_en="Paid lesson")
    return course, lesson


def _play_until(page, seconds: float) -> float:
    media = page.locator("[data-player] audio")
    media.evaluate("m => { m.muted = true; return m.play(); }")
    page.wait_for_function(
        f"() => document.querySelector('[data-player] audio').currentTime > {seconds}", timeout=20_000
    )
    return media.evaluate("m => { m.pause(); return m.currentTime; }")


def _current_time_after_load(page) -> float:
    page.wait_for_function("() => document.querySelector('[data-player] audio').currentTime > 0.5")
    return page.locator("[data-player] audio").evaluate("m => m.currentTime")


def test_a_visitor_plays_the_preview_from_the_course_page_and_resumes_after_reload(
    page, live_server, audio_course
):
    course, lesson = audio_course
    page.goto(f"{live_server.url}/en/courses/{course.slug}/")
    page.locator('[data-testid="preview-link"]').first.click()
    page.wait_for_url(f"**/learn/{course.slug}/lessons/{lesson.pk}/")

    stopped_at = _play_until(page, 2.0)
    page.reload()

    resumed = _current_time_after_load(page)
    assert abs(resumed - stopped_at) < 0.6
    # the speed control works on the same element
    page.locator('[data-testid="speed"]').select_option("1.5")
    assert page.locator("[data-player] audio").evaluate("m => m.playbackRate") == 1.5


def test_an_enrolled_learner_resumes_from_the_server_in_a_fresh_browser_at_390px(
    browser, live_server, audio_course, login
):
    course, lesson = audio_course
    learner = UserFactory(username="listener")
    learner.set_password("listener-pass")
    learner.save()
    enrollment_grant(user=learner, course=course)
    url = f"{live_server.url}/en/learn/{course.slug}/lessons/{lesson.pk}/"

    def fresh_phone_page():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
        phone = context.new_page()
        login(phone, "listener", "listener-pass")
        return context, phone

    context, phone = fresh_phone_page()
    phone.goto(url)

    def pause_saved(response) -> bool:
        # the save on "play" (at 0) comes first; wait for the one sent on pause
        if "/position/" not in response.url or response.status != 200:
            return False
        return json.loads(response.request.post_data)["position"] > 2

    with phone.expect_response(pause_saved):
        stopped_at = _play_until(phone, 2.5)
    width = phone.locator("[data-player] audio").evaluate("m => m.getBoundingClientRect().right")
    assert width <= 390
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    context.close()

    saved = LessonProgress.objects.get(user=learner, lesson=lesson).position_seconds
    assert abs(saved - stopped_at) < 0.6

    context, phone = fresh_phone_page()  # no localStorage: the position comes from the server
    phone.goto(url)
    assert abs(_current_time_after_load(phone) - saved) < 0.6
    context.close()


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "es"])
def test_lesson_quiz_and_certificate_pages_fit_390px(browser, live_server, audio_course, login, language):
    from courses.models import Choice, Question, Quiz
    from courses.services import lesson_progress_set

    course, lesson = audio_course
    quiz = Quiz.objects.create(
        course=course, title_en="A rather long quiz title " * 3, required_for_certificate=False
    )
    question = Question.objects.create(quiz=quiz, text_en="Which of these is a long answer? " * 4)
    Choice.objects.create(
        question=question, text_en="Averyveryverylongwordwithoutanyspaces" * 3, is_correct=True
    )
    learner = UserFactory(username="phone-learner", first_name="Ana María", last_name="Núñez de Balboa")
    learner.set_password("phone-learner-pass")
    learner.save()
    enrollment_grant(user=learner, course=course)
    for each in lesson.section.lessons.all():
        lesson_progress_set(user=learner, lesson=each, completed=True)

    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    login(phone, "phone-learner", "phone-learner-pass", language)
    for path in (
        f"/{language}/learn/{course.slug}/lessons/{lesson.pk}/",
        f"/{language}/learn/{course.slug}/quizzes/{quiz.pk}/",
        f"/{language}/learn/{course.slug}/certificate/",
    ):
        phone.goto(path)
        wide = phone.evaluate(
            "() => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > 390.5)"
            ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
        )
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390, (path, wide)
    context.close()
