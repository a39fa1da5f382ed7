"""Learning reads: a learner's enrollments, a course's syllabus for the lesson page, the
learner's progress, reviews and certificates. Each list costs a fixed number of queries
whatever its length."""

import base64
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least
from django.utils.crypto import constant_time_compare, salted_hmac

from ..models import (
    Choice,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    Question,
    Quiz,
    QuizAttempt,
    Review,
    Section,
    WishlistItem,
)

CERTIFICATE_PREFIX = "ZQ"
_CERTIFICATE_SALT = "courses.certificate"
SYLLABUS_ORDER = ("section__position", "section_id", "position", "id")


def _lesson_total_subquery(course_ref: str) -> Coalesce:
    counted = (
        Lesson.objects.filter(section__course_id=OuterRef(course_ref))
        .order_by()
        .values("section__course_id")
        .annotate(total=Count("id"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _first_lesson_subquery(course_ref: str) -> Subquery:
    first = Lesson.objects.filter(section__course_id=OuterRef(course_ref)).order_by(*SYLLABUS_ORDER)
    return Subquery(first.values("id")[:1], output_field=IntegerField())


def enrollment_list_for_user(*, user) -> QuerySet[Enrollment]:
    """The learner's active enrollments, most recently active first, each with
    ``lesson_total``, ``completion_percent`` (0..100, rounded down) and ``first_lesson_id``
    (where a course without a resume point starts)."""
    return (
        Enrollment.objects.filter(user=user, is_active=True)
        .select_related("course", "course__category", "course__instructor", "last_lesson")
        .annotate(lesson_total=_lesson_total_subquery("course_id"))
        .annotate(
            completion_percent=Case(
                When(lesson_total=0, then=Value(0)),
                default=Least(Value(100), Value(100) * F("completed_lessons") / F("lesson_total")),
                output_field=IntegerField(),
            ),
            first_lesson_id=_first_lesson_subquery("course_id"),
        )
        .order_by("-updated_at", "-id")
    )


def completion_share(*, completed_lessons: int, lesson_total: int) -> float:
    """Completed part of a course, 0.0..1.0 (four decimals)."""
    if not lesson_total:
        return 0.0
    return round(min(completed_lessons / lesson_total, 1.0), 4)


def enrollment_active_get(*, user, course_id: int) -> Enrollment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Enrollment.objects.filter(user=user, course_id=course_id, is_active=True).first()


def course_for_learning(*, slug: str) -> Course:
    """A course with its syllabus (sections and their lessons) in three queries. Not
    limited to published courses: enrolled learners keep learning a withdrawn course.
    Raises ``Course.DoesNotExist``."""
    return (
        Course.objects.select_related("instructor")
        .prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("position", "id").prefetch_related(
                    Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
                ),
            )
        )
        .get(slug=slug)
    )


def course_syllabus_lessons(*, course: Course) -> list[Lesson]:
    """The lessons of a course from ``course_for_learning`` in syllabus order (no query)."""
    return [lesson for section in course.sections.all() for lesson in section.lessons.all()]


def lesson_completed_ids(*, user, course_id: int) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        LessonProgress.objects.filter(
            user=user, lesson__section__course_id=course_id, completed=True
        ).values_list("lesson_id", flat=True)
    )


def lesson_progress_get(*, user, lesson: Lesson) -> LessonProgress | None:
    return LessonProgress.objects.filter(user=user, lesson=lesson).first()


def lessons_mark_locked(*, sections, enrollment: Enrollment | None) -> set[int]:
    """Set ``opens_at`` on every lesson of the prefetched ``sections`` (``None`` when open)
    and return the ids of the drip-locked ones (no query)."""
    from ..services import lesson_opens_at

    locked = set()
    for section in sections:
        for lesson in section.lessons.all():
            lesson.opens_at = lesson_opens_at(lesson=lesson, section=section, enrollment=enrollment)
            if lesson.opens_at is not None:
                locked.add(lesson.pk)
    return locked


def quizzes_for_lesson_page(*, section: Section) -> list[Quiz]:
    """The quizzes a lesson page links to: its section's and the course's own (one query)."""
    own_or_course = Q(section=section) | Q(course_id=section.course_id, section__isnull=True)
    return list(Quiz.objects.filter(own_or_course).order_by("section_id", "position", "id"))


def quiz_for_taking(*, course: Course, quiz_id: int) -> Quiz | None:
    """A quiz of ``course`` with its questions and their choices (three queries)."""
    return (
        Quiz.objects.select_related("section")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("position", "id").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
                ),
            )
        )
        .filter(course=course, pk=quiz_id)
        .first()
    )


def quiz_best_attempt(*, user, quiz: Quiz) -> QuizAttempt | None:
    if not getattr(user, "is_authenticated", False):
        return None
    attempts = QuizAttempt.objects.filter(user=user, quiz=quiz)
    return attempts.order_by("-passed", "-score", "-created_at").first()


# --- Reviews ---------------------------------------------------------------------------


# How a learner may sort a course's reviews; "newest" is the default everywhere.
REVIEW_ORDERINGS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "highest": ("-rating", "-created_at", "-id"),
    "lowest": ("rating", "-created_at", "-id"),
}
DEFAULT_REVIEW_ORDERING = "newest"


