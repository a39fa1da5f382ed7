"""History: 60 days of campaign life for every running demo campaign, then the nightly jobs
over them, so the partner portal, the partner API and the staff dashboards show real numbers
on a fresh ``make run``.

What a day of one campaign holds: new visitors (language, country and channel from the
partner's audience) split into the control group and the variants by the tracking service's
own draw (``_pick_variant``: the same hash of the visitor id the landing page uses), their
clicks and landing-page views, sign-ups, paid orders (priced with the campaign's discount
rule ``campaign_offer``, most with the campaign's code, some by last touch), returning buyers,
refunds (the ledger's rule 3 for a full refund: every party's sale reversed), reviews and
completions, and the day's spend (``spend_entry_add``). The ledger entries come from
``commerce.ledger.split_amount`` with the parties ``line_parties`` reads and the split
``campaign_revenue_split`` gives, so every line adds up to the cent exactly as a checkout
writes it. A few thousand orders would cost minutes through one checkout each, so the rows
are written in bulk; tests/demo/test_seed_history.py checks them against the services
(attribution decided again by ``attribution_decide``, ledgers summed per line).

Privacy: partners see a count of people only when it is 0 or at least
``PARTNER_MIN_GROUP_SIZE``, day by day. At full scale (``--history-scale 1``) the plan keeps
every daily group a partner sees (visitors, orders of each variant, the control group's
orders, buyers, sign-ups, returning buyers, reviews, completions) at 0 or at least that size,
so no figure of the bank's metrics page is hidden; smaller scales are for tests.

Idempotent: a campaign that already has its history (its spend entries) is left alone, and the nightly
jobs run only when this run wrote something, so a rerun writes nothing. Deterministic: one
generator per campaign, seeded from ``--seed`` and the campaign's slug; dates are relative to
the day of the run."""

import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db.models import prefetch_related_objects
from django.utils import timezone

from accounts.models import LearnerProfile, User
from analytics.bandit import variant_weights_update
from analytics.metrics import campaign_metrics_compute, day_bounds
from analytics.privacy import min_group_size
from campaigns import services as campaign_services
from campaigns.models import (
    Campaign,
    CodeRedemption,
    DiscountCode,
    OrderAttribution,
    SpendEntry,
    Touch,
    TrackingLink,
    Variant,
    VisitorAssignment,
)
from campaigns.services.pricing import campaign_offer
from campaigns.services.tracking import _pick_variant
from commerce.discounts import order_ref
from commerce.ledger import line_parties, split_amount
from commerce.models import LedgerEntry, Order, OrderLine, Payment, Refund
from courses.models import Course, Enrollment, Lesson, LessonProgress, Price, Review
from demo.content.syllabus import REVIEW_TEXTS
from demo.steps.interactions import course_recount_counters, explicit_created_at
from demo.steps.learners import NO_LOGIN

BATCH = 2000
HOLDOUT_ORDERS_PER_DAY = 11
# Conversion rates (orders per visitor): the control group buys without the offer, the
# variants with it; variant B's deeper discount converts a little better, which the bandit
# then sees.
HOLDOUT_CVR = 0.1
VARIANT_CVR = (0.125, 0.15)
SIGNUPS_WITHOUT_ORDER = 0.3
RETURNING_SHARE = 0.22
CODE_SHARE = 0.85
REFUND_SHARE = 0.06
COMPLETION_SHARE = 0.4
REVIEW_SHARE = 0.35
CLICK_SHARE = 0.6
SPEND_PER_ORDER = Decimal("9")
HISTORY_CODE_SUFFIX = "VIP"
SPEND_NOTE = "demo history"


@dataclass(frozen=True)
class Audience:
    # Traffic relative to the smallest day whose control group still clears the privacy
    # minimum; ``floors``: every daily group partners see is 0 or at least the minimum (the
    # partners whose admins sign in to the portal in the demo). The others are smaller, so
    # the history stays well under a minute; their small days are hidden as the rule says.
    traffic: float
    floors: bool
    languages: dict[str, int]
    channels: dict[str, int]


