"""Reads of the plans app; lists cost a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet

from courses.models import Course, LessonProgress

from .models import Bundle, BundlePrice, Entitlement, Plan, PlanPrice


def plan_course_ids(*, plan: Plan) -> set[int]:
    """The published courses a plan grants: those it names and those of its categories
    (a top category brings its subcategories along). One query."""
    return set(
        Course.objects.filter(is_published=True)
        .filter(Q(plans=plan) | Q(category__plans=plan) | Q(category__parent__plans=plan))
        .values_list("pk", flat=True)
        .distinct()
    )


def _course_prefetch() -> Prefetch:
    return Prefetch(
        "courses",
        queryset=Course.objects.filter(is_published=True).select_related("instructor").order_by("pk"),
    )


def plans_for_sale() -> QuerySet[Plan]:
    """Plans on sale with their prices, courses and categories: four queries."""
    return (
        Plan.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("prices", queryset=PlanPrice.objects.order_by("currency")),
            _course_prefetch(),
            "categories",
        )
        .order_by("slug")
    )


def bundles_for_sale() -> QuerySet[Bundle]:
    """Bundles on sale with their prices and courses: three queries."""
    return (
        Bundle.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("prices", queryset=BundlePrice.objects.order_by("currency")), _course_prefetch()
        )
        .order_by("slug")
    )


def plan_courses(*, plan: Plan) -> QuerySet[Course]:
    return (
        Course.objects.filter(pk__in=plan_course_ids(plan=plan))
        .select_related("instructor", "category")
        .order_by("pk")
    )


def plan_lessons_completed(*, user_id: int, plan: Plan, start: datetime, end: datetime) -> dict[int, int]:
    """Lessons of the plan's courses the learner completed in ``[start, end)``, per
    instructor: what a plan period's revenue is shared by. One query (plus the plan's
    courses)."""
    rows = (
        LessonProgress.objects.filter(
            user_id=user_id,
            completed=True,
            completed_at__gte=start,
            completed_at__lt=end,
            lesson__section__course_id__in=plan_course_ids(plan=plan),
        )
        .values("lesson__section__course__instructor_id")
        .annotate(lessons=Count("id"))
        .order_by("lesson__section__course__instructor_id")
    )
    return {row["lesson__section__course__instructor_id"]: row["lessons"] for row in rows}


def entitlements_of(*, user) -> QuerySet[Entitlement]:
    return Entitlement.objects.filter(user=user).select_related("plan").order_by("-ends_at", "id")


@dataclass(frozen=True)
class Product:
    """A bundle or a plan as the storefront shows it."""

    kind: str  # "bundle", "membership" or "subscription" (a plan that renews)
    slug: str
    title: str
    description: str
    interval: str  # "" for a bundle
    prices: list  # [(currency, amount)], by currency
    courses: list  # published courses, by id

    def price_in(self, currency: str):
        return next((amount for code, amount in self.prices if code == currency), None)


def _plan_category_courses(plans: list[Plan]) -> dict[int, list[Course]]:
    """The published courses of every plan's categories (and their subcategories), in one
    query for all plans."""
    wanted = {category.pk: plan.pk for plan in plans for category in plan.categories.all()}
    by_plan: dict[int, list[Course]] = {plan.pk: [] for plan in plans}
    if not wanted:
        return by_plan
    plan_categories: dict[int, set[int]] = {plan.pk: {c.pk for c in plan.categories.all()} for plan in plans}
    courses = (
        Course.objects.filter(is_published=True)
        .filter(Q(category_id__in=wanted) | Q(category__parent_id__in=wanted))
        .select_related("instructor", "category")
        .order_by("pk")
    )
    for course in courses:
        for plan_pk, categories in plan_categories.items():
            if course.category_id in categories or course.category.parent_id in categories:
                by_plan[plan_pk].append(course)
    return by_plan


def _plan_product(plan: Plan, extra: list[Course]) -> Product:
    courses = {course.pk: course for course in [*plan.courses.all(), *extra]}
    return Product(
        kind=plan.kind,
        slug=plan.slug,
        title=plan.title,
        description=plan.description,
        interval=plan.interval,
        prices=[(price.currency, price.amount) for price in plan.prices.all()],
        courses=[courses[pk] for pk in sorted(courses)],
    )


def _bundle_product(bundle: Bundle) -> Product:
    return Product(
        kind="bundle",
        slug=bundle.slug,
        title=bundle.title,
        description=bundle.description,
        interval="",
        prices=[(price.currency, price.amount) for price in bundle.prices.all()],
        courses=list(bundle.courses.all()),
    )


def products_for_sale() -> list[Product]:
    """Every plan, then every bundle, on sale: eight queries whatever their number."""
    plans = list(plans_for_sale())
    extra = _plan_category_courses(plans)
    return [
        *(_plan_product(plan, extra[plan.pk]) for plan in plans),
        *(_bundle_product(bundle) for bundle in bundles_for_sale()),
    ]


def product_get(*, kind: str, slug: str) -> Product | None:
    """One plan (``kind="plan"``) or bundle on sale, or None."""
    if kind == "plan":
        plan = plans_for_sale().filter(slug=slug).first()
        return _plan_product(plan, _plan_category_courses([plan])[plan.pk]) if plan else None
    bundle = bundles_for_sale().filter(slug=slug).first()
    return _bundle_product(bundle) if bundle else None
