"""Interactions: enrollments, lesson progress and reviews spread over the learners, plus
the demo learner's own purchases.

For speed this step writes ``Enrollment``, ``LessonProgress`` and ``Review`` rows with
``bulk_create`` instead of calling ``courses.services.enrollment_grant`` once per row (which
would cost minutes at benchmark sizes); it then recomputes the course counters
(``enrollment_count``, ``rating_count``, ``rating_sum``, ``rating_average``) and the seats
taken with set-based UPDATEs, so the rows and counters agree exactly as the services keep
them. Only pairs that do not exist yet are written: a rerun adds nothing."""

import random
from bisect import bisect
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from itertools import accumulate

from django.db.models import Count, DecimalField, F, FloatField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from accounts.models import LearnerProfile, User
from courses.models import (
    Course,
    Enrollment,
    EnrollmentCountChange,
    Lesson,
    LessonProgress,
    LiveSession,
    Price,
    Review,
)
from demo.content.reviews import review_texts
from demo.steps.learners import learner_username
from demo.upsert import IN_BATCH, batched

BATCH = 2000
HISTORY_DAYS = 180

# The demo learner's purchases: (course slug, lessons completed or None for all, rating).
DEMO_LEARNER_COURSES: list[tuple[str, int | None, int | None]] = [
    ("your-first-budget", None, 5),
    ("index-funds-explained", 4, 4),
    ("six-families-of-chinese-tea", 2, None),
    ("yoga-for-desk-workers", 1, None),
    ("morning-yoga-live", 0, None),
]


@dataclass
class CourseInfo:
    pk: int
    top_category: str
    is_live: bool
    is_free: bool
    quality: float
    lessons: list[int] = field(default_factory=list)


@contextmanager
def explicit_created_at(*models) -> Iterator[None]:
    """Seeded history needs past dates, but ``auto_now_add`` stamps every inserted row with
    now; switch it off on these fields for the duration of the bulk insert."""
    fields = [model._meta.get_field("created_at") for model in models]
    for model_field in fields:
        model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field in fields:
            model_field.auto_now_add = True


def _courses(rng: random.Random) -> dict[int, CourseInfo]:
    free = set(Price.objects.filter(currency="CNY", amount=0).values_list("course_id", flat=True))
    infos: dict[int, CourseInfo] = {}
    rows = (
        Course.objects.filter(is_published=True)
        .order_by("slug")
        .values_list("pk", "format", "category__slug", "category__parent__slug")
    )
    for pk, course_format, category, parent in rows:
        infos[pk] = CourseInfo(
            pk=pk,
            top_category=parent or category,
            is_live=course_format == Course.Format.LIVE,
            is_free=pk in free,
            quality=rng.uniform(3.4, 4.8),
        )
    lessons = Lesson.objects.filter(section__course_id__in=infos).order_by(
        "section__course_id", "section__position", "position", "id"
    )
    for lesson_id, course_id in lessons.values_list("pk", "section__course_id"):
        infos[course_id].lessons.append(lesson_id)
    return infos


