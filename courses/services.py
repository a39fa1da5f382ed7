"""Catalog writes. Learning use cases (enrollments, progress, reviews) live here too."""

from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, connections, router, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import Greatest
from django.db.models.signals import post_save
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from core.rawsql import write

from . import search, search_postings
from .catalog_cache import catalog_bump
from .exceptions import CourseNotFound, CourseNotFree, LessonLocked, LiveSessionNotFound, NotEnrolled, SoldOut
from .models import (
    Course,
    CourseSearchDocument,
    Enrollment,
    EnrollmentCountChange,
    Lesson,
    LessonProgress,
    LiveSession,
    Quiz,
    QuizAttempt,
    Review,
    Section,
    WishlistItem,
)
from .signals import certificate_issued


def _language_suffixes() -> list[str]:
    return [code.replace("-", "_") for code, _ in settings.LANGUAGES]


def course_build_search_text(*, course: Course) -> str:
    """Every language's title, subtitle, description, tags, category (and its parent) and
    instructor, lower-cased, so one substring search finds a course in any language (the
    SQLite search; PostgreSQL searches the course's ``CourseSearchDocument``)."""
    texts = search.course_texts(course, _language_suffixes())
    return "\n".join(texts.all()).lower()


def _documents_rebuild(course_ids: list[int] | None) -> int:
    written = search.documents_rebuild(connection, _language_suffixes(), course_ids)
    # The posting rows follow the documents in the same transaction: an edit shows in the
    # next search at once.
    search_postings.postings_sync(connection, course_ids)
    # Searches cache their ranked ids under the catalog's version: a document rewritten
    # after the edit's own signal (tags added, then the course reindexed) must bump it again.
    catalog_bump()
    return written


def course_index_search_text(*, courses: Iterable[Course]) -> int:
    """Refresh the search column and, on PostgreSQL, the search document of ``courses``
    (on SQLite loaded with their tags, category, category parent and instructor); returns
    how many were written."""
    courses = list(courses)
    if connection.vendor == "postgresql":
        return _documents_rebuild([course.pk for course in courses])
    for course in courses:
        course.search_text = course_build_search_text(course=course)
    Course.objects.bulk_update(courses, ["search_text"], batch_size=500)
    return len(courses)


def _courses_to_index() -> QuerySet[Course]:
    return Course.objects.select_related("category", "category__parent", "instructor").prefetch_related(
        "tags"
    )


def course_reindex_all() -> int:
    if connection.vendor == "postgresql":
        # One set-based statement for the whole catalog (minutes at 100k courses).
        return _documents_rebuild(None)
    return course_reindex(courses=Course.objects.all())


def course_reindex(*, courses: QuerySet[Course]) -> int:
    """Refresh the search texts of ``courses`` (after a category, tag or instructor name
    changes, every course that shows it)."""
    if connection.vendor == "postgresql":
        ids = list(courses.values_list("pk", flat=True))
        return _documents_rebuild(ids) if ids else 0
    queryset = _courses_to_index().filter(pk__in=courses.values("pk")).order_by("pk")
    written = 0
    batch: list[Course] = []
    for course in queryset.iterator(chunk_size=500):
        batch.append(course)
        if len(batch) == 500:
            written += course_index_search_text(courses=batch)
            batch = []
    return written + course_index_search_text(courses=batch)


@transaction.atomic
def course_set_published(*, courses: QuerySet[Course], published: bool) -> int:
    """Publish or unpublish; the first publication stamps ``published_at``."""
    if published:
        courses.filter(published_at__isnull=True).update(published_at=timezone.now())
    # The search reads the flag from the course's search document (see courses.search).
    CourseSearchDocument.objects.filter(course__in=courses.values("pk")).update(is_published=published)
    if connection.vendor == "postgresql":
        # Only published courses have posting rows: add or drop theirs.
        search_postings.postings_sync(connection, list(courses.values_list("pk", flat=True)))
    changed = courses.update(is_published=published)
    # A queryset update sends no post_save: invalidate the cached catalog here.
    catalog_bump()
    return changed


