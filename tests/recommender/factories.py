"""Generated catalogs and learners with a planted structure: every learner has a "taste"
(one top category) and takes mostly courses of that category, in a fixed order, so the
learned models have something to find that popularity cannot."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from accounts.models import LearnerProfile, User
from courses.models import Category, Course, Enrollment
from tests.factories import CategoryFactory, CourseFactory, InstructorFactory

TOPICS = {
    "finance": ("Personal finance", "个人理财", "資産運用", "Finanzas personales"),
    "travel": ("Travel photography", "旅行摄影", "旅行写真", "Fotografía de viaje"),
    "cooking": ("Home cooking", "家常菜", "家庭料理", "Cocina casera"),
    "design": ("Interior design", "室内设计", "インテリアデザイン", "Diseño de interiores"),
}


@dataclass
class PlantedCatalog:
    categories: dict[str, Category]
    courses: dict[str, list[Course]]
    users: list[User] = field(default_factory=list)
    tastes: dict[int, str] = field(default_factory=dict)


def planted_catalog(*, per_topic: int = 6, topics: tuple[str, ...] = tuple(TOPICS)) -> PlantedCatalog:
    instructor = InstructorFactory()
    categories, courses = {}, {}
    for slug in topics:
        en, zh, ja, es = TOPICS[slug]
        category = CategoryFactory(slug=slug, name_en=en, name_zh_hans=zh, name_ja=ja, name_es=es)
        categories[slug] = category
        courses[slug] = [
            CourseFactory(
                slug=f"{slug}-{n}",
                title_en=f"{en} {n}",
                title_zh_hans=f"{zh}{n}",
                title_ja=f"{ja}{n}",
                title_es=f"{es} {n}",
                description_en=f"{en} course number {n}",
                category=category,
                instructor=instructor,
            )
            for n in range(per_topic)
        ]
    return PlantedCatalog(categories=categories, courses=courses)


def planted_learners(
    catalog: PlantedCatalog, *, n_users: int = 60, per_user: int = 4, seed: int = 3, noise: float = 0.1
) -> PlantedCatalog:
    """Learners whose taste decides most of what they take; ``noise`` of their courses
    come from a random other category. One bulk insert per table."""
    rng = np.random.default_rng(seed)
    topics = list(catalog.courses)
    users = User.objects.bulk_create([User(username=f"planted-{seed}-{i}") for i in range(n_users)])
    users = list(User.objects.filter(username__startswith=f"planted-{seed}-").order_by("id"))
    now = timezone.now()
    enrollments = []
    for index, user in enumerate(users):
        taste = topics[index % len(topics)]
        catalog.tastes[user.pk] = taste
        pool = catalog.courses[taste]
        # A taste plus a preferred pair: learners with the same taste share a core.
        start = int(rng.integers(0, 2))
        chosen = {pool[(start + j) % len(pool)].pk for j in range(per_user)}
        if rng.random() < noise:
            other = topics[int(rng.integers(0, len(topics)))]
            chosen.add(catalog.courses[other][int(rng.integers(0, len(catalog.courses[other])))].pk)
        enrollments.extend(Enrollment(user=user, course_id=course_id, created_at=now) for course_id in chosen)
    Enrollment.objects.bulk_create(enrollments)
    # One import at one time, whatever the machine's speed: auto_now_add stamps each row
    # with its own clock reading, and how many rows share a microsecond decided whether the
    # nightly training found courses "taken one after the other" (a sequence part).
    Enrollment.objects.filter(user__in=users).update(created_at=now)
    LearnerProfile.objects.bulk_create(
        [LearnerProfile(user=user, interests=[catalog.tastes[user.pk]]) for user in users]
    )
    catalog.users = users
    return catalog
