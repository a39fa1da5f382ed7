"""Catalog: tags, categories, instructors, courses with prices, syllabus and live sessions.

The catalog does not depend on ``--seed``: each course's syllabus shape and sessions come
from a generator seeded with the course's slug, so changing the seed never reshapes (or
deletes) lessons that learners already have progress on."""

import random
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from itertools import zip_longest

from django.db.models import Count, Q
from django.utils import timezone

from courses.models import Category, Course, Instructor, Lesson, LiveSession, Price, Section, Tag
from courses.services import course_reindex_all, course_set_published
from demo.content import (
    CATEGORIES,
    COURSES,
    INSTRUCTORS,
    LANGS,
    PRICE_TIERS,
    TAGS,
    CourseSpec,
    Text,
    arabic,
    courses_art,
    courses_business,
    courses_culture,
    courses_finance,
    courses_health,
    courses_home,
    courses_languages,
    courses_tech,
    courses_travel,
    translated,
)
from demo.content.syllabus import (
    LESSON_BODY,
    LESSON_TOPICS,
    SECTION_LABEL,
    SECTION_THEMES,
    UNIT_LABEL,
    VARIANT_TITLE,
    VARIANTS,
)
from demo.upsert import upsert

LESSON_MINUTES = {"video": (6, 25), "audio": (10, 30), "ebook": (15, 40), "live": (60, 90)}


def _slug_rng(slug: str) -> random.Random:
    return random.Random(zlib.crc32(slug.encode()))


def catalog_specs(count: int) -> list[CourseSpec]:
    """The first ``count`` courses: hand-written ones taken in turn from each category (so
    a small catalog still spans every category), then generated variants of them."""
    shelves = [
        courses_finance.COURSES,
        courses_home.COURSES,
        courses_travel.COURSES,
        courses_art.COURSES,
        courses_health.COURSES,
        courses_tech.COURSES,
        courses_languages.COURSES,
        courses_business.COURSES,
        courses_culture.COURSES,
    ]
    written = [
        replace(spec, arabic=arabic.COURSES.get(spec.slug, spec.arabic))
        for row in zip_longest(*shelves)
        for spec in row
        if spec is not None
    ]
    assert len(written) == len(COURSES)
    specs = written[:count]
    for index in range(max(0, count - len(written))):
        base = written[index % len(written)]
        round_ = index // len(written)
        variant_slug, variant_name, variant_sentence = VARIANTS[round_ % len(VARIANTS)]
        edition = round_ // len(VARIANTS)
        suffix = f"-{edition + 1}" if edition else ""
        number = f" {edition + 1}" if edition else ""
        title = tuple(
            template.format(title=title, variant=name) + number
            for template, title, name in zip(VARIANT_TITLE, base.title, variant_name, strict=True)
        )
        description = tuple(
            f"{text} {extra}" for text, extra in zip(base.description, variant_sentence, strict=True)
        )
        title_ar, subtitle_ar, description_ar = base.arabic
        variant_ar, sentence_ar = arabic.VARIANTS.get(variant_slug, ("", ""))
        specs.append(
            replace(
                base,
                slug=f"{base.slug}-{variant_slug}{suffix}"[:120],
                title=title,
                description=description,
                arabic=(
                    _filled(arabic.VARIANT_TITLE + number, title=title_ar, variant=variant_ar),
                    subtitle_ar,
                    _filled("{text} {extra}", text=description_ar, extra=sentence_ar),
                ),
                tier=min(6, max(1, base.tier + (1 if variant_slug == "weekend-intensive" else 0))),
            )
        )
    return specs


def _filled(template: str, **parts) -> str:
    """``template`` with its parts, or "" when an Arabic part is missing (the field then falls
    back to English instead of showing half a sentence)."""
    if not all(str(value) for value in parts.values()):
        return ""
    return template.format(**parts)


def _arabic(fields: tuple[str, ...], values: tuple[str, ...] | None) -> dict[str, str]:
    """``(("name", "bio"), ("...", "..."))`` -> ``{"name_ar": "...", "bio_ar": "..."}``; empty
    values when the Arabic is missing."""
    return {f"{field}_ar": value for field, value in zip(fields, values or ("",) * len(fields), strict=True)}


@dataclass
class LessonPlan:
    section: int
    position: int
    number: int
    topic: Text
    minutes: int
    preview: bool