def _session_slots() -> dict[int, list[list[int]]]:
    """Upcoming sessions per live course as [session id, seats the seeder may fill]: half
    of each capacity, so the demo always has seats left to sell. Computed from capacities
    only, so the plan is the same on every run of the same day."""
    slots: dict[int, list[list[int]]] = defaultdict(list)
    sessions = LiveSession.objects.filter(starts_at__gte=timezone.now()).order_by("starts_at", "id")
    for pk, course_id, capacity in sessions.values_list("pk", "course_id", "capacity"):
        slots[course_id].append([pk, capacity // 2])
    return slots


@dataclass(frozen=True)
class Planned:
    user_id: int
    course_id: int
    session_id: int | None
    done: int
    rating: int | None
    days_ago: int
    minute: int
    finish_days: int
    text_pick: float


def plan_interactions(
    rng: random.Random,
    *,
    courses: dict[int, CourseInfo],
    learner_ids: list[int],
    profiles: dict,
    count: int,
    demo_learner_id: int | None,
) -> list[Planned]:
    """The enrollments the demo should hold, decided from the seed alone (not from what is
    already stored), so a rerun plans exactly the same rows and finds them all present."""
    slots = _session_slots()
    course_ids = list(courses)
    ranks = list(range(len(course_ids)))
    rng.shuffle(ranks)
    # Popularity follows a long tail; each course's weight comes from a shuffled rank.
    weight = {pk: 1.0 / (rank + 1) ** 0.8 for pk, rank in zip(course_ids, ranks, strict=True)}
    by_category: dict[str, list[int]] = defaultdict(list)
    for pk in course_ids:
        by_category[courses[pk].top_category].append(pk)
    cumulative_all = list(accumulate(weight[pk] for pk in course_ids))
    cumulative_by_category = {
        slug: (pks, list(accumulate(weight[pk] for pk in pks))) for slug, pks in by_category.items()
    }
    activity = list(accumulate(rng.paretovariate(1.5) for _ in learner_ids))
    planned: list[Planned] = []
    seen: set[tuple[int, int]] = set()

    def take_seat(course_id: int) -> int | None:
        for slot in slots.get(course_id, []):
            if slot[1] > 0:
                slot[1] -= 1
                return slot[0]
        return None

    def add(user_id: int, course_id: int, done: int, rating: int | None, days_ago: int) -> bool:
        info = courses[course_id]
        session = take_seat(course_id) if info.is_live else None
        if info.is_live and session is None:
            return False
        seen.add((user_id, course_id))
        planned.append(
            Planned(
                user_id=user_id,
                course_id=course_id,
                session_id=session,
                done=done,
                rating=rating,
                days_ago=days_ago,
                minute=rng.randint(0, 1439),
                finish_days=rng.randint(1, 30),
                text_pick=rng.random(),
            )
        )
        return True

    if demo_learner_id is not None:
        slugs = dict(Course.objects.filter(pk__in=course_ids).values_list("slug", "pk"))
        for index, (slug, completed, rating) in enumerate(DEMO_LEARNER_COURSES):
            if slug in slugs:
                lessons = len(courses[slugs[slug]].lessons)
                done = lessons if completed is None else min(completed, lessons)
                add(demo_learner_id, slugs[slug], done, rating if done else None, 20 - 3 * index)

    def pick_course(user_id: int) -> int:
        interests = [slug for slug in profiles.get(user_id, []) if slug in cumulative_by_category]
        if interests and rng.random() < 0.7:
            pks, cumulative = cumulative_by_category[rng.choice(interests)]
        else:
            pks, cumulative = course_ids, cumulative_all
        return pks[min(len(pks) - 1, bisect(cumulative, rng.random() * cumulative[-1]))]

    made = attempts = 0
    while learner_ids and made < count and attempts < count * 4:
        attempts += 1
        user_id = learner_ids[min(len(learner_ids) - 1, bisect(activity, rng.random() * activity[-1]))]
        course_id = pick_course(user_id)
        if (user_id, course_id) in seen:
            continue
        total = len(courses[course_id].lessons)
        roll = rng.random()
        done = 0 if roll < 0.35 or not total else (total if roll > 0.75 else rng.randint(1, total))
        rating = None
        if done and rng.random() < 0.4:
            rating = max(1, min(5, round(rng.gauss(courses[course_id].quality, 0.9))))
        if add(user_id, course_id, done, rating, rng.randint(1, HISTORY_DAYS)):
            made += 1
    return planned


def run(*, rng: random.Random, options: dict, stdout) -> None:
    courses = _courses(rng)
    if not courses:
        return
    usernames = [learner_username(n) for n in range(1, options["learners"] + 1)]
    learner_ids: list[int] = []
    for chunk in batched(usernames, IN_BATCH):
        learner_ids.extend(User.objects.filter(username__in=chunk).values_list("pk", flat=True))
    learner_ids.sort()
    profiles: dict[int, list[str]] = {}
    languages: dict[int, str] = {}
    for chunk in batched(learner_ids, IN_BATCH):
        for user_id, interests, language in LearnerProfile.objects.filter(user_id__in=chunk).values_list(
            "user_id", "interests", "preferred_language"
        ):
            profiles[user_id] = interests
            languages[user_id] = language
    demo_learner_id = User.objects.filter(username="learner").values_list("pk", flat=True).first()

    planned = plan_interactions(
        rng,
        courses=courses,
        learner_ids=learner_ids,
        profiles=profiles,
        count=options["interactions"],
        demo_learner_id=demo_learner_id,
    )

    existing: set[tuple[int, int]] = set()
    for chunk in batched(sorted({p.user_id for p in planned}), IN_BATCH):
        existing.update(Enrollment.objects.filter(user_id__in=chunk).values_list("user_id", "course_id"))
    fresh = [p for p in planned if (p.user_id, p.course_id) not in existing]

    # Seats first, each session with one conditional UPDATE: a session that meanwhile sold
    # out (real purchases) simply gets no seeded learners.
    seat_use = Counter(p.session_id for p in fresh if p.session_id is not None)
    full = set()
    for session_id, used in seat_use.items():
        updated = LiveSession.objects.filter(pk=session_id, seats_taken__lte=F("capacity") - used).update(
            seats_taken=F("seats_taken") + used
        )
        if not updated:
            full.add(session_id)
    fresh = [p for p in fresh if p.session_id not in full]

    now = timezone.now()
    with explicit_created_at(Enrollment, LessonProgress, Review):
        for chunk in batched(fresh, BATCH):
            enrollments, progress, reviews = [], [], []
            for p in chunk:
                info = courses[p.course_id]
                enrolled_at = now - timedelta(days=p.days_ago, minutes=p.minute)
                finished_at = (
                    enrolled_at + timedelta(days=min(p.days_ago - 1, p.finish_days)) if p.done else None
                )
                enrollments.append(
                    Enrollment(
                        user_id=p.user_id,
                        course_id=p.course_id,
                        live_session_id=p.session_id,
                        source=Enrollment.Source.FREE if info.is_free else Enrollment.Source.PURCHASE,
                        completed_lessons=p.done,
                        last_lesson_id=info.lessons[p.done - 1] if p.done else None,
                        completed_at=finished_at if p.done and p.done == len(info.lessons) else None,
                        created_at=enrolled_at,
                    )
                )
                progress.extend(
                    LessonProgress(
                        user_id=p.user_id,
                        lesson_id=lesson_id,
                        completed=True,
                        completed_at=finished_at,
                        created_at=enrolled_at,
                    )
                    for lesson_id in info.lessons[: p.done]
                )
                if p.rating is not None:
                    language = languages.get(p.user_id, "en")
                    texts = review_texts(language, p.rating)
                    reviews.append(
                        Review(
                            user_id=p.user_id,
                            course_id=p.course_id,
                            rating=p.rating,
                            text=texts[int(p.text_pick * len(texts))],
                            language=language,
                            created_at=finished_at or enrolled_at,
                        )
                    )
            Enrollment.objects.bulk_create(enrollments, ignore_conflicts=True)
            LessonProgress.objects.bulk_create(progress, ignore_conflicts=True, batch_size=BATCH)
            Review.objects.bulk_create(reviews, ignore_conflicts=True)
    course_recount_counters()


def course_recount_counters() -> None:
    """Set-based recount of every course's denormalized counters from its rows. The learner
    count it sets already holds the changes the seeding's sales left to fold: they go."""
    EnrollmentCountChange.objects.all().delete()
    active = Enrollment.objects.filter(course=OuterRef("pk"), is_active=True)
    reviews = Review.objects.filter(course=OuterRef("pk"))
    Course.objects.update(
        enrollment_count=Coalesce(
            Subquery(active.values("course").annotate(n=Count("pk")).values("n")[:1]), Value(0)
        ),
        rating_count=Coalesce(
            Subquery(reviews.values("course").annotate(n=Count("pk")).values("n")[:1]), Value(0)
        ),
        rating_sum=Coalesce(
            Subquery(reviews.values("course").annotate(total=Sum("rating")).values("total")[:1]), Value(0)
        ),
    )
    average = Round(Cast(F("rating_sum"), FloatField()) / F("rating_count"), 2)
    Course.objects.filter(rating_count__gt=0).update(
        rating_average=Cast(average, DecimalField(max_digits=3, decimal_places=2))
    )
    Course.objects.filter(rating_count=0).exclude(rating_average=0).update(rating_average=Decimal("0"))
