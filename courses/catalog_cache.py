"""Invalidation of the shared catalog cache (``core.caching`` namespace ``catalog``).

Every save or delete of what a catalog page or payload shows (courses, their prices,
syllabus, live sessions, tags, instructors, categories, reviews) bumps the namespace, so
an edit in the admin, a service or the shell shows at the next request. Counters changed
with ``UPDATE ... SET n = n + k`` (the learner counts the fold adds every minute, seats
taken) send no signal: they are refreshed when the entries expire
(``CATALOG_CACHE_SECONDS``)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from core.caching import namespace_bump

from .models import (
    Category,
    Course,
    Enrollment,
    Instructor,
    Lesson,
    LiveSession,
    Price,
    Review,
    Section,
    Tag,
    WishlistItem,
)

CATALOG = "catalog"
CATALOG_MODELS = (Category, Course, Instructor, Lesson, LiveSession, Price, Review, Section, Tag)


def catalog_bump() -> None:
    """Invalidate the catalog cache now and again when the current transaction commits,
    so no request can cache the old rows between the edit and its commit."""
    namespace_bump(CATALOG)
    transaction.on_commit(lambda: namespace_bump(CATALOG))


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # fixtures being loaded
    catalog_bump()


def learner_namespace(user_id: int) -> str:
    """What is cached per learner (their recommendations, their own catalog pages) and
    changes with their enrollments and wishlist."""
    return f"learner:{user_id}"


def _on_enrollment(sender, instance: Enrollment | WishlistItem, **kwargs) -> None:
    """A learner's pages and recommendations change with their enrollments and wishlist:
    their namespace is bumped once the change commits. Not before as well (as
    ``catalog_bump`` does for staff edits): every sale runs this, and a bump before the
    commit protects nothing an after-commit bump does not, since an entry built from the
    old rows is stored under a token the commit's bump retires."""
    if not kwargs.get("raw"):
        namespace = learner_namespace(instance.user_id)
        transaction.on_commit(lambda: namespace_bump(namespace))


def _on_m2m(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        catalog_bump()


def connect() -> None:
    for model in CATALOG_MODELS:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"catalog-cache-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"catalog-cache-delete-{model.__name__}")
    post_save.connect(_on_enrollment, sender=Enrollment, dispatch_uid="learner-cache-enrollment-save")
    post_delete.connect(_on_enrollment, sender=Enrollment, dispatch_uid="learner-cache-enrollment-delete")
    # The course page of a signed-in learner shows whether the course is on their wishlist.
    post_save.connect(_on_enrollment, sender=WishlistItem, dispatch_uid="learner-cache-wishlist-save")
    post_delete.connect(_on_enrollment, sender=WishlistItem, dispatch_uid="learner-cache-wishlist-delete")
    m2m_changed.connect(_on_m2m, sender=Course.tags.through, dispatch_uid="catalog-cache-course-tags")