@dataclass
class SyllabusPlan:
    sections: list[Text]
    lessons: list[LessonPlan]
    sections_ar: list[str]

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)


def syllabus_plan(spec: CourseSpec) -> SyllabusPlan:
    """2-4 sections of 3-6 lessons; the first lesson is a free preview."""
    rng = _slug_rng(spec.slug)
    section_count = rng.randint(2, 4)
    middle = rng.sample(range(2, 6), section_count - 2)
    themes = [SECTION_THEMES[rng.choice((0, 1))], *(SECTION_THEMES[i] for i in middle)]
    themes.append(SECTION_THEMES[rng.choice((6, 7))])
    low, high = LESSON_MINUTES[spec.format]
    lessons: list[LessonPlan] = []
    number = 0
    for section in range(1, section_count + 1):
        count = rng.randint(3, 6)
        topics = rng.sample(range(1, len(LESSON_TOPICS) - 2), count)
        if section == 1:
            topics[0] = 0
        if section == section_count:
            topics[-1] = len(LESSON_TOPICS) - 1 if spec.level != "beginner" else len(LESSON_TOPICS) - 3
        for position, topic in enumerate(topics, start=1):
            number += 1
            lessons.append(
                LessonPlan(
                    section=section,
                    position=position,
                    number=number,
                    topic=LESSON_TOPICS[topic],
                    minutes=rng.randint(low, high),
                    preview=number == 1,
                )
            )
    sections = [
        tuple(label.format(n=i, theme=theme[k]) for k, label in enumerate(SECTION_LABEL))
        for i, theme in enumerate(themes, start=1)
    ]
    sections_ar = [
        _filled(arabic.SECTION_LABEL, n=i, theme=arabic.SECTION_THEMES.get(theme[0], ""))
        for i, theme in enumerate(themes, start=1)
    ]
    return SyllabusPlan(sections=sections, lessons=lessons, sections_ar=sections_ar)