AUDIENCES: dict[str, Audience] = {
    "bank": Audience(
        1.15,
        True,
        {"zh-hans": 50, "en": 25, "es": 15, "ja": 10},
        {"email": 35, "sms": 25, "partner_app": 25, "social": 10, "offline_qr": 5},
    ),
    "home": Audience(
        1.0,
        True,
        {"zh-hans": 40, "ja": 30, "en": 20, "es": 10},
        {"social": 40, "partner_app": 25, "email": 20, "offline_qr": 15},
    ),
    "travel": Audience(
        0.2,
        False,
        {"en": 35, "es": 30, "zh-hans": 20, "ja": 15, "ar": 10},
        {"social": 45, "email": 35, "sms": 20},
    ),
    "museum": Audience(
        0.2,
        False,
        # Chinese art and history carried to Arabic-speaking visitors too (文化输出).
        {"zh-hans": 55, "ja": 20, "en": 20, "es": 5, "ar": 10},
        {"offline_qr": 40, "social": 30, "email": 30},
    ),
    "sports": Audience(
        0.2,
        False,
        {"en": 30, "es": 30, "zh-hans": 25, "ja": 15},
        {"social": 50, "partner_app": 30, "sms": 20},
    ),
}
# A joint campaign: its lead partner's audience, at this traffic.
ALLIANCE_TRAFFIC = 0.3
DEFAULT_AUDIENCE = AUDIENCES["travel"]
COUNTRIES = {
    "zh-hans": {"CN": 85, "SG": 10, "TW": 5},
    "en": {"US": 50, "GB": 25, "SG": 25},
    "ja": {"JP": 100},
    "es": {"ES": 55, "MX": 45},
    "ar": {"AE": 40, "SA": 35, "EG": 25},
}
CURRENCY = {
    "CN": "CNY",
    "SG": "USD",
    "TW": "USD",
    "US": "USD",
    "GB": "EUR",
    "JP": "JPY",
    "ES": "EUR",
    "MX": "USD",
    "AE": "USD",
    "SA": "USD",
    "EG": "USD",
}
REFUND_REASONS = ("Bought the wrong course.", "Changed my mind.", "Could not find the time.")
# Visits by hour of the day (evenings are busiest).
HOURS = [1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 7, 6, 6, 6, 6, 7, 9, 11, 12, 10, 6, 3]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()), k=1)[0]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Buyer:
    user_id: int | None
    visitor_id: str
    variant: Variant | None
    is_holdout: bool
    language: str
    country: str
    owned: set[int] = field(default_factory=set)
    used_code: bool = False
    first_day: date | None = None


@dataclass
class Plan:
    """Every row of one campaign's history, unsaved, with the links between them."""

    users: list[tuple[User, LearnerProfile]] = field(default_factory=list)
    assignments: list[VisitorAssignment] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    # order, line, attribution touch, code, buyer
    orders: list[tuple[Order, OrderLine, Touch, DiscountCode | None, Buyer]] = field(default_factory=list)
    refunds: dict[int, datetime] = field(default_factory=dict)  # order index -> refunded at
    spend: dict[date, Decimal] = field(default_factory=dict)


