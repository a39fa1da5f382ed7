"""Reads of the referral program, each a fixed number of queries."""

from decimal import Decimal

from django.conf import settings
from django.db.models import F, QuerySet, Sum
from django.urls import reverse

from core.money import round_money
from courses.models import Course
from plans.models import Plan

from .models import Commission, PayoutStatement, Referrer, Withdrawal

ZERO = Decimal("0")


def referrer_for_user(*, user) -> Referrer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Referrer.objects.filter(user=user).first()


def earnings_for(*, referrer: Referrer) -> dict[str, dict[str, Decimal]]:
    """Per currency: ``pending`` (held until the refund window passes), ``available``
    (released, minus what was paid out or is requested), ``paid`` and ``requested``.
    Refunds count at once, so a commission reversed after release lowers ``available``.
    Two queries."""
    result: dict[str, dict[str, Decimal]] = {}

    def bucket(currency: str) -> dict[str, Decimal]:
        return result.setdefault(
            currency, {"pending": ZERO, "available": ZERO, "paid": ZERO, "requested": ZERO}
        )

    for currency, status, net in (
        Commission.objects.filter(
            referrer=referrer, status__in=[Commission.Status.PENDING, Commission.Status.AVAILABLE]
        )
        .values("currency", "status")
        .annotate(net=Sum(F("amount") - F("reversed_amount")))
        .order_by()
        .values_list("currency", "status", "net")
    ):
        bucket(currency)["pending" if status == Commission.Status.PENDING else "available"] += net
    for currency, status, total in (
        Withdrawal.objects.filter(referrer=referrer)
        .exclude(status=Withdrawal.Status.REJECTED)
        .values("currency", "status")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("currency", "status", "total")
    ):
        bucket(currency)["paid" if status == Withdrawal.Status.PAID else "requested"] += total
    for currency, row in result.items():
        row["available"] -= row["paid"] + row["requested"]
        for key in row:
            row[key] = round_money(Decimal(row[key]), currency)
    return dict(sorted(result.items()))


def commissions_for(*, referrer: Referrer) -> QuerySet[Commission]:
    """The referrer's commissions, newest first, with their course or plan and order: one
    query per page whatever its size."""
    return (
        Commission.objects.filter(referrer=referrer)
        .select_related("order_line__course", "order_line__plan", "referral__order")
        .order_by("-created_at", "-id")
    )


def withdrawals_for(*, referrer: Referrer) -> QuerySet[Withdrawal]:
    return (
        Withdrawal.objects.filter(referrer=referrer)
        .select_related("statement")
        .order_by("-created_at", "-id")
    )


def statement_for(*, referrer: Referrer, number) -> PayoutStatement | None:
    return (
        PayoutStatement.objects.filter(referrer=referrer, withdrawal__number=number)
        .select_related("withdrawal", "referrer__user")
        .first()
    )


def shareable_courses(*, user, limit: int = 12):
    """The learner's own courses, the easiest ones to recommend: one query."""
    return list(
        Course.objects.filter(enrollments__user=user, enrollments__is_active=True, is_published=True)
        .order_by("-enrollments__created_at")
        .distinct()[:limit]
    )


def shareable_plans(*, limit: int = 12) -> list[Plan]:
    """Membership plans on sale, to share like a course: one query."""
    return list(Plan.objects.filter(is_active=True).order_by("slug")[:limit])


def link_url(*, referrer: Referrer, course=None, plan=None) -> str:
    """The shareable link (outside the language prefix: printed on posters)."""
    if course is not None:
        path = reverse("referral_course_link", kwargs={"code": referrer.code, "slug": course.slug})
    elif plan is not None:
        path = reverse("referral_plan_link", kwargs={"code": referrer.code, "slug": plan.slug})
    else:
        path = reverse("referral_link", kwargs={"code": referrer.code})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def poster_path(*, course=None, plan=None, language: str = "") -> str:
    """The poster's address. A course's poster is in the course's language; a plan has none
    of its own, so ``language`` (the page's) goes along: the API path has no language
    prefix, and the browser's Accept-Language may name another one than the page shown."""
    path = reverse("api:referral-poster")
    if course is not None:
        return f"{path}?course={course.slug}"
    if plan is None:
        return path
    return f"{path}?plan={plan.slug}&lang={language}" if language else f"{path}?plan={plan.slug}"