def run(*, rng: random.Random, options: dict, stdout) -> None:
    specs = catalog_specs(options["courses"])

    tags = upsert(
        Tag,
        key=("slug",),
        rows=[
            {"slug": slug, **translated("name", name), "name_ar": arabic.TAGS.get(slug, "")}
            for slug, name in TAGS.items()
        ],
    )

    colours = {spec.slug: spec.cover_color for spec in CATEGORIES}
    categories = {}
    for parents_pass in (True, False):
        rows = [
            {
                "slug": spec.slug,
                "parent_id": categories[(spec.parent,)].pk if spec.parent else None,
                "position": position,
                **translated("name", spec.name),
                **translated("description", spec.description),
                **_arabic(("name", "description"), arabic.CATEGORIES.get(spec.slug)),
            }
            for position, spec in enumerate(CATEGORIES)
            if (spec.parent is None) == parents_pass
        ]
        categories.update(upsert(Category, key=("slug",), rows=rows))

    instructors = upsert(
        Instructor,
        key=("slug",),
        rows=[
            {
                "slug": spec.slug,
                "revenue_share": spec.revenue_share,
                **translated("name", spec.name),
                **translated("headline", spec.headline),
                **translated("bio", spec.bio),
                **_arabic(("name", "headline", "bio"), arabic.INSTRUCTORS.get(spec.slug)),
            }
            for spec in INSTRUCTORS
        ],
    )

    plans = {spec.slug: syllabus_plan(spec) for spec in specs}
    courses = upsert(
        Course,
        key=("slug",),
        rows=[
            {
                "slug": spec.slug,
                "category_id": categories[(spec.category,)].pk,
                "instructor_id": instructors[(spec.instructor,)].pk,
                "format": spec.format,
                "level": spec.level,
                "language": spec.language,
                "duration_minutes": plans[spec.slug].minutes,
                "cover_color": colours[spec.category],
                **translated("title", spec.title),
                **translated("subtitle", spec.subtitle),
                **translated("description", spec.description),
                **_arabic(("title", "subtitle", "description"), spec.arabic),
            }
            for spec in specs
        ],
    )
    course_ids = {spec.slug: courses[(spec.slug,)].pk for spec in specs}

    upsert(
        Price,
        key=("course_id", "currency"),
        rows=[
            {"course_id": course_ids[spec.slug], "currency": currency, "amount": amount}
            for spec in specs
            for currency, amount in PRICE_TIERS[spec.tier].items()
        ],
    )

    through = Course.tags.through
    through.objects.bulk_create(
        [
            through(course_id=course_ids[spec.slug], tag_id=tags[(tag,)].pk)
            for spec in specs
            for tag in spec.tags
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )

    sections = upsert(
        Section,
        key=("course_id", "position"),
        rows=[
            {
                "course_id": course_ids[spec.slug],
                "position": position,
                **translated("title", title),
                "title_ar": title_ar,
            }
            for spec in specs
            for position, (title, title_ar) in enumerate(
                zip(plans[spec.slug].sections, plans[spec.slug].sections_ar, strict=True), start=1
            )
        ],
    )
    lesson_rows = []
    for spec in specs:
        unit = UNIT_LABEL[spec.format]
        unit_ar = arabic.UNIT_LABEL[spec.format]
        for plan in plans[spec.slug].lessons:
            topic_ar = arabic.LESSON_TOPICS.get(plan.topic[0], "")
            titles = tuple(unit[k].format(n=plan.number, topic=plan.topic[k]) for k in range(len(LANGS)))
            bodies = tuple(
                LESSON_BODY[k].format(topic=plan.topic[k], section=plan.section, course=spec.title[k])
                for k in range(len(LANGS))
            )
            lesson_rows.append(
                {
                    "section_id": sections[(course_ids[spec.slug], plan.section)].pk,
                    "position": plan.position,
                    "duration_minutes": plan.minutes,
                    "is_preview": plan.preview,
                    **translated("title", titles),
                    **translated("body", bodies),
                    "title_ar": _filled(unit_ar, n=plan.number, topic=topic_ar),
                    "body_ar": _filled(
                        arabic.LESSON_BODY, topic=topic_ar, section=plan.section, course=spec.arabic[0]
                    ),
                }
            )
    upsert(Lesson, key=("section_id", "position"), rows=lesson_rows, batch_size=300)

    _ensure_upcoming_sessions([spec for spec in specs if spec.format == "live"], course_ids)

    _publish(specs, course_ids)
    course_reindex_all()


def _ensure_upcoming_sessions(specs: list[CourseSpec], course_ids: dict[str, int]) -> None:
    """Every live class keeps 2-3 upcoming sessions with small capacities. Existing sessions
    are never changed (seats may have been sold); only missing upcoming ones are added."""
    now = timezone.now()
    upcoming = dict(
        Course.objects.filter(pk__in=course_ids.values())
        .annotate(n=Count("live_sessions", filter=Q(live_sessions__starts_at__gte=now)))
        .values_list("pk", "n")
    )
    # Anchored on today's date so reruns on the same day pick the same times.
    today = datetime.combine(now.date(), time(0, 0), tzinfo=UTC)
    new_sessions = []
    for spec in specs:
        rng = _slug_rng(spec.slug + ":sessions")
        wanted = rng.randint(2, 3)
        first_day = rng.randint(2, 6)
        hour = rng.choice((10, 12, 18, 19))
        for k in range(upcoming.get(course_ids[spec.slug], 0), wanted):
            new_sessions.append(
                LiveSession(
                    course_id=course_ids[spec.slug],
                    starts_at=today + timedelta(days=first_day + 7 * k, hours=hour),
                    duration_minutes=rng.choice((60, 75, 90)),
                    capacity=rng.choice((8, 10, 12, 15, 20, 25, 30)),
                )
            )
    LiveSession.objects.bulk_create(new_sessions)


def _publish(specs: list[CourseSpec], course_ids: dict[str, int]) -> None:
    """Publish what is not published yet. Courses published for the first time get their
    dates spread over the past six months, so "newest" has an order."""
    unpublished = Course.objects.filter(pk__in=course_ids.values(), is_published=False)
    first_time = set(unpublished.filter(published_at__isnull=True).values_list("pk", flat=True))
    if not unpublished.exists():
        return
    course_set_published(courses=unpublished, published=True)
    if not first_time:
        return
    order = {pk: index for index, pk in enumerate(course_ids.values())}
    step = timedelta(days=180) / max(1, len(order))
    now = timezone.now()
    batch = []
    for course in Course.objects.filter(pk__in=first_time).only("pk", "published_at"):
        course.published_at = now - step * (len(order) - order[course.pk])
        batch.append(course)
    Course.objects.bulk_update(batch, ["published_at"], batch_size=500)
