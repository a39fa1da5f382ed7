"""Catalog and account factories shared by every test folder."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import LearnerProfile, User
from courses.models import Category, Course, Instructor, Lesson, LiveSession, Price, Section, Tag


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pass-1234")


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearnerProfile

    user = factory.SubFactory(UserFactory)
    preferred_language = "en"
    country = "CN"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    name_zh_hans = factory.LazyAttribute(lambda o: f"分类{o.slug}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name_en = factory.LazyAttribute(lambda o: o.slug)


class InstructorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instructor

    slug = factory.Sequence(lambda n: f"instructor-{n}")
    name_en = factory.Sequence(lambda n: f"Instructor {n}")
    bio_en = "Teaches things."
    revenue_share = Decimal("0.3000")


def demo_course_texts() -> dict[str, str]:
    """The title, subtitle and description of the demo's first course in every language, as
    ``CourseFactory`` keywords: a search text of a real course's length (870 characters with
    the factory's category and instructor, where the demo's courses have 947 to 1,416 and
    the factory's own texts give 86), for benchmarks that write the course row."""
    from demo.content.base import translated
    from demo.steps.catalog import catalog_specs

    spec = catalog_specs(1)[0]
    title, subtitle, description = spec.arabic
    return {
        **translated("title", spec.title),
        **translated("subtitle", spec.subtitle),
        **translated("description", spec.description),
        "title_ar": title,
        "subtitle_ar": subtitle,
        "description_ar": description,
    }


class CourseFactory(factory.django.DjangoModelFactory):
    """A published course with a price in every currency (override with ``prices=``)."""

    class Meta:
        model = Course
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"course-{n}")
    title_en = factory.Sequence(lambda n: f"Course {n}")
    title_zh_hans = factory.Sequence(lambda n: f"课程{n}")
    title_ja = factory.Sequence(lambda n: f"コース{n}")
    title_es = factory.Sequence(lambda n: f"Curso {n}")
    description_en = "A course."
    category = factory.SubFactory(CategoryFactory)
    instructor = factory.SubFactory(InstructorFactory)
    format = Course.Format.VIDEO
    is_published = True
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def prices(self, create, extracted, **kwargs):
        if not create:
            return
        amounts = extracted or {
            "CNY": Decimal("199.00"),
            "USD": Decimal("29.00"),
            "JPY": Decimal("4200"),
            "EUR": Decimal("27.00"),
        }
        Price.objects.bulk_create(
            [Price(course=self, currency=currency, amount=amount) for currency, amount in amounts.items()]
        )

    @factory.post_generation
    def index(self, create, extracted, **kwargs):
        if create:
            from courses.services import course_index_search_text

            course_index_search_text(courses=[self])


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    course = factory.SubFactory(CourseFactory)
    title_en = factory.Sequence(lambda n: f"Section {n}")
    position = factory.Sequence(int)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    section = factory.SubFactory(SectionFactory)
    title_en = factory.Sequence(lambda n: f"Lesson {n}")
    body_en = "Lesson text."
    position = factory.Sequence(int)
    duration_minutes = 10


class LiveSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveSession

    course = factory.SubFactory(CourseFactory, format=Course.Format.LIVE)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    capacity = 5
    seats_taken = 0
