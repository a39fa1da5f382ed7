"""The hand-written demo catalog, in English, Simplified Chinese, Japanese and Spanish."""

from . import (
    courses_art,
    courses_business,
    courses_culture,
    courses_finance,
    courses_health,
    courses_home,
    courses_languages,
    courses_tech,
    courses_travel,
)
from .base import LANGS, PRICE_TIERS, CategorySpec, CourseSpec, InstructorSpec, Text, translated
from .categories import CATEGORIES
from .instructors import INSTRUCTORS
from .tags import TAGS

COURSES: list[CourseSpec] = [
    *courses_finance.COURSES,
    *courses_home.COURSES,
    *courses_travel.COURSES,
    *courses_art.COURSES,
    *courses_health.COURSES,
    *courses_tech.COURSES,
    *courses_languages.COURSES,
    *courses_business.COURSES,
    *courses_culture.COURSES,
]

__all__ = [
    "CATEGORIES",
    "COURSES",
    "INSTRUCTORS",
    "LANGS",
    "PRICE_TIERS",
    "TAGS",
    "CategorySpec",
    "CourseSpec",
    "InstructorSpec",
    "Text",
    "translated",
]