class History:
    def __init__(self, *, campaign: Campaign, rng: random.Random, days: list[date], scale: float) -> None:
        self.campaign = campaign
        self.rng = rng
        self.days = days
        self.scale = scale
        self.now = timezone.now()
        self.variants = list(campaign.variants.order_by("id"))
        self.links = list(TrackingLink.objects.filter(campaign=campaign).order_by("id"))
        self.by_channel = {link.channel: link for link in self.links}
        courses = list(
            Course.objects.filter(campaign_parts__campaign=campaign, is_published=True)
            .exclude(format=Course.Format.LIVE)
            .select_related("instructor")
            .order_by("pk")
        )
        self.courses = {course.pk: course for course in courses}
        self.prices: dict[tuple[int, str], Decimal] = {
            (course_id, currency): amount
            for course_id, currency, amount in Price.objects.filter(course__in=courses).values_list(
                "course_id", "currency", "amount"
            )
        }
        self.split = campaign_services.campaign_revenue_split(campaign_id=campaign.pk)
        audience = AUDIENCES.get(campaign.partner.slug, DEFAULT_AUDIENCE)
        self.languages, self.channels, self.traffic = audience.languages, audience.channels, audience.traffic
        floors = audience.floors
        if campaign.campaign_partners.count() > 1:
            self.traffic, floors = ALLIANCE_TRAFFIC, False
        # Floors only at full scale: a test's tiny history is allowed small groups.
        self.floor = min_group_size() if floors and scale >= 1 else 0
        self.plan = Plan()
        self.buyers: list[Buyer] = []
        self.user_number = 0

    # --- planning ------------------------------------------------------------------------

    def _count(self, expected: float, *, floor: bool = True) -> int:
        """A day's count around ``expected``: at full scale never between 1 and the privacy
        minimum (raised to it), so the day's figure is shown."""
        value = max(0, round(expected * self.rng.uniform(0.85, 1.15)))
        if floor and self.floor:
            value = max(value, self.floor)
        return value

    def _moment(self, day: date) -> datetime:
        start, end = day_bounds(day)
        hour = self.rng.choices(range(24), weights=HOURS, k=1)[0]
        at = start + timedelta(hours=hour, seconds=self.rng.randint(0, 3599))
        return min(at, end - timedelta(hours=3), self.now - timedelta(hours=3))

    def _new_user(self, buyer: Buyer, at: datetime) -> None:
        self.user_number += 1
        username = f"{self.campaign.slug[:40]}-{self.user_number:05d}"
        user = User(
            username=username,
            email=f"{username}@example.com",
            password=NO_LOGIN,
            date_joined=at,
            last_login=None,
        )
        profile = LearnerProfile(
            preferred_language=buyer.language,
            country=buyer.country,
            preferred_currency=CURRENCY[buyer.country],
            interests=[],
            created_at=at,
        )
        self.plan.users.append((user, profile))
        buyer.user_id = len(self.plan.users) - 1  # index until the users are saved

    def _visit(self, day: date, visitor_id: str, variant, is_holdout, language, country, *, new: bool):
        """A visitor's touches of the day: mostly a tracking-link click then the landing
        page, some come straight to the landing page. Returns the landing view."""
        at = self._moment(day)
        channel = _pick(self.rng, self.channels)
        link = self.by_channel.get(channel)
        common = {
            "campaign": self.campaign,
            "visitor_id": visitor_id,
            "variant": variant,
            "is_holdout": is_holdout,
            "language": language,
            "country": country,
        }
        if link is not None and self.rng.random() < CLICK_SHARE:
            self.plan.touches.append(
                Touch(
                    **common,
                    kind=Touch.Kind.CLICK,
                    link=link,
                    channel=link.channel,
                    utm_source=link.utm_source,
                    utm_medium=link.utm_medium,
                    utm_campaign=link.utm_campaign,
                    utm_content=link.utm_content,
                    created_at=at,
                )
            )
            channel = link.channel
        else:
            channel = ""
        view = Touch(
            **common, kind=Touch.Kind.LANDING_VIEW, channel=channel, created_at=at + timedelta(seconds=5)
        )
        self.plan.touches.append(view)
        if new:
            self.plan.assignments.append(
                VisitorAssignment(
                    campaign=self.campaign,
                    visitor_id=visitor_id,
                    variant=variant,
                    is_holdout=is_holdout,
                    created_at=at,
                )
            )
        return view

    def _order(self, buyer: Buyer, view: Touch, code: DiscountCode | None) -> None:
        choices = sorted(set(self.courses) - buyer.owned)
        if not choices:
            return
        course = self.courses[self.rng.choice(choices)]
        currency = CURRENCY[buyer.country]
        price = self.prices.get((course.pk, currency))
        if price is None or price <= 0:
            return
        buyer.owned.add(course.pk)
        discount = Decimal("0")
        if code is not None:
            buyer.used_code = True
            # The one pricing rule (campaigns.services.pricing): what the landing page shows.
            offer = campaign_offer(campaign=self.campaign, variant=buyer.variant, currency=currency)
            discount = offer.off(price) if offer is not None else Decimal("0")
        paid_at = min(
            view.created_at + timedelta(minutes=self.rng.randint(3, 120)), self.now - timedelta(hours=1)
        )
        total = price - discount
        order = Order(
            number=uuid.UUID(int=self.rng.getrandbits(128), version=4),
            currency=currency,
            subtotal=price,
            discount=discount,
            total=total,
            language=buyer.language,
            discount_code=code.code if code else "",
            visitor_id=buyer.visitor_id,
            campaign_id=self.campaign.pk,
            provider="sandbox",
            status=Order.Status.PAID,
            paid_at=paid_at,
            receipt_sent_at=paid_at,
            created_at=paid_at - timedelta(seconds=20),
        )
        order.payment_reference = f"sandbox_{order.number.hex[:24]}"
        line = OrderLine(
            course=course,
            currency=currency,
            unit_price=price,
            discount=discount,
            total=total,
            revenue_split=list(self.split),
            created_at=order.created_at,
        )
        self.plan.orders.append((order, line, view, code, buyer))
        if self.rng.random() < REFUND_SHARE:
            refunded_at = paid_at + timedelta(days=self.rng.randint(1, 9), hours=self.rng.randint(0, 12))
            if refunded_at < self.now - timedelta(hours=1):
                self.plan.refunds[len(self.plan.orders) - 1] = refunded_at

    def plan_days(self, code: DiscountCode) -> None:
        # campaign_offer reads the fixed amounts for every order: load them once.
        prefetch_related_objects([self.campaign], "fixed_discounts")
        share = float(self.campaign.holdout_share) or 0.1
        span = len(self.days)
        for index, day in enumerate(self.days):
            # A slow start, growth, and quieter weekends.
            trend = 0.9 + 0.3 * index / max(span - 1, 1)
            weekend = 0.9 if day.weekday() >= 5 else 1.0
            factor = trend * weekend * self.traffic * self.scale
            holdout_visitors = HOLDOUT_ORDERS_PER_DAY * factor / HOLDOUT_CVR
            visitors = max(1, round(holdout_visitors / share * self.rng.uniform(0.9, 1.1)))
            groups: dict[int | None, list[tuple[Buyer, Touch]]] = defaultdict(list)
            orders_before = len(self.plan.orders)
            for _ in range(visitors):
                visitor_id = _uuid(self.rng)
                variant, is_holdout = _pick_variant(self.variants, self.campaign.holdout_share, visitor_id)
                language = _pick(self.rng, self.languages)
                country = _pick(self.rng, COUNTRIES[language])
                buyer = Buyer(None, visitor_id, variant, is_holdout, language, country)
                view = self._visit(day, visitor_id, variant, is_holdout, language, country, new=True)
                groups[None if is_holdout else variant.pk].append((buyer, view))
            for key, members in groups.items():
                rate = (
                    HOLDOUT_CVR
                    if key is None
                    else VARIANT_CVR[min(self.variants.index(members[0][0].variant), 1)]
                )
                count = min(len(members), self._count(len(members) * rate))
                chosen = self.rng.sample(members, count)
                for buyer, view in chosen:
                    buyer.first_day = day
                    self._new_user(buyer, view.created_at + timedelta(minutes=1))
                    view.user_index = buyer.user_id
                    use_code = key is not None and self.rng.random() < CODE_SHARE
                    self._order(buyer, view, code if use_code else None)
                    self.buyers.append(buyer)
                # Some visitors sign up and buy nothing (yet).
                if key is not None:
                    idle = [m for m in members if m not in chosen]
                    for buyer, view in self.rng.sample(
                        idle, min(len(idle), round(count * SIGNUPS_WITHOUT_ORDER))
                    ):
                        self._new_user(buyer, view.created_at + timedelta(minutes=2))
                        view.user_index = buyer.user_id
            self._returning(day, index)
            orders_today = len(self.plan.orders) - orders_before
            self.plan.spend[day] = (SPEND_PER_ORDER * Decimal(max(orders_today, 1))).quantize(Decimal("0.01"))

    def _returning(self, day: date, index: int) -> None:
        """Earlier buyers of the offer come back for another course of the campaign."""
        earlier = [b for b in self.buyers if not b.is_holdout and b.first_day < day]
        pool = [b for b in earlier if len(b.owned) < len(self.courses)]
        expected = len(earlier) / max(index, 1) * RETURNING_SHARE
        count = min(len(pool), self._count(expected, floor=False))
        if self.floor and count < self.floor:
            count = 0
        for buyer in self.rng.sample(pool, count):
            view = self._visit(
                day,
                buyer.visitor_id,
                buyer.variant,
                buyer.is_holdout,
                buyer.language,
                buyer.country,
                new=False,
            )
            view.user_index = buyer.user_id
            # The code is one use per learner: a second purchase pays the full price.
            self._order(buyer, view, None)

    # --- learning after the purchase ------------------------------------------------------

    def _learning(self) -> tuple[dict[int, datetime], dict[int, tuple[datetime, int]]]:
        """Completions and reviews of the orders that were not refunded: order index ->
        completed at, and order index -> (reviewed at, rating). The offer's events of a day
        that would form a small group wait for the next day (or are dropped at the end)."""
        completions: dict[int, datetime] = {}
        reviews: dict[int, tuple[datetime, int]] = {}
        for index, (order, _line, _view, _code, _buyer) in enumerate(self.plan.orders):
            if index in self.plan.refunds:
                continue
            done = None
            if self.rng.random() < COMPLETION_SHARE:
                done = order.paid_at + timedelta(days=self.rng.randint(2, 20), hours=self.rng.randint(0, 8))
                if done < self.now - timedelta(hours=1):
                    completions[index] = done
            if self.rng.random() < REVIEW_SHARE:
                at = done or order.paid_at + timedelta(
                    days=self.rng.randint(1, 15), hours=self.rng.randint(0, 8)
                )
                rating = self.rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3], k=1)[0]
                if at < self.now - timedelta(hours=1):
                    reviews[index] = (at, rating)
        self._gather(completions, key=lambda value: value, rebuild=lambda _old, at: at)
        self._gather(reviews, key=lambda value: value[0], rebuild=lambda old, at: (at, old[1]))
        return completions, reviews

    def _gather(self, events: dict, *, key, rebuild) -> None:
        if not self.floor:
            return
        by_day: dict[date, list[int]] = defaultdict(list)
        for index, value in events.items():
            if not self.plan.orders[index][4].is_holdout:
                by_day[timezone.localdate(key(value))].append(index)
        waiting: list[int] = []
        for day in sorted(by_day):
            start, _end = day_bounds(day)
            for index in waiting:
                moment = key(events[index])
                moved = start + (moment - day_bounds(timezone.localdate(moment))[0])
                events[index] = rebuild(events[index], min(moved, self.now - timedelta(hours=1)))
            group = waiting + by_day[day]
            waiting = [] if len(group) >= self.floor else group
        for index in waiting:
            del events[index]

    # --- writing ------------------------------------------------------------------------

    def write(self) -> int:
        plan = self.plan
        completions, reviews = self._learning()
        users = [user for user, _profile in plan.users]
        User.objects.bulk_create(users, batch_size=BATCH)
        for user, profile in plan.users:
            profile.user_id = user.pk
        LearnerProfile.objects.bulk_create([profile for _user, profile in plan.users], batch_size=BATCH)
        for touch in plan.touches:
            index = getattr(touch, "user_index", None)
            if index is not None:
                touch.user_id = users[index].pk
        VisitorAssignment.objects.bulk_create(plan.assignments, batch_size=BATCH)
        Touch.objects.bulk_create(plan.touches, batch_size=BATCH)

        for index, (order, line, _view, _code, buyer) in enumerate(plan.orders):
            order.user_id = users[buyer.user_id].pk
            if index in plan.refunds:
                order.status = Order.Status.REFUNDED
                order.amount_refunded = order.total
                line.amount_refunded = line.total
        Order.objects.bulk_create([order for order, *_ in plan.orders], batch_size=BATCH)
        for order, line, *_ in plan.orders:
            line.order = order
        OrderLine.objects.bulk_create([line for _order, line, *_ in plan.orders], batch_size=BATCH)

        payments, redemptions, attributions, sales, enrollments = [], [], [], [], []
        refunds: list[tuple[Refund, list[LedgerEntry], OrderLine]] = []
        for index, (order, line, view, code, buyer) in enumerate(plan.orders):
            paid_at = order.paid_at
            refunded_at = plan.refunds.get(index)
            payments.append(
                Payment(
                    order=order,
                    provider="sandbox",
                    reference=order.payment_reference,
                    amount=order.total,
                    currency=order.currency,
                    status=Payment.Status.SUCCEEDED,
                    idempotency_key=f"order-{order.number}",
                    created_at=order.created_at,
                )
            )
            if code is not None:
                redemptions.append(
                    CodeRedemption(
                        code=code,
                        user_id=order.user_id,
                        order_ref=order_ref(order),
                        status=CodeRedemption.Status.CONFIRMED,
                        created_at=order.created_at,
                    )
                )
            attributions.append(
                OrderAttribution(
                    order_ref=order_ref(order),
                    order_id=order.pk,
                    campaign=self.campaign,
                    variant=buyer.variant,
                    reason=OrderAttribution.Reason.CODE if code else OrderAttribution.Reason.LAST_TOUCH,
                    touch=view,
                    code=code,
                    user_id=order.user_id,
                    is_holdout=buyer.is_holdout,
                    paid_at=paid_at,
                    amount=order.total,
                    currency=order.currency,
                    refunded_amount=order.total if refunded_at else Decimal("0"),
                    discount_amount=order.discount,
                    created_at=paid_at,
                )
            )
            line_sales = [
                LedgerEntry(
                    order=order,
                    order_line=line,
                    kind=LedgerEntry.Kind.SALE,
                    party=share.party,
                    share=share.share,
                    amount=share.amount,
                    currency=line.currency,
                    created_at=paid_at,
                )
                for share in split_amount(
                    amount=line.total, currency=line.currency, parties=line_parties(line=line)
                )
            ]
            sales.extend(line_sales)
            done = completions.get(index)
            lessons = self.lessons.get(line.course_id, [])
            enrollments.append(
                Enrollment(
                    user_id=order.user_id,
                    course_id=line.course_id,
                    source=Enrollment.Source.PURCHASE,
                    is_active=refunded_at is None,
                    completed_lessons=len(lessons) if done else 0,
                    completed_at=done,
                    last_lesson_id=lessons[-1] if done and lessons else None,
                    created_at=paid_at,
                )
            )
            if refunded_at is not None:
                refund = Refund(
                    order=order,
                    status=Refund.Status.SUCCEEDED,
                    amount=order.total,
                    currency=order.currency,
                    reason=self.rng.choice(REFUND_REASONS),
                    provider_reference=f"sandbox_re_{order.number.hex[:20]}",
                    allocation={str(line.pk): str(line.total)},
                    created_at=refunded_at,
                )
                refunds.append((refund, line_sales, line))
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        CodeRedemption.objects.bulk_create(redemptions, batch_size=BATCH)
        OrderAttribution.objects.bulk_create(attributions, batch_size=BATCH)
        LedgerEntry.objects.bulk_create(sales, batch_size=BATCH)
        Enrollment.objects.bulk_create(enrollments, batch_size=BATCH)
        Refund.objects.bulk_create([refund for refund, *_ in refunds], batch_size=BATCH)
        # Ledger rule 3 for a refund that empties its line: every party's sale reversed exactly.
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    order=refund.order,
                    order_line=line,
                    refund=refund,
                    kind=LedgerEntry.Kind.REFUND,
                    party=sale.party,
                    amount=-sale.amount,
                    currency=sale.currency,
                    created_at=refund.created_at,
                )
                for refund, line_sales, line in refunds
                for sale in line_sales
                if sale.amount
            ],
            batch_size=BATCH,
        )
        progress, review_rows = [], []
        for index, done in completions.items():
            order, line = plan.orders[index][:2]
            progress.extend(
                LessonProgress(
                    user_id=order.user_id,
                    lesson_id=lesson_id,
                    completed=True,
                    completed_at=done,
                    created_at=order.paid_at,
                )
                for lesson_id in self.lessons.get(line.course_id, [])
            )
        for index, (at, rating) in reviews.items():
            order, line, _view, _code, buyer = plan.orders[index]
            texts = REVIEW_TEXTS[buyer.language.replace("-", "_")][rating]
            review_rows.append(
                Review(
                    user_id=order.user_id,
                    course_id=line.course_id,
                    rating=rating,
                    text=self.rng.choice(texts),
                    language=buyer.language,
                    created_at=at,
                )
            )
        LessonProgress.objects.bulk_create(progress, batch_size=BATCH)
        Review.objects.bulk_create(review_rows, batch_size=BATCH)
        for day, amount in sorted(plan.spend.items()):
            campaign_services.spend_entry_add(
                campaign=self.campaign, amount=amount, on=day, note="demo history"
            )
        return len(plan.touches)


