"""seed_demo: the demo catalog, learners and interactions, idempotent and deterministic."""

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Q
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import LearnerProfile, User
from campaigns.models import Campaign
from courses.models import (
    Category,
    Course,
    Enrollment,
    Instructor,
    Lesson,
    LessonProgress,
    LiveSession,
    Price,
    Review,
    Section,
    Tag,
)
from demo.accounts import DEMO_ACCOUNTS
from demo.content import COURSES
from partners.models import ConsentText, Partner

pytestmark = pytest.mark.django_db

# A few days of tiny campaign history keep these tests fast (tests/demo/test_seed_history.py
# covers the history at length).
SMALL = {"learners": 20, "interactions": 200, "history_days": 3, "history_scale": 0.02}
LANGS = ("en", "zh_hans", "ja", "es", "ar")


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    models = [
        Category,
        Tag,
        Instructor,
        Course,
        Price,
        Section,
        Lesson,
        LiveSession,
        User,
        LearnerProfile,
        Enrollment,
        LessonProgress,
        Review,
    ]
    return {
        "counts": {model.__name__: model.objects.count() for model in models},
        "courses": list(
            Course.objects.order_by("slug").values_list(
                "slug",
                "title_en",
                "title_ja",
                "enrollment_count",
                "rating_count",
                "rating_sum",
                "rating_average",
                "published_at",
                "updated_at",
            )
        ),
        "lessons_updated": Lesson.objects.aggregate(Max("updated_at")),
        "seats": list(LiveSession.objects.order_by("pk").values_list("pk", "capacity", "seats_taken")),
        "enrollments": set(
            Enrollment.objects.values_list("user__username", "course__slug", "completed_lessons")
        ),
        "reviews": set(Review.objects.values_list("user__username", "course__slug", "rating")),
        "profiles": set(
            LearnerProfile.objects.values_list(
                "user__username", "country", "preferred_language", "marketing_consent"
            )
        ),
    }


