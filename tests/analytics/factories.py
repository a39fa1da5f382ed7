"""Builders for the analytics tests: plain rows with the timestamps the tests choose.

Rows whose ``created_at`` is ``auto_now_add`` get their time set with ``update()`` after
creation, so a test can place a refund, a review or a ledger entry on any day."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import count

from campaigns.models import (
    Campaign,
    CampaignPartner,
    OrderAttribution,
    SpendEntry,
    Touch,
    Variant,
    VisitorAssignment,
)
from commerce.models import LedgerEntry, Order, OrderLine, Refund
from courses.models import Enrollment, Review
from partners.models import Partner, PartnerMember
from tests.factories import CourseFactory, LearnerProfileFactory, UserFactory

_seq = count(1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour)).replace(tzinfo=UTC)


def partner(slug: str) -> Partner:
    return Partner.objects.create(
        slug=slug, name=slug.title(), industry="banking", customer_id_secret="k" * 64
    )


def member(partner_obj: Partner, username: str):
    user = UserFactory(username=username)
    PartnerMember.objects.create(partner=partner_obj, user=user, role=PartnerMember.Role.OWNER)
    return user


def campaign(lead: Partner, *, slug: str | None = None, currency: str = "USD", **fields) -> Campaign:
    values = {
        "slug": slug or f"analytics-campaign-{next(_seq)}",
        "name": "Spring campaign",
        "status": Campaign.Status.RUNNING,
        "budget_currency": currency,
        **fields,
    }
    obj = Campaign.objects.create(partner=lead, **values)
    CampaignPartner.objects.create(campaign=obj, partner=lead, revenue_share=Decimal("0.1000"))
    return obj


def variant(campaign_obj: Campaign, name: str, weight: int = 1) -> Variant:
    return Variant.objects.create(campaign=campaign_obj, name=name, weight=weight)


def touch(campaign_obj, when, *, visitor="", kind=Touch.Kind.LANDING_VIEW, **fields) -> Touch:
    return Touch.objects.create(
        campaign=campaign_obj, visitor_id=visitor, kind=kind, created_at=when, **fields
    )


def learner(username: str, *, joined: datetime | None = None, country: str = ""):
    user = UserFactory(username=username)
    if joined is not None:
        type(user).objects.filter(pk=user.pk).update(date_joined=joined)
    LearnerProfileFactory(user=user, country=country)
    return user


def course(**fields):
    return CourseFactory(**fields)


def paid_order(user, *, paid: datetime, currency: str, amount: Decimal, courses=(), discount=Decimal("0")):
    order = Order.objects.create(
        user=user,
        currency=currency,
        subtotal=amount + discount,
        discount=discount,
        total=amount,
        status=Order.Status.PAID,
        paid_at=paid,
        provider="sandbox",
    )
    lines = []
    for course_obj in courses:
        lines.append(
            OrderLine.objects.create(
                order=order,
                course=course_obj,
                currency=currency,
                unit_price=amount,
                total=amount / len(courses),
            )
        )
    return order, lines


def attribute(
    order: Order, campaign_obj, *, variant_obj=None, touch_obj=None, holdout=False, discount=Decimal("0")
):
    return OrderAttribution.objects.create(
        order_ref=str(order.number),
        order_id=order.pk,
        campaign=campaign_obj,
        variant=variant_obj,
        reason=OrderAttribution.Reason.LAST_TOUCH,
        touch=touch_obj,
        user=order.user,
        is_holdout=holdout,
        paid_at=order.paid_at,
        amount=order.total,
        currency=order.currency,
        discount_amount=discount,
    )


def ledger(order: Order, line: OrderLine, *, party: str, amount: Decimal, when: datetime, refund=None):
    entry = LedgerEntry.objects.create(
        order=order,
        order_line=line,
        refund=refund,
        kind=LedgerEntry.Kind.REFUND if refund else LedgerEntry.Kind.SALE,
        party=party,
        amount=amount,
        currency=order.currency,
    )
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=when)
    return entry


def refund(order: Order, amount: Decimal, when: datetime) -> Refund:
    row = Refund.objects.create(order=order, amount=amount, currency=order.currency, reason="changed mind")
    Refund.objects.filter(pk=row.pk).update(created_at=when)
    row.refresh_from_db()
    return row


def review(user, course_obj, rating: int, when: datetime) -> Review:
    row = Review.objects.create(user=user, course=course_obj, rating=rating)
    Review.objects.filter(pk=row.pk).update(created_at=when)
    return row


def enroll(user, course_obj, *, completed: datetime | None = None) -> Enrollment:
    return Enrollment.objects.create(user=user, course=course_obj, completed_at=completed)


def spend(campaign_obj, amount: Decimal, on: date) -> SpendEntry:
    return SpendEntry.objects.create(campaign=campaign_obj, amount=amount, date=on)


def assign(campaign_obj, visitor: str, *, variant_obj=None, holdout=False) -> VisitorAssignment:
    return VisitorAssignment.objects.create(
        campaign=campaign_obj, visitor_id=visitor, variant=variant_obj, is_holdout=holdout
    )


def days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]