WRITTEN_MODELS = (
    LearnerProfile,
    VisitorAssignment,
    Order,
    OrderLine,
    Payment,
    CodeRedemption,
    OrderAttribution,
    LedgerEntry,
    Enrollment,
    Refund,
    LessonProgress,
    Review,
)


def _history_code(campaign: Campaign) -> DiscountCode:
    """The code the campaign's newsletter carried during its history (one use per learner)."""
    code = f"{campaign.partner.slug.upper()}{HISTORY_CODE_SUFFIX}{campaign.pk}"
    found = DiscountCode.objects.filter(code=code).first()
    return found or campaign_services.discount_code_create_named(
        campaign=campaign, code=code, max_redemptions=100_000, per_customer_limit=1
    )


def _lessons(course_ids) -> dict[int, list[int]]:
    lessons: dict[int, list[int]] = defaultdict(list)
    for course_id, lesson_id in (
        Lesson.objects.filter(section__course_id__in=course_ids)
        .order_by("section__position", "position", "id")
        .values_list("section__course_id", "id")
    ):
        lessons[course_id].append(lesson_id)
    return lessons


def run(*, rng: random.Random, options: dict, stdout) -> None:
    days_back = options.get("history_days", 60)
    scale = options.get("history_scale", 1.0)
    if days_back <= 0 or scale <= 0:
        return
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(days_back, 0, -1)]
    # A campaign's history ends with its spend entries: one with this note means it is done.
    campaigns = list(
        Campaign.objects.filter(status=Campaign.Status.RUNNING, partner__slug__in=list(AUDIENCES))
        .exclude(pk__in=SpendEntry.objects.filter(note=SPEND_NOTE).values("campaign_id"))
        .select_related("partner")
        .order_by("pk")
    )
    written = orders = 0
    with explicit_created_at(*WRITTEN_MODELS):
        for campaign in campaigns:
            if not campaign.variants.exists():
                continue
            history = History(
                campaign=campaign,
                rng=random.Random(f"{options['seed']}:history:{campaign.slug}"),
                days=days,
                scale=scale,
            )
            if not history.courses:
                continue
            history.lessons = _lessons(list(history.courses))
            code = _history_code(campaign)
            started = time.monotonic()
            history.plan_days(code)
            planned = time.monotonic()
            written += history.write()
            orders += len(history.plan.orders)
            if options.get("verbosity", 1) > 1:
                stdout.write(
                    f"    {campaign.slug}: planned {len(history.plan.orders)} orders, "
                    f"{len(history.plan.touches)} touches in {planned - started:.1f}s, "
                    f"written in {time.monotonic() - planned:.1f}s"
                )
            DiscountCode.objects.filter(pk=code.pk).update(
                redemptions_count=CodeRedemption.objects.filter(
                    code=code, status=CodeRedemption.Status.CONFIRMED
                ).count()
            )
    if not written:
        return
    started = time.monotonic()
    course_recount_counters()
    for day in days:
        campaign_metrics_compute(day=day)
    if options.get("verbosity", 1) > 1:
        stdout.write(f"    nightly metrics of {len(days)} days: {time.monotonic() - started:.1f}s")
    for campaign in campaigns:
        variant_weights_update(campaign=campaign, rng=np.random.default_rng(options["seed"]))
    stdout.write(
        f"Campaign history: {orders} orders, {written} visits and clicks over {days_back} days; "
        "nightly metrics computed"
    )