def test_rerun_changes_nothing_and_creates_no_duplicates():
    # given a seeded database
    seed(**SMALL)
    first = snapshot()

    # when seed_demo runs again with the same options
    seed(**SMALL)

    # then every row, counter and timestamp is as it was
    assert snapshot() == first
    duplicated_sections = (
        Section.objects.values("course_id", "position").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    duplicated_lessons = (
        Lesson.objects.values("section_id", "position").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    assert duplicated_sections == 0
    assert duplicated_lessons == 0


def test_same_seed_plans_the_same_interactions():
    # given the interactions of seed 7, without campaign history: the history is done once
    # per campaign (a rerun writes nothing, by design), so its enrollments, removed below,
    # would not come back; whether its tiny scale makes any depends on the day of the run
    # (tests/demo/test_seed_history.py covers the history)
    without_history = {**SMALL, "history_days": 0}
    seed(seed=7, **without_history)
    planned = set(Enrollment.objects.values_list("user__username", "course__slug", "live_session__starts_at"))
    ratings = set(Review.objects.values_list("user__username", "course__slug", "rating"))

    # when they are removed and the same seed runs again
    Review.objects.all().delete()
    LessonProgress.objects.all().delete()
    Enrollment.objects.all().delete()
    LiveSession.objects.update(seats_taken=0)
    seed(seed=7, **without_history)

    # then exactly the same enrollments and reviews come back
    assert (
        set(Enrollment.objects.values_list("user__username", "course__slug", "live_session__starts_at"))
        == planned
    )
    assert set(Review.objects.values_list("user__username", "course__slug", "rating")) == ratings


def test_catalog_is_complete_in_every_language():
    seed(**SMALL)

    courses = Course.objects.all()
    assert courses.count() == len(COURSES) >= 60
    assert courses.filter(is_published=True).count() == len(COURSES)
    top_categories = {c.category.parent.slug if c.category.parent else c.category.slug for c in courses}
    assert len(top_categories) >= 9
    assert Category.objects.filter(parent__isnull=False).exists()
    for field in ("title", "description", "subtitle"):
        blank = Q()
        for lang in LANGS:
            blank |= Q(**{f"{field}_{lang}": ""})
        assert courses.filter(blank).count() == 0, field
    assert Instructor.objects.filter(Q(name_ja="") | Q(bio_es="") | Q(name_ar="") | Q(bio_ar="")).count() == 0
    # Arabic reaches every translated row of the catalog, the syllabus included.
    for model, field in [
        (Category, "name"),
        (Tag, "name"),
        (Section, "title"),
        (Lesson, "title"),
        (Lesson, "body"),
    ]:
        assert model.objects.filter(**{f"{field}_ar": ""}).count() == 0, (model, field)
    assert Partner.objects.filter(name_ar="").count() == 0
    assert Campaign.objects.filter(Q(name_ar="") | Q(headline_ar="")).count() == 0
    assert ConsentText.objects.filter(body_ar="").count() == 0
    assert Counter(courses.values_list("format", flat=True)).keys() == {"video", "live", "ebook", "audio"}
    assert courses.exclude(search_text="").count() == len(COURSES)


def test_every_course_has_four_prices_and_some_are_free():
    seed(**SMALL)

    per_course = Price.objects.values("course_id").annotate(n=Count("currency", distinct=True))
    assert {row["n"] for row in per_course} == {4}
    assert set(Price.objects.values_list("currency", flat=True)) == {"CNY", "USD", "JPY", "EUR"}
    assert Price.objects.filter(currency="CNY", amount=0).count() >= 3
    # Yen has no minor unit.
    yen = Price.objects.filter(currency="JPY").values_list("amount", flat=True)
    assert all(amount == amount.to_integral_value() for amount in yen)


def test_syllabus_shape_and_previews():
    seed(**SMALL)

    sections = Counter(Section.objects.values_list("course_id", flat=True))
    assert set(sections.values()) <= {2, 3, 4}
    lessons = Counter(Lesson.objects.values_list("section_id", flat=True))
    assert set(lessons.values()) <= {3, 4, 5, 6}
    first_lessons = Lesson.objects.filter(section__position=1, position=1)
    assert first_lessons.count() == len(COURSES)
    assert first_lessons.filter(is_preview=True).count() == len(COURSES)
    assert Lesson.objects.filter(is_preview=True).count() == len(COURSES)


def test_live_classes_have_upcoming_sessions_with_small_capacities():
    seed(**SMALL)

    live = Course.objects.filter(format=Course.Format.LIVE)
    assert live.count() >= 10
    now = timezone.now()
    for course in live:
        upcoming = course.live_sessions.filter(starts_at__gte=now)
        assert 2 <= upcoming.count() <= 3
        for session in upcoming:
            assert 0 < session.capacity <= 30
            assert 0 <= session.seats_taken <= session.capacity // 2
    assert not LiveSession.objects.exclude(course__format=Course.Format.LIVE).exists()


def test_demo_accounts_log_in_and_reruns_reset_their_passwords():
    seed(**SMALL)
    admin = User.objects.get(username="admin")
    admin.set_password("changed")
    admin.save()

    seed(**SMALL)

    for account in DEMO_ACCOUNTS:
        # django-axes checks every sign-in against its lockouts, so it needs the request.
        request = RequestFactory().post("/en/accounts/login/")
        assert authenticate(request, username=account.username, password=account.password) is not None, (
            account.username
        )
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="learner").is_staff
    learner = User.objects.get(username="learner")
    assert learner.enrollments.count() == 5
    assert learner.lesson_progress.filter(completed=True).count() > 0
    assert learner.reviews.count() == 2
    assert learner.enrollments.filter(live_session__isnull=False).count() == 1
    # Generated learners cannot sign in.
    assert not User.objects.get(username="learner0001").has_usable_password()


def test_counters_agree_with_rows():
    seed(**SMALL)

    for course in Course.objects.all():
        active = course.enrollments.filter(is_active=True).count()
        ratings = list(course.reviews.values_list("rating", flat=True))
        assert course.enrollment_count == active
        assert course.rating_count == len(ratings)
        assert course.rating_sum == sum(ratings)
        expected = round(sum(ratings) / len(ratings), 2) if ratings else 0
        assert float(course.rating_average) == pytest.approx(expected, abs=0.005)
    for session in LiveSession.objects.all():
        assert session.seats_taken == session.enrollments.count()


def test_learners_live_in_several_countries_and_languages():
    seed(learners=60, interactions=100)

    profiles = LearnerProfile.objects.filter(user__username__startswith="learner0")
    assert profiles.count() == 60
    assert len(set(profiles.values_list("country", flat=True))) >= 5
    assert len(set(profiles.values_list("preferred_language", flat=True))) >= 3
    # Arabic-speaking markets are among them, in Arabic.
    assert profiles.filter(country__in=["AE", "SA", "EG"], preferred_language="ar").exists()
    slugs = set(Category.objects.filter(parent__isnull=True).values_list("slug", flat=True))
    for interests in profiles.values_list("interests", flat=True):
        assert interests and set(interests) <= slugs


def test_scaled_run_generates_translated_courses():
    output = seed(learners=20, courses=70, interactions=500)

    assert Course.objects.count() == 70
    generated = Course.objects.exclude(slug__in=[spec.slug for spec in COURSES])
    assert generated.count() == 70 - len(COURSES)
    for course in generated:
        for lang in LANGS:
            assert getattr(course, f"title_{lang}")
            assert getattr(course, f"description_{lang}")
        assert course.prices.count() == 4
        assert course.sections.count() >= 2
    generated_learners = Enrollment.objects.filter(user__username__startswith="learner0")
    assert 450 <= generated_learners.count() <= 500
    assert User.objects.filter(username__startswith="learner0").count() == 20
    assert "Demo accounts" in output
    assert "bank-admin" in output


def test_a_small_catalog_still_spans_every_category():
    seed(learners=5, courses=12, interactions=20)

    assert Course.objects.count() == 12
    tops = {c.category.parent_id or c.category_id for c in Course.objects.select_related("category")}
    assert len(tops) == 9


@pytest.mark.parametrize("option", ["learners", "interactions"])
def test_negative_sizes_are_refused(option):
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO(), **{option: -1})
    assert Course.objects.count() == 0