def review_list_for_course(
    *, course: Course, ordering: str = DEFAULT_REVIEW_ORDERING, rating: int | None = None
) -> QuerySet[Review]:
    """A course's reviews in one query per page, optionally only those with ``rating``
    stars; an unknown ordering falls back to the newest first."""
    reviews = Review.objects.filter(course=course).select_related("user")
    if rating is not None:
        reviews = reviews.filter(rating=rating)
    return reviews.order_by(*REVIEW_ORDERINGS.get(ordering, REVIEW_ORDERINGS[DEFAULT_REVIEW_ORDERING]))


def review_for_user(*, user, course: Course) -> Review | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Review.objects.filter(user=user, course=course).first()


def review_star_counts(*, course: Course) -> dict[int, int]:
    """How many reviews gave each number of stars, 5 down to 1, in one query."""
    counts = Review.objects.filter(course=course).aggregate(
        **{f"stars_{stars}": Count("id", filter=Q(rating=stars)) for stars in range(1, 6)}
    )
    return {stars: counts[f"stars_{stars}"] for stars in range(5, 0, -1)}


# --- Certificates ----------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    enrollment: Enrollment
    verification_id: str

    @property
    def learner_name(self) -> str:
        user = self.enrollment.user
        return user.get_full_name() or user.username

    @property
    def course(self) -> Course:
        return self.enrollment.course

    @property
    def issued_at(self):
        return self.enrollment.completed_at


def _to_base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _certificate_signature(enrollment: Enrollment) -> str:
    # Signed over the completion time too: a course completed again after progress was
    # undone gets a new id, and the old one no longer verifies.
    message = (
        f"{enrollment.pk}:{enrollment.user_id}:{enrollment.course_id}:{enrollment.completed_at.isoformat()}"
    )
    digest = salted_hmac(_CERTIFICATE_SALT, message, algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:10]


def certificate_verification_id(*, enrollment: Enrollment) -> str:
    """A public id printed on the certificate: ``ZQ-<enrollment in base 36>-<signature>``.
    It needs no table of its own and cannot be guessed for someone else's enrollment."""
    return f"{CERTIFICATE_PREFIX}-{_to_base36(enrollment.pk)}-{_certificate_signature(enrollment)}"


def certificate_for_user(*, user, course_id: int) -> Certificate | None:
    """The learner's certificate for a completed course, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    enrollment = (
        Enrollment.objects.select_related("user", "course", "course__instructor")
        .filter(user=user, course_id=course_id, is_active=True, completed_at__isnull=False)
        .first()
    )
    if enrollment is None:
        return None
    return Certificate(
        enrollment=enrollment, verification_id=certificate_verification_id(enrollment=enrollment)
    )


def certificate_verify(*, verification_id: str) -> Certificate | None:
    """The certificate with this public id if it is genuine and still valid."""
    parts = (verification_id or "").strip().upper().split("-")
    if len(parts) != 3 or parts[0] != CERTIFICATE_PREFIX or not parts[1].isalnum() or len(parts[1]) > 12:
        return None
    try:
        pk = int(parts[1], 36)
    except ValueError:
        return None
    enrollment = (
        Enrollment.objects.select_related("user", "course", "course__instructor")
        .filter(pk=pk, is_active=True, completed_at__isnull=False)
        .first()
    )
    if enrollment is None or not constant_time_compare(_certificate_signature(enrollment), parts[2]):
        return None
    return Certificate(
        enrollment=enrollment, verification_id=certificate_verification_id(enrollment=enrollment)
    )


def owned_course_progress(*, user) -> dict[str, int]:
    """``{course slug: completion percent}`` of the learner's active enrollments, in one
    query: what course cards and the course page show instead of a price."""
    if not getattr(user, "is_authenticated", False):
        return {}
    rows = (
        Enrollment.objects.filter(user=user, is_active=True)
        .annotate(lesson_total=_lesson_total_subquery("course_id"))
        .annotate(
            completion_percent=Case(
                When(lesson_total=0, then=Value(0)),
                default=Least(Value(100), Value(100) * F("completed_lessons") / F("lesson_total")),
                output_field=IntegerField(),
            )
        )
        .order_by()
        .values_list("course__slug", "completion_percent")
    )
    return dict(rows)


# --- Wishlist ----------------------------------------------------------------------------


def wishlist_course_ids(*, user) -> set[int]:
    """The ids of the courses a learner saved (one query; none for a visitor)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(WishlistItem.objects.filter(user=user).values_list("course_id", flat=True))


def wishlist_courses(*, user, courses: QuerySet[Course]) -> QuerySet[Course]:
    """``courses`` (a catalog queryset with its prices) narrowed to the learner's saved
    ones, the latest saved first, with ``saved_at``: the same query count for 1 or 100."""
    saved = WishlistItem.objects.filter(user=user, course=OuterRef("pk"))
    return (
        courses.annotate(saved_at=Subquery(saved.values("created_at")[:1]))
        .filter(saved_at__isnull=False)
        .order_by("-saved_at", "-id")
    )
