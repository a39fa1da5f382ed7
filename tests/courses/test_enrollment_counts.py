"""A course's learner count: a sale or a withdrawal leaves a change row in its own
transaction, and the fold adds the changes into the course (issue 9: the course row is no
longer written by every sale of the course)."""

import threading

import pytest
from django.conf import settings
from django.db import connections

from commerce.services import order_checkout
from config.celery import app
from courses.models import Course, Enrollment, EnrollmentCountChange
from courses.services import course_enrollment_counts_add, course_enrollment_counts_fold, enrollment_revoke
from tests.commerce.concurrency import run_together
from tests.factories import CourseFactory, UserFactory

PAY = {"provider": "sandbox", "token": "tok_success"}


def _count(course: Course) -> int:
    return Course.objects.values_list("enrollment_count", flat=True).get(pk=course.pk)


@pytest.mark.django_db
def test_a_sale_leaves_a_change_that_the_fold_adds_once():
    # given a course with 3 learners, and a sale of it
    course = CourseFactory(slug="counted", enrollment_count=3)
    order_checkout(user=UserFactory(), items=[{"course": course.slug}], currency="USD", payment=PAY)
    # then the course row is as it was, and the change waits in its own row
    assert _count(course) == 3
    assert list(EnrollmentCountChange.objects.values_list("course_id", "delta")) == [(course.pk, 1)]
    # when the fold runs, twice
    changed = course_enrollment_counts_fold()
    again = course_enrollment_counts_fold()
    # then the count has the sale once, and nothing is left to fold
    assert (changed, again) == (1, 0)
    assert _count(course) == 4
    assert not EnrollmentCountChange.objects.exists()


@pytest.mark.django_db
def test_changes_of_several_courses_fold_into_each_and_never_below_zero():
    # given changes on two courses, one of which would go below zero
    grown = CourseFactory(slug="grown", enrollment_count=10)
    emptied = CourseFactory(slug="emptied", enrollment_count=1)
    untouched = CourseFactory(slug="untouched", enrollment_count=5)
    course_enrollment_counts_add(course_ids=[grown.pk, emptied.pk])
    course_enrollment_counts_add(course_ids=[grown.pk])
    course_enrollment_counts_add(course_ids=[emptied.pk], delta=-1)
    course_enrollment_counts_add(course_ids=[emptied.pk], delta=-1)
    course_enrollment_counts_add(course_ids=[emptied.pk], delta=-1)
    # when they are folded
    changed = course_enrollment_counts_fold()
    # then each course has its sum, floored at zero, and the course with no change is untouched
    assert changed == 2
    assert (_count(grown), _count(emptied), _count(untouched)) == (12, 0, 5)


@pytest.mark.django_db
def test_a_withdrawn_enrollment_counts_one_learner_less_after_the_fold():
    # given a learner enrolled by a sale, folded in
    course = CourseFactory(slug="withdrawn")
    user = UserFactory()
    order_checkout(user=user, items=[{"course": course.slug}], currency="USD", payment=PAY)
    course_enrollment_counts_fold()
    assert _count(course) == 1
    # when the enrollment is withdrawn (a full refund) and the fold runs
    enrollment_revoke(user=user, course=course)
    course_enrollment_counts_fold()
    # then the course counts no learner
    assert _count(course) == 0
    assert not Enrollment.objects.get(user=user, course=course).is_active


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sales_racing_folds_count_every_learner_exactly_once():
    # given a course, 12 buyers and a fold running over and over meanwhile
    course = CourseFactory(slug="raced")
    buyers = [UserFactory(username=f"raced-{i}") for i in range(12)]
    stop = threading.Event()
    folds: list[int] = []

    def fold_until_stopped() -> None:
        try:
            while not stop.is_set():
                folds.append(course_enrollment_counts_fold())
        finally:
            connections.close_all()

    folder = threading.Thread(target=fold_until_stopped)
    folder.start()
    # when the buyers check out at once, each in its own thread and connection
    try:
        results = run_together(
            len(buyers),
            lambda i: order_checkout(
                user=buyers[i], items=[{"course": course.slug}], currency="USD", payment=PAY
            ),
        )
    finally:
        stop.set()
        folder.join(timeout=60)
    course_enrollment_counts_fold()
    # then every sale is counted once: none lost to a fold that ran beside it, none twice
    assert not [result for result in results if isinstance(result, Exception)]
    assert len(folds) > 1
    assert Enrollment.objects.filter(course=course, is_active=True).count() == 12
    assert _count(course) == 12
    assert not EnrollmentCountChange.objects.exists()


def test_the_fold_is_a_task_that_runs_every_minute():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "courses.tasks.fold_enrollment_counts"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"].minute == set(range(60))
    app.loader.import_default_modules()
    assert "courses.tasks.fold_enrollment_counts" in app.tasks