def course_search_refresh_popularity() -> int:
    """Copy every changed enrollment count into the search documents (hourly task): the
    search picks its candidates among the most popular matches. Returns the rows changed."""
    if connection.vendor != "postgresql":
        return 0  # SQLite searches Course.search_text and keeps no documents
    with connection.cursor() as cursor:
        # The posting rows carry the popularity too (their index order): the changed
        # documents' rows are updated in the same statement, through the primary key.
        cursor.execute(
            "WITH changed AS ("
            "UPDATE courses_coursesearchdocument d SET popularity = c.enrollment_count "
            "FROM courses_course c WHERE c.id = d.course_id AND d.popularity <> c.enrollment_count "
            "RETURNING d.course_id, d.popularity), "
            "postings AS (UPDATE courses_coursesearchposting p SET popularity = changed.popularity "
            "FROM changed WHERE p.course_id = changed.course_id RETURNING 1) "
            "SELECT count(*) FROM changed"
        )
        changed = cursor.fetchone()[0]
    if changed:
        # Searches rank ties by popularity: their cached ranked ids are stale now.
        catalog_bump()
    return changed


# --- Seats and enrollments (called by commerce on payment and refund) ---------------------


def live_session_reserve_seat(*, session_id: int, seats: int = 1) -> None:
    """Take ``seats`` seats with one conditional UPDATE, so concurrent buyers can never
    push ``seats_taken`` past ``capacity`` (the check constraint is the last guard)."""
    updated = LiveSession.objects.filter(pk=session_id, seats_taken__lte=F("capacity") - seats).update(
        seats_taken=F("seats_taken") + seats
    )
    if updated == 1:
        return
    if not LiveSession.objects.filter(pk=session_id).exists():
        raise LiveSessionNotFound()
    raise SoldOut()


def live_session_release_seat(*, session_id: int, seats: int = 1) -> None:
    LiveSession.objects.filter(pk=session_id, seats_taken__gte=seats).update(
        seats_taken=F("seats_taken") - seats
    )


# savepoint=False: a paid order grants inside its own transaction, which any error here ends.
@transaction.atomic(savepoint=False)
def enrollment_grant(*, user, course: Course, live_session_id: int | None = None, source: str = "purchase"):
    """Give ``user`` the right to learn ``course`` (idempotent: a second grant reactivates
    or returns the existing enrollment). The course's enrollment counter moves only when
    an enrollment becomes active."""
    enrollment, activated = enrollment_grant_uncounted(
        user=user, course=course, live_session_id=live_session_id, source=source
    )
    if activated:
        course_enrollment_counts_add(course_ids=[course.pk])
    return enrollment


def course_enrollment_counts_add(*, course_ids: list[int], delta: int = 1) -> None:
    """``delta`` more learners on each course, as rows of ``EnrollmentCountChange`` in the
    caller's transaction, which ``course_enrollment_counts_fold`` adds to the courses.

    A sale writes no course row. The course row was the one row every sale of the course
    wrote: concurrent sales queued on its lock until each commit (3 % of the open
    transactions' time at 32 connections), and each update copied a wide row and wrote an
    entry in each of the course's ten indexes (10 of a coded sale's 124 WAL records;
    README, issue 9). An insert takes no lock another sale waits for."""
    if not course_ids:
        return
    table = EnrollmentCountChange._meta.db_table
    # A plain statement: every sale runs it, and the ORM's insert costs several times the
    # statement in Python.
    write(
        connections[router.db_for_write(EnrollmentCountChange)],
        table,
        f"INSERT INTO {table} (course_id, delta) VALUES " + ", ".join(["(%s, %s)"] * len(course_ids)),
        [value for course_id in sorted(course_ids) for value in (course_id, delta)],
    )


def course_enrollment_counts_fold() -> int:
    """Add the pending ``EnrollmentCountChange`` rows into ``Course.enrollment_count`` and
    delete them, in one transaction (a task, every minute). Returns the courses changed.

    A change committed while this runs is not seen by it and waits for the next run; two
    runs at once cannot add a change twice (the second waits for the first's deletes, then
    finds the rows gone). A count never goes below zero. No catalog invalidation: counters
    refresh as the cached entries expire, as they always did."""
    changes = EnrollmentCountChange._meta.db_table
    courses = Course._meta.db_table
    db = router.db_for_write(EnrollmentCountChange)
    if connections[db].vendor == "postgresql":
        with connections[db].cursor() as cursor:
            cursor.execute(
                f"WITH folded AS (DELETE FROM {changes} RETURNING course_id, delta), "
                "sums AS (SELECT course_id, sum(delta) AS n FROM folded GROUP BY course_id) "
                f"UPDATE {courses} c SET enrollment_count = GREATEST(c.enrollment_count + sums.n, 0) "
                "FROM sums WHERE c.id = sums.course_id AND sums.n <> 0"
            )
            return cursor.rowcount
    # SQLite has no writing CTEs. Its transactions take the write lock when they begin
    # (settings: IMMEDIATE), so no change commits between the sums and the delete.
    with transaction.atomic(using=db):
        pending = EnrollmentCountChange.objects.using(db)
        sums = pending.values_list("course_id").annotate(n=Sum("delta")).exclude(n=0).order_by("course_id")
        changed = sum(
            Course.objects.using(db)
            .filter(pk=course_id)
            .update(enrollment_count=Greatest(F("enrollment_count") + n, 0))
            for course_id, n in sums
        )
        pending.delete()
        return changed


