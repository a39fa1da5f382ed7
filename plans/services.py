"""Writes of the plans app: entitlements that grant and end enrollments, and the split
of a bundle's price over its courses.

An enrollment given by a plan has the source ``membership``. It ends when the learner's
last live entitlement that covers its course ends; an enrollment the learner bought (or
got free, or from staff) is never ended here."""

from datetime import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from core.money import allocate_largest_remainder
from courses.models import Course, Enrollment, Price
from courses.services import enrollment_grant, enrollment_revoke

from .exceptions import ProductNotAvailable
from .models import Bundle, BundlePrice, Entitlement, Plan
from .selectors import plan_course_ids


def bundle_line_prices(*, bundle: Bundle, currency: str) -> list[tuple[Course, Decimal]]:
    """The bundle's price in ``currency`` spread over its courses in proportion to their
    own prices (equal parts when none of them has one), by largest remainder, so the
    lines add up to the bundle price to the cent and every instructor's revenue share
    follows the part of their course. Raises ``product_not_available`` when the bundle has
    no price in ``currency`` or no published course."""
    price = (
        BundlePrice.objects.filter(bundle=bundle, currency=currency).values_list("amount", flat=True).first()
    )
    courses = list(bundle.courses.filter(is_published=True).select_related("instructor").order_by("pk"))
    if price is None or not courses:
        raise ProductNotAvailable()
    own = dict(Price.objects.filter(course__in=courses, currency=currency).values_list("course_id", "amount"))
    weights = [own.get(course.pk, Decimal("0")) for course in courses]
    if sum(weights, Decimal("0")) <= 0:
        weights = [Decimal("1")] * len(courses)
    parts = allocate_largest_remainder(price, weights, currency)
    return list(zip(courses, parts, strict=True))


INTERVALS = {"month": relativedelta(months=1), "year": relativedelta(years=1)}


def plan_period_end(*, interval: str, start: datetime) -> datetime:
    """The end of one period of a plan: calendar months and years (31 January + 1 month is
    28/29 February)."""
    return start + INTERVALS[interval]


def _live(*, user_id: int, now: datetime):
    return Entitlement.objects.filter(user_id=user_id, ended_at__isnull=True, ends_at__gt=now)


@transaction.atomic
def entitlement_extend(
    *, user, plan: Plan, source: str, starts_at: datetime, ends_at: datetime
) -> Entitlement:
    """Give ``user`` the plan's courses until ``ends_at`` (idempotent per ``source``: a
    second call with an earlier end changes nothing; a later end extends it) and enroll
    them in every course of the plan that they are not enrolled in yet."""
    entitlement = Entitlement.objects.select_for_update().filter(user=user, source=source).first()
    if entitlement is None:
        entitlement = Entitlement.objects.create(
            user=user, plan=plan, source=source, starts_at=starts_at, ends_at=ends_at
        )
    elif ends_at > entitlement.ends_at or entitlement.ended_at is not None:
        entitlement.ends_at = max(ends_at, entitlement.ends_at)
        entitlement.ended_at = None
        entitlement.save(update_fields=["ends_at", "ended_at", "updated_at"])
    active = set(Enrollment.objects.filter(user=user, is_active=True).values_list("course_id", flat=True))
    for course in (
        Course.objects.filter(pk__in=plan_course_ids(plan=plan)).exclude(pk__in=active).order_by("pk")
    ):
        enrollment_grant(user=user, course=course, source=Enrollment.Source.MEMBERSHIP)
    return entitlement


@transaction.atomic
def entitlement_end(*, user, source: str, now: datetime | None = None) -> Entitlement | None:
    """End the entitlement ``source`` now (idempotent) and the membership enrollments no
    other live entitlement of the learner still covers."""
    now = now or timezone.now()
    entitlement = Entitlement.objects.select_for_update().filter(user=user, source=source).first()
    if entitlement is None or entitlement.ended_at is not None:
        return entitlement
    entitlement.ended_at = now
    if entitlement.starts_at < now < entitlement.ends_at:
        entitlement.ends_at = now  # ended early (a refund, a cancellation without notice)
    entitlement.save(update_fields=["ended_at", "ends_at", "updated_at"])
    still = set()
    for other in _live(user_id=user.pk, now=now).exclude(pk=entitlement.pk).select_related("plan"):
        still |= plan_course_ids(plan=other.plan)
    ending = plan_course_ids(plan=entitlement.plan) - still
    enrollments = Enrollment.objects.filter(
        user=user, course_id__in=ending, is_active=True, source=Enrollment.Source.MEMBERSHIP
    ).select_related("course")
    for enrollment in enrollments.order_by("course_id"):
        enrollment_revoke(user=user, course=enrollment.course)
    return entitlement


def entitlements_end_due(*, now: datetime | None = None) -> int:
    """End every entitlement whose time ran out (the periodic task); each in its own
    transaction with a state guard, so a rerun or a concurrent run ends nothing twice."""
    now = now or timezone.now()
    due = list(
        Entitlement.objects.filter(ended_at__isnull=True, ends_at__lte=now)
        .select_related("user")
        .order_by("pk")
    )
    ended = 0
    for entitlement in due:
        result = entitlement_end(user=entitlement.user, source=entitlement.source, now=now)
        ended += int(result is not None and result.ended_at == now)
    return ended


def plan_for_sale(*, slug: str) -> Plan:
    plan = Plan.objects.filter(slug=slug, is_active=True).first()
    if plan is None:
        raise ProductNotAvailable()
    return plan


def bundle_for_sale(*, slug: str) -> Bundle:
    bundle = Bundle.objects.filter(slug=slug, is_active=True).first()
    if bundle is None:
        raise ProductNotAvailable()
    return bundle
