"""Checkout: turn items (or the cart) into an order and charge it, in one transaction."""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation

from core.money import round_money
from courses.models import Course, Enrollment, LiveSession, Price
from courses.services import live_session_reserve_seat

from ..discounts import DiscountLine, discount_quote, discount_redeem
from ..exceptions import (
    AlreadyEnrolled,
    CourseNotAvailable,
    CurrencyNotAvailable,
    DuplicateItem,
    EmptyCart,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    LiveSessionNotAvailable,
    LiveSessionRequired,
    PaymentDeclined,
    TooManyItems,
)
from ..models import CartLine, IdempotencyKey, Order, OrderLine, Payment
from ..payments import get_provider
from .payments import order_mark_failed, order_mark_paid

logger = logging.getLogger(__name__)

MAX_ITEMS = 20
ZERO = Decimal("0")


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool


def seat_hold_minutes() -> int:
    return int(getattr(settings, "COMMERCE_SEAT_HOLD_MINUTES", 15))


def _normalize_items(items: list[dict]) -> list[tuple[str, int | None]]:
    """Items arrive checked for shape by the serializer or the form."""
    normalized = []
    for item in items:
        slug = str(item.get("course") or "").strip()
        session = item.get("live_session")
        normalized.append((slug, int(session) if session not in (None, "") else None))
    return normalized