@transaction.atomic(savepoint=False)
def enrollment_grant_uncounted(
    *, user, course: Course, live_session_id: int | None = None, source: str = "purchase"
) -> tuple[Enrollment, bool]:
    """``enrollment_grant`` without the counter: returns ``(enrollment, activated)``, and a
    caller with ``activated`` must call ``course_enrollment_counts_add`` in the same
    transaction (the checkout does it last, see there).

    The common case (a first enrollment) is one ``INSERT ... ON CONFLICT DO NOTHING``:
    no read first and no savepoint (``get_or_create`` took four round trips). A concurrent
    grant inserting the same pair makes this one wait for it, then insert nothing and take
    the locked read below, as ``get_or_create`` did."""
    now = timezone.now()
    table = Enrollment._meta.db_table
    db = router.db_for_write(Enrollment)
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (created_at, updated_at, user_id, course_id, live_session_id, source,"
            " is_active, completed_lessons) VALUES (%s, %s, %s, %s, %s, %s, true, 0)"
            " ON CONFLICT (user_id, course_id) DO NOTHING RETURNING id",
            [now, now, user.pk, course.pk, live_session_id, source],
        )
        row = cursor.fetchone()
    if row is not None:
        enrollment = Enrollment(
            id=row[0],
            created_at=now,
            updated_at=now,
            user=user,
            course=course,
            live_session_id=live_session_id,
            source=source,
            is_active=True,
            completed_lessons=0,
        )
        enrollment._state.adding = False
        enrollment._state.db = db
        # What Model.save() would have announced (learner caches, partner webhooks).
        post_save.send(
            sender=Enrollment, instance=enrollment, created=True, update_fields=None, raw=False, using=db
        )
        return enrollment, True
    enrollment = Enrollment.objects.select_for_update().get(user=user, course=course)
    if not enrollment.is_active:
        enrollment.is_active = True
        enrollment.live_session_id = live_session_id or enrollment.live_session_id
        enrollment.source = source
        enrollment.save(update_fields=["is_active", "live_session", "source", "updated_at"])
        return enrollment, True
    return enrollment, False


def course_is_free(*, course: Course) -> bool:
    """Free in every currency it is priced in (a course without prices is not on sale). A
    live class is never enrolled in this way: its seats go through the checkout."""
    if course.format == Course.Format.LIVE:
        return False
    amounts = list(course.prices.values_list("amount", flat=True))
    return bool(amounts) and all(amount == 0 for amount in amounts)


@transaction.atomic
def enrollment_enroll_free(*, user, course_slug: str) -> Enrollment:
    """A free course is learned at once: an enrollment, no order and no payment step.
    Enrolling again returns the same enrollment."""
    course = Course.objects.filter(slug=course_slug, is_published=True).first()
    if course is None:
        raise CourseNotFound()
    if not course_is_free(course=course):
        raise CourseNotFree()
    return enrollment_grant(user=user, course=course, source=Enrollment.Source.FREE)


@transaction.atomic
def enrollment_revoke(*, user, course: Course):
    """Withdraw the right to learn (a full refund). Progress is kept for a later purchase."""
    enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if enrollment is None or not enrollment.is_active:
        return enrollment
    enrollment.is_active = False
    enrollment.save(update_fields=["is_active", "updated_at"])
    course_enrollment_counts_add(course_ids=[course.pk], delta=-1)
    return enrollment


# --- Learning: lesson progress and reviews -------------------------------------------------


class InvalidRating(ApplicationError):
    code = "invalid_rating"

    def default_message(self):
        return _("A rating is a whole number of stars from 1 to 5.")


class InvalidLanguage(ApplicationError):
    code = "invalid_language"

    def default_message(self):
        return _("This language is not supported.")


RATING_MIN, RATING_MAX = 1, 5
RATING_AVERAGE_QUANTUM = Decimal("0.01")


