"""Celery tasks of the catalog: thin wrappers around ``courses.services``."""

from celery import shared_task

from .services import course_enrollment_counts_fold, course_search_refresh_popularity


@shared_task(name="courses.tasks.refresh_search_popularity")
def refresh_search_popularity() -> int:
    """Idempotent: copies changed enrollment counts into the search documents."""
    return course_search_refresh_popularity()


@shared_task(name="courses.tasks.fold_enrollment_counts")
def fold_enrollment_counts() -> int:
    """Idempotent: adds the sales' pending learner-count changes into the courses."""
    return course_enrollment_counts_fold()