def checkout_request_hash(
    *, items: list[dict] | None, currency: str, discount_code: str, payment: dict
) -> str:
    """A fingerprint of what was asked, to tell a retry from a different request that
    reuses the same Idempotency-Key."""
    body = {
        "items": None if items is None else [list(item) for item in _normalize_items(items)],
        "currency": currency,
        "discount_code": discount_code or "",
        "payment": {"provider": payment.get("provider") or "", "token": payment.get("token") or ""},
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _validate_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidIdempotencyKey()
    return key


def _items_from_cart(*, user) -> list[dict]:
    return [
        {"course": slug, "live_session": session_id}
        for slug, session_id in CartLine.objects.filter(cart__user=user)
        .order_by("created_at", "id")
        .values_list("course__slug", "live_session_id")
    ]


@dataclass
class _PricedLine:
    course: Course
    live_session: LiveSession | None
    unit_price: Decimal


def _price_items(*, user, items: list[tuple[str, int | None]], currency: str) -> list[_PricedLine]:
    if not items:
        raise EmptyCart()
    if len(items) > MAX_ITEMS:
        raise TooManyItems()
    slugs = [slug for slug, _session in items]
    if len(set(slugs)) != len(slugs):
        raise DuplicateItem()
    if currency not in settings.CURRENCIES:
        raise CurrencyNotAvailable()

    courses = {
        course.slug: course
        for course in Course.objects.filter(slug__in=slugs, is_published=True).select_related("instructor")
    }
    prices = dict(
        Price.objects.filter(course__in=courses.values(), currency=currency).values_list(
            "course_id", "amount"
        )
    )
    session_ids = [session for _slug, session in items if session is not None]
    sessions = LiveSession.objects.in_bulk(session_ids)
    owned = set(
        Enrollment.objects.filter(user=user, course__in=courses.values(), is_active=True).values_list(
            "course_id", flat=True
        )
    )
    now = timezone.now()
    priced = []
    for slug, session_id in items:
        course = courses.get(slug)
        if course is None:
            raise CourseNotAvailable()
        session = None
        if session_id is not None:
            session = sessions.get(session_id)
            if session is None or session.course_id != course.pk or session.starts_at <= now:
                raise LiveSessionNotAvailable()
        elif course.format == Course.Format.LIVE:
            raise LiveSessionRequired()
        if course.pk in owned:
            raise AlreadyEnrolled()
        if course.pk not in prices:
            raise CurrencyNotAvailable()
        priced.append(_PricedLine(course=course, live_session=session, unit_price=prices[course.pk]))
    return priced


def _reserve_seats(*, lines: list[_PricedLine]) -> None:
    """Lock the sessions in primary-key order (two carts with the same sessions cannot
    deadlock), then take each seat with the conditional UPDATE of the courses app, which
    raises ``sold_out`` instead of ever passing the capacity."""
    session_ids = sorted({line.live_session.pk for line in lines if line.live_session})
    if not session_ids:
        return
    list(LiveSession.objects.select_for_update().filter(pk__in=session_ids).order_by("pk").values("pk"))
    for session_id in session_ids:
        live_session_reserve_seat(session_id=session_id)


def order_checkout(
    *,
    user,
    items: list[dict] | None,
    currency: str,
    discount_code: str = "",
    payment: dict | None = None,
    idempotency_key: str | None = None,
    visitor_id: str = "",
) -> CheckoutResult:
    """Validate, hold live seats, create the order, redeem the code and charge it, all in
    one transaction: a provider error rolls everything back, so no half-written order is
    left. A declined payment is kept as a ``failed`` order (seats and code released) and
    then raises ``payment_declined``. Repeating the same Idempotency-Key with the same
    request returns the first order (``created=False``) without charging again."""
    payment = payment or {}
    idempotency_key = _validate_idempotency_key(idempotency_key)
    currency = (currency or "").upper()
    discount_code = (discount_code or "").strip()
    request_hash = checkout_request_hash(
        items=items, currency=currency, discount_code=discount_code, payment=payment
    )
    provider = get_provider(payment.get("provider"))

    with transaction.atomic():
        # One checkout per learner at a time: "already enrolled" and the idempotency
        # record are then decided on committed data.
        get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk").first()
        record = None
        if idempotency_key:
            record, created = IdempotencyKey.objects.get_or_create(
                user=user, key=idempotency_key, defaults={"request_hash": request_hash}
            )
            if not created:
                if record.request_hash != request_hash:
                    raise IdempotencyKeyReused()
                if record.order_id:
                    order = Order.objects.get(pk=record.order_id)
                    declined = order.status == Order.Status.FAILED
                    result = CheckoutResult(order=order, created=False)
                    # The replay wrote nothing, so raising inside the block loses nothing.
                    return _finish(result, declined=declined)

        items_from_cart = items is None
        raw_items = _items_from_cart(user=user) if items_from_cart else items
        priced = _price_items(user=user, items=_normalize_items(raw_items), currency=currency)

        quote = discount_quote(
            code=discount_code,
            user=user,
            lines=[DiscountLine(course_id=line.course.pk, unit_price=line.unit_price) for line in priced],
            currency=currency,
            visitor_id=visitor_id,  # campaigns integration: the control group gets no discount
        )
        _reserve_seats(lines=priced)

        now = timezone.now()
        hold_until = now + timedelta(minutes=seat_hold_minutes())
        line_discounts = [
            round_money(min(d, line.unit_price), currency)
            for d, line in zip(quote.line_discounts, priced, strict=True)
        ]
        subtotal = sum((line.unit_price for line in priced), ZERO)
        discount = sum(line_discounts, ZERO)
        order = Order.objects.create(
            user=user,
            currency=currency,
            subtotal=subtotal,
            discount=discount,
            total=subtotal - discount,
            language=_learner_language(user),
            discount_code=discount_code,
            visitor_id=(visitor_id or "")[:64],
            provider=provider.name,
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    course=line.course,
                    live_session=line.live_session,
                    currency=currency,
                    unit_price=line.unit_price,
                    discount=line_discount,
                    total=line.unit_price - line_discount,
                    seat=OrderLine.Seat.HELD if line.live_session else OrderLine.Seat.NONE,
                    seat_hold_expires_at=hold_until if line.live_session else None,
                )
                for line, line_discount in zip(priced, line_discounts, strict=True)
            ]
        )
        discount_redeem(quote=quote, user=user, order=order)
        if record is not None:
            record.order = order
            record.save(update_fields=["order", "updated_at"])

        declined = False
        if order.total == 0:
            order = order_mark_paid(order=order)
        else:
            charge = provider.charge(
                amount=order.total,
                currency=currency,
                token=str(payment.get("token") or ""),
                order_number=str(order.number),
                idempotency_key=idempotency_key or str(order.number),
            )
            Payment.objects.create(
                order=order,
                provider=provider.name,
                reference=charge.reference,
                amount=order.total,
                currency=currency,
                status={"succeeded": Payment.Status.SUCCEEDED, "pending": Payment.Status.PENDING}.get(
                    charge.status, Payment.Status.FAILED
                ),
                failure_code=charge.failure_code,
            )
            order.payment_reference = charge.reference
            order.save(update_fields=["payment_reference", "updated_at"])
            if charge.status == "succeeded":
                order = order_mark_paid(order=order)
            elif charge.status == "declined":
                order = order_mark_failed(order=order)
                declined = True
        if items_from_cart and not declined:
            CartLine.objects.filter(cart__user=user, course__in=[line.course for line in priced]).delete()
    return _finish(CheckoutResult(order=order, created=True), declined=declined)


def _finish(result: CheckoutResult, *, declined: bool) -> CheckoutResult:
    """Raised only after the failed order has been committed (or replayed)."""
    if declined:
        raise PaymentDeclined(extra={"order": str(result.order.number)})
    return result


def _learner_language(user) -> str:
    # A missing profile raises RelatedObjectDoesNotExist, an AttributeError.
    profile = getattr(user, "profile", None)
    language = getattr(profile, "preferred_language", "") if profile is not None else ""
    return language or translation.get_language() or settings.LANGUAGE_CODE