def _active_enrollment_for_update(*, user, course_id: int) -> Enrollment:
    """Lock the learner's active enrollment: every progress write for one learner and
    course goes through this row, so the set-based recount below cannot interleave."""
    if not getattr(user, "is_authenticated", False):
        raise NotEnrolled()
    enrollment = (
        Enrollment.objects.select_for_update().filter(user=user, course_id=course_id, is_active=True).first()
    )
    if enrollment is None:
        raise NotEnrolled()
    return enrollment


def course_lesson_total(*, course_id: int) -> int:
    return Lesson.objects.filter(section__course_id=course_id).count()


def _required_quizzes_passed(*, user, course_id: int) -> bool:
    """Every quiz of the course that the certificate requires (and that has questions)
    has a passed attempt by ``user``."""
    passed = QuizAttempt.objects.filter(quiz=OuterRef("pk"), user=user, passed=True)
    return not (
        Quiz.objects.filter(course_id=course_id, required_for_certificate=True, questions__isnull=False)
        .filter(~Exists(passed))
        .exists()
    )


def enrollment_refresh_completion(*, enrollment: Enrollment, last_lesson: Lesson | None = None) -> Enrollment:
    """Recount the learner's completed lessons and stamp (or clear) ``completed_at``: every
    lesson done and every required quiz passed. The caller holds the enrollment's row lock.
    The first stamp issues the certificate and sends ``certificate_issued`` after commit."""
    user, course_id = enrollment.user, enrollment.course_id
    # Counted from the rows rather than incremented, so repeated or out-of-order clicks
    # and lessons removed from the syllabus can never drift the counter.
    done = LessonProgress.objects.filter(
        user=user, lesson__section__course_id=course_id, completed=True
    ).count()
    total = course_lesson_total(course_id=course_id)
    enrollment.completed_lessons = done
    if last_lesson is not None:
        enrollment.last_lesson = last_lesson
    was_completed = enrollment.completed_at is not None
    if total and done >= total and _required_quizzes_passed(user=user, course_id=course_id):
        enrollment.completed_at = enrollment.completed_at or timezone.now()
    else:
        enrollment.completed_at = None
    enrollment.save(update_fields=["completed_lessons", "last_lesson", "completed_at", "updated_at"])
    if enrollment.completed_at and not was_completed:
        certificate_issue_announce(enrollment=enrollment)
    return enrollment


def certificate_issue_announce(*, enrollment: Enrollment) -> None:
    """Send ``courses.signals.certificate_issued`` once the transaction that issued the
    certificate commits (a rolled-back completion announces nothing)."""
    enrollment_id = enrollment.pk
    transaction.on_commit(
        lambda: certificate_issued.send_robust(sender=Enrollment, enrollment_id=enrollment_id)
    )


def lesson_opens_at(*, lesson: Lesson, section: Section, enrollment: Enrollment | None):
    """When a drip-released lesson opens for this enrollment (``None``: open now or never
    locked). Preview lessons are open to everyone."""
    if lesson.is_preview:
        return None
    return section_opens_at(section=section, enrollment=enrollment)


def section_opens_at(*, section: Section, enrollment: Enrollment | None):
    """When a drip-released section opens for this enrollment (``None``: open now)."""
    if enrollment is None:
        return None
    opens = []
    if section.release_after_days:
        opens.append(enrollment.created_at + timedelta(days=section.release_after_days))
    if section.release_at:
        opens.append(section.release_at)
    if not opens or max(opens) <= timezone.now():
        return None
    return max(opens)


def lesson_check_open(*, lesson: Lesson, section: Section, enrollment: Enrollment | None) -> None:
    opens_at = lesson_opens_at(lesson=lesson, section=section, enrollment=enrollment)
    if opens_at is not None:
        raise LessonLocked(opens_at=opens_at)


@transaction.atomic
def lesson_progress_set(*, user, lesson: Lesson, completed: bool) -> Enrollment:
    """Mark ``lesson`` complete (or not) for an enrolled learner and refresh the
    enrollment's count, resume point and completion stamp. Preview lessons can be read
    by anyone, but progress is only kept for enrolled learners; a lesson of a section that
    has not opened yet (drip) is refused."""
    section = Section.objects.only("course_id", "release_after_days", "release_at").get(pk=lesson.section_id)
    enrollment = _active_enrollment_for_update(user=user, course_id=section.course_id)
    lesson_check_open(lesson=lesson, section=section, enrollment=enrollment)
    now = timezone.now()
    progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    if progress.completed != completed:
        progress.completed = completed
        progress.completed_at = now if completed else None
        progress.save(update_fields=["completed", "completed_at", "updated_at"])
    return enrollment_refresh_completion(enrollment=enrollment, last_lesson=lesson)


