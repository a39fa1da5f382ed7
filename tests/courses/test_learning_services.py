"""Lesson progress and course completion through ``courses.services``."""

import pytest

from courses.exceptions import NotEnrolled
from courses.models import Enrollment, LessonProgress
from courses.services import (
    enrollment_grant,
    enrollment_revoke,
    enrollment_set_last_lesson,
    lesson_progress_set,
)
from tests.courses.learning_factories import course_with_lessons, enrolled_learner
from tests.factories import LessonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_marking_a_lesson_complete_counts_it_and_sets_the_resume_point():
    # given a learner enrolled in a three-lesson course
    course, lessons = course_with_lessons(lessons=3)
    learner = enrolled_learner(course)

    # when they complete the second lesson
    enrollment = lesson_progress_set(user=learner, lesson=lessons[1], completed=True)

    # then
    assert enrollment.completed_lessons == 1
    assert enrollment.last_lesson_id == lessons[1].pk
    assert enrollment.completed_at is None
    progress = LessonProgress.objects.get(user=learner, lesson=lessons[1])
    assert progress.completed is True
    assert progress.completed_at is not None


def test_marking_the_same_lesson_twice_counts_it_once():
    course, lessons = course_with_lessons(lessons=3)
    learner = enrolled_learner(course)

    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    enrollment = lesson_progress_set(user=learner, lesson=lessons[0], completed=True)

    assert enrollment.completed_lessons == 1
    assert LessonProgress.objects.filter(user=learner).count() == 1


def test_completing_every_lesson_completes_the_course_and_unmarking_reopens_it():
    # given
    course, lessons = course_with_lessons(lessons=3, sections=2)
    learner = enrolled_learner(course)

    # when every lesson is completed, in any order
    for lesson in (lessons[2], lessons[0], lessons[1]):
        enrollment = lesson_progress_set(user=learner, lesson=lesson, completed=True)

    # then the course is complete
    assert enrollment.completed_lessons == 3
    completed_at = enrollment.completed_at
    assert completed_at is not None

    # and completing a lesson again keeps the first completion time
    enrollment = lesson_progress_set(user=learner, lesson=lessons[1], completed=True)
    assert enrollment.completed_at == completed_at

    # when one lesson is unmarked
    enrollment = lesson_progress_set(user=learner, lesson=lessons[0], completed=False)

    # then the course is no longer complete
    enrollment.refresh_from_db()
    assert enrollment.completed_lessons == 2
    assert enrollment.completed_at is None
    assert LessonProgress.objects.get(user=learner, lesson=lessons[0]).completed_at is None


def test_a_lesson_added_after_completion_reopens_the_course_at_the_next_progress():
    course, lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    for lesson in lessons:
        lesson_progress_set(user=learner, lesson=lesson, completed=True)
    new_lesson = LessonFactory(section=lessons[0].section, position=99)

    enrollment = lesson_progress_set(user=learner, lesson=lessons[0], completed=True)

    assert enrollment.completed_lessons == 2
    assert enrollment.completed_at is None
    enrollment = lesson_progress_set(user=learner, lesson=new_lesson, completed=True)
    assert enrollment.completed_at is not None


def test_progress_of_other_courses_is_not_counted():
    course, lessons = course_with_lessons(lessons=2)
    other, other_lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    enrollment_grant(user=learner, course=other)
    lesson_progress_set(user=learner, lesson=other_lessons[0], completed=True)

    enrollment = lesson_progress_set(user=learner, lesson=lessons[0], completed=True)

    assert enrollment.completed_lessons == 1


@pytest.mark.parametrize("preview", [False, True])
def test_a_learner_who_is_not_enrolled_cannot_keep_progress(preview):
    # given a course (the lesson may be a free preview) and a learner without enrollment
    _course, lessons = course_with_lessons(lessons=2, preview_first=preview)
    stranger = UserFactory()

    # when / then
    with pytest.raises(NotEnrolled) as caught:
        lesson_progress_set(user=stranger, lesson=lessons[0], completed=True)
    assert caught.value.code == "not_enrolled"
    assert caught.value.status_code == 403
    assert LessonProgress.objects.count() == 0


def test_an_anonymous_visitor_cannot_keep_progress():
    from django.contrib.auth.models import AnonymousUser

    _course, lessons = course_with_lessons(lessons=1)

    with pytest.raises(NotEnrolled):
        lesson_progress_set(user=AnonymousUser(), lesson=lessons[0], completed=True)


def test_a_revoked_enrollment_loses_progress_rights_and_keeps_past_progress():
    # given a learner with progress whose purchase is refunded
    course, lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    enrollment_revoke(user=learner, course=course)

    # when / then
    with pytest.raises(NotEnrolled):
        lesson_progress_set(user=learner, lesson=lessons[1], completed=True)
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert enrollment.completed_lessons == 1
    assert LessonProgress.objects.filter(user=learner, completed=True).count() == 1

    # and a later purchase brings the progress back
    enrollment_grant(user=learner, course=course)
    enrollment = lesson_progress_set(user=learner, lesson=lessons[1], completed=True)
    assert enrollment.completed_lessons == 2
    assert enrollment.completed_at is not None


def test_opening_a_lesson_moves_the_resume_point_only_when_it_changes(django_assert_num_queries):
    course, lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    enrollment = Enrollment.objects.get(user=learner, course=course)

    with django_assert_num_queries(1):
        enrollment_set_last_lesson(enrollment=enrollment, lesson=lessons[1])
    with django_assert_num_queries(0):
        enrollment_set_last_lesson(enrollment=enrollment, lesson=lessons[1])

    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == lessons[1].pk