def enrollment_set_last_lesson(*, enrollment: Enrollment, lesson: Lesson) -> Enrollment:
    """Remember where the learner is, for "resume". A conditional UPDATE: opening the
    same lesson again writes nothing."""
    if enrollment.last_lesson_id != lesson.pk:
        Enrollment.objects.filter(pk=enrollment.pk).exclude(last_lesson_id=lesson.pk).update(
            last_lesson=lesson, updated_at=timezone.now()
        )
        enrollment.last_lesson = lesson
    return enrollment


def review_clean_rating(value) -> int:
    """Whole stars only; ``True``, ``4.5``, ``"abc"`` and ``None`` are refused, digits in a
    string (from a form) are accepted."""
    if isinstance(value, bool):
        raise InvalidRating()
    if isinstance(value, str):
        value = value.strip()
        if not value.isdecimal():
            raise InvalidRating()
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not RATING_MIN <= value <= RATING_MAX:
        raise InvalidRating()
    return value


def _course_store_rating(*, course: Course, rating_count: int, rating_sum: int) -> None:
    average = (
        (Decimal(rating_sum) / Decimal(rating_count)).quantize(RATING_AVERAGE_QUANTUM, rounding=ROUND_HALF_UP)
        if rating_count
        else Decimal("0")
    )
    course.rating_count, course.rating_sum, course.rating_average = rating_count, rating_sum, average
    course.save(update_fields=["rating_count", "rating_sum", "rating_average", "updated_at"])


@transaction.atomic
def review_upsert(
    *, user, course: Course, rating: int, text: str = "", language: str | None = None
) -> Review:
    """Create or edit the learner's one review of ``course``. The course row is locked
    for the rest of the transaction, so concurrent reviews of one course update the
    count, sum and average one after the other and the aggregates stay exact."""
    rating = review_clean_rating(rating)
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidLanguage()
    if (
        not getattr(user, "is_authenticated", False)
        or not Enrollment.objects.filter(user=user, course_id=course.pk, is_active=True).exists()
    ):
        raise NotEnrolled()

    locked = Course.objects.select_for_update().only("rating_count", "rating_sum").get(pk=course.pk)
    review = Review.objects.filter(user=user, course_id=course.pk).first()
    text = (text or "").strip()
    if review is None:
        review = Review.objects.create(
            user=user, course_id=course.pk, rating=rating, text=text, language=language
        )
        count, total = locked.rating_count + 1, locked.rating_sum + rating
    else:
        count, total = locked.rating_count, locked.rating_sum - review.rating + rating
        review.rating, review.text, review.language = rating, text, language
        review.save(update_fields=["rating", "text", "language", "updated_at"])
    _course_store_rating(course=locked, rating_count=count, rating_sum=total)
    course.rating_count, course.rating_sum, course.rating_average = count, total, locked.rating_average
    return review


@transaction.atomic
def review_delete(*, user, course: Course) -> bool:
    """Remove the learner's review of ``course`` (also after the enrollment ended);
    returns whether there was one."""
    locked = Course.objects.select_for_update().only("rating_count", "rating_sum").get(pk=course.pk)
    review = Review.objects.filter(user=user, course_id=course.pk).first()
    if review is None:
        return False
    review.delete()
    count = max(locked.rating_count - 1, 0)
    total = max(locked.rating_sum - review.rating, 0) if count else 0
    _course_store_rating(course=locked, rating_count=count, rating_sum=total)
    course.rating_count, course.rating_sum, course.rating_average = count, total, locked.rating_average
    return True


# --- Wishlist ----------------------------------------------------------------------------


def wishlist_add(*, user, course: Course) -> bool:
    """Save a published course to the learner's wishlist; returns whether it was new. The
    unique constraint decides a race: ``get_or_create`` reads the winner's row on conflict,
    so two tabs saving at once leave one row and no error."""
    if not course.is_published:
        raise CourseNotFound()
    _item, created = WishlistItem.objects.get_or_create(user=user, course=course)
    return created


def wishlist_remove(*, user, course: Course) -> bool:
    """Take a course off the learner's wishlist; returns whether it was there."""
    deleted, _rows = WishlistItem.objects.filter(user=user, course=course).delete()
    return bool(deleted)
