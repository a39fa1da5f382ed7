"""Checkout: turn items (or the cart) into an order, then charge it outside any transaction.

LOCK_ORDER, the one order in which every money path takes row locks (a path may skip
steps, never go back up): learner (``accounts_user``) -> idempotency record -> order ->
live sessions (by primary key) -> discount code -> code redemption -> refund. A sale
locks no course row: its learner-count change is a row of its own, folded into the course
every minute (``course_enrollment_counts_add``). The campaign row is never locked by a
sale (the code's row alone is, ``FOR NO KEY UPDATE OF``), so coded checkouts of one
campaign do not queue behind each other; no lock is ever held while a
payment provider is called; and the row locks are ``FOR NO KEY UPDATE``, which leave other
transactions' deferred foreign-key checks alone (``core.rawsql.row_lock``)."""

import hashlib
import json
import logging
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone, translation

from accounts.models import LearnerProfile
from campaigns import services as campaign_services
from core.caching import user_namespace_bump
from core.gate import PriorityGate
from core.money import round_money
from core.rawsql import RowShape, deferred_writes, insert_family, row_lock, update
from courses.models import Course, Enrollment, LiveSession, Price
from courses.services import live_session_reserve_seat
from plans.models import Bundle, Plan, PlanPrice
from plans.services import bundle_for_sale, bundle_line_prices, plan_for_sale

from ..discounts import DiscountLine, discount_quote, discount_redeem
from ..exceptions import (
    AlreadyEnrolled,
    AlreadySubscribed,
    CheckoutExpired,
    CourseNotAvailable,
    CurrencyNotAvailable,
    DuplicateItem,
    EmptyCart,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    LiveSessionNotAvailable,
    LiveSessionRequired,
    PaymentDeclined,
    PaymentOutcomeUnknown,
    PaymentProviderError,
    PaymentProviderNotAvailable,
    TooManyItems,
)
from ..models import CartLine, IdempotencyKey, Order, OrderLine, Payment, Subscription
from ..payments import ChargeResult, get_provider
from .customers import order_saves_method, provider_customer_for
from .payments import order_mark_failed, order_mark_paid, order_settle_charge
from .renewal_modes import LIVE, subscription_renewable_now

logger = logging.getLogger(__name__)

MAX_ITEMS = 20
PROVIDER_ERROR = "provider_error"
ZERO = Decimal("0")


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool


_gates: dict[int, PriorityGate] = {}


def _database_phase(arrived: float) -> AbstractContextManager:
    """One of the checkout's transactions, behind this process's gate of
    COMMERCE_CHECKOUT_SLOTS (core/gate.py). The oldest checkout goes first
    (``arrived``: when it began, ``time.monotonic()``), so an order already charged is
    settled before a new one is opened, and the checkouts in flight finish in the order they
    came. A caller already inside a transaction may hold rows a thread in the gate waits
    for: it goes straight in."""
    slots = int(getattr(settings, "COMMERCE_CHECKOUT_SLOTS", 0))
    if slots <= 0 or connections[router.db_for_write(Order)].in_atomic_block:
        return nullcontext()
    gate = _gates.get(slots) or _gates.setdefault(slots, PriorityGate(slots, name="checkout gate"))
    return gate.held(arrived)


def seat_hold_minutes() -> int:
    return int(getattr(settings, "COMMERCE_SEAT_HOLD_MINUTES", 15))


# Bundles and plans ride in the same (slug, session) pairs as courses, as "bundle:<slug>"
# and "plan:<slug>": a slug never holds a colon, and a course item keeps the fingerprint
# it always had (idempotency records made before bundles existed still match).
PRODUCT_KINDS = ("bundle", "plan")


def _normalize_items(items: list[dict]) -> list[tuple[str, int | None]]:
    """Items arrive checked for shape by the serializer or the form."""
    normalized = []
    for item in items:
        product = next((kind for kind in PRODUCT_KINDS if item.get(kind)), None)
        if product is not None:
            normalized.append((f"{product}:{str(item.get(product)).strip()}", None))
            continue
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
    course: Course | None
    live_session: LiveSession | None
    unit_price: Decimal
    bundle: Bundle | None = None
    plan: Plan | None = None

    @property
    def product(self) -> str:
        """What a campaign discounts this line as: the bundle or plan it belongs to, or
        its course (the empty key)."""
        if self.plan is not None:
            return f"plan:{self.plan.pk}"
        return f"bundle:{self.bundle.pk}" if self.bundle is not None else ""


def _price_products(*, user, keys: list[str], currency: str) -> list[_PricedLine]:
    """Bundles become one line per course at its part of the bundle price; a plan is one
    line without a course."""
    priced = []
    for key in keys:
        kind, _sep, slug = key.partition(":")
        if kind == "plan":
            plan = plan_for_sale(slug=slug)
            price = (
                PlanPrice.objects.filter(plan=plan, currency=currency)
                .values_list("amount", flat=True)
                .first()
            )
            if price is None:
                raise CurrencyNotAvailable()
            live = Subscription.objects.filter(user=user, plan=plan, status__in=LIVE).first()
            # A membership the learner renews by paying again is bought again to renew it
            # (its next period is added to it when paid); any other live one is refused.
            if live is not None and not subscription_renewable_now(subscription=live):
                raise AlreadySubscribed()
            priced.append(_PricedLine(course=None, live_session=None, unit_price=price, plan=plan))
        else:
            bundle = bundle_for_sale(slug=slug)
            parts = bundle_line_prices(bundle=bundle, currency=currency)
            if any(course.format == Course.Format.LIVE for course, _part in parts):
                raise LiveSessionRequired()
            priced.extend(
                _PricedLine(course=course, live_session=None, unit_price=part, bundle=bundle)
                for course, part in parts
            )
    return priced


def _price_items(*, user, items: list[tuple[str, int | None]], currency: str) -> list[_PricedLine]:
    if not items:
        raise EmptyCart()
    if len(items) > MAX_ITEMS:
        raise TooManyItems()
    if len({slug for slug, _session in items}) != len(items):
        raise DuplicateItem()
    if currency not in settings.CURRENCIES:
        raise CurrencyNotAvailable()
    product_keys = [slug for slug, _session in items if ":" in slug]
    items = [(slug, session) for slug, session in items if ":" not in slug]
    slugs = [slug for slug, _session in items]
    products = _price_products(user=user, keys=product_keys, currency=currency)
    bundled = [line.course for line in products if line.course is not None]
    if len({course.slug for course in bundled} | set(slugs)) != len(bundled) + len(slugs):
        raise DuplicateItem()  # a course alone and in a bundle, or in two bundles

    for_sale = _courses_for_sale(user=user, slugs=slugs, currency=currency)
    courses = {course.slug: course for course, _price, _owned in for_sale}
    prices = {course.pk: price for course, price, _owned in for_sale if price is not None}
    owned = {course.pk for course, _price, is_owned in for_sale if is_owned}
    session_ids = [session for _slug, session in items if session is not None]
    sessions = LiveSession.objects.in_bulk(session_ids) if session_ids else {}
    if bundled:
        owned |= set(
            Enrollment.objects.filter(user=user, course__in=bundled, is_active=True).values_list(
                "course_id", flat=True
            )
        )
    if any(course.pk in owned for course in bundled):
        raise AlreadyEnrolled()
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
    return priced + products


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


# Phase 1's reads of every checkout are hand-written statements: through the ORM they cost
# several times the statements in Python (see ``core.rawsql``).
_IDEMPOTENCY = RowShape(IdempotencyKey, "k")
_PRICED_COURSE = RowShape(Course, "c", ("id", "slug", "format"))
_PRICE = RowShape(Price, "p", ("amount",))


def _lock_learner(*, user_id: int) -> str | None:
    """Lock the learner's row (see LOCK_ORDER) and read the language orders are written in."""
    connection = connections[router.db_for_write(LearnerProfile)]
    lock = row_lock(connection, "u")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT p.preferred_language FROM {LearnerProfile._meta.db_table} p"
            f" WHERE p.user_id = u.id ORDER BY p.id LIMIT 1) FROM {get_user_model()._meta.db_table} u"
            f" WHERE u.id = %s{lock}",
            [user_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _idempotency_record(*, user_id: int, key: str) -> IdempotencyKey | None:
    return _IDEMPOTENCY.fetch_one("k.user_id = %s AND k.key = %s", [user_id, key])


def _courses_for_sale(*, user, slugs: list[str], currency: str) -> list[tuple[Course, Decimal | None, bool]]:
    """The published courses of ``slugs``, each with its price in ``currency`` (None when
    it has none) and whether the learner owns it already: one statement."""
    if not slugs:
        return []
    marks = ", ".join(["%s"] * len(slugs))
    with connections[_PRICED_COURSE.db].cursor() as cursor:
        cursor.execute(
            f"SELECT {_PRICED_COURSE.columns},"
            f" (SELECT p.amount FROM {Price._meta.db_table} p WHERE p.course_id = c.id AND p.currency = %s),"
            f" EXISTS (SELECT 1 FROM {Enrollment._meta.db_table} e"
            "  WHERE e.course_id = c.id AND e.user_id = %s AND e.is_active)"
            f" FROM {Course._meta.db_table} c WHERE c.is_published AND c.slug IN ({marks})",
            [currency, user.pk, *slugs],
        )
        rows = cursor.fetchall()
    width = len(_PRICED_COURSE)
    return [(_PRICED_COURSE.build(row), _PRICE.values(row, width)[0], bool(row[width + 1])) for row in rows]


@dataclass(frozen=True)
class _Opened:
    order: Order
    created: bool
    items_from_cart: bool
    course_ids: list[int]
    payment: Payment | None = None


def _checkout_open(
    *,
    user,
    items: list[dict] | None,
    currency: str,
    discount_code: str,
    payment: dict,
    provider_name: str,
    idempotency_key: str | None,
    visitor_id: str,
) -> _Opened:
    """Phase 1, one short transaction: the pending order with its seats held and its code
    reserved, committed before any provider is called. Lock order (see LOCK_ORDER):
    learner, idempotency record, live sessions, then the discount code row alone."""
    with transaction.atomic():
        # One checkout per learner at a time: "already enrolled" and the idempotency
        # record are then decided on committed data. Other learners are not affected.
        # The learner's language comes with the lock (the order is written in it).
        language = _lock_learner(user_id=user.pk)
        items_from_cart = items is None
        raw_items = _items_from_cart(user=user) if items_from_cart else items
        normalized = _normalize_items(raw_items)
        if idempotency_key:
            key = idempotency_key
            request_hash = checkout_request_hash(
                items=items, currency=currency, discount_code=discount_code, payment=payment
            )
        else:
            # No Idempotency-Key: the request itself is the key (what is bought, with what
            # code and payment method), so a client that retries after a timeout finds the
            # order of its first attempt instead of paying twice. A learner cannot buy the
            # same course twice anyway; after a decline or a refund a new order is made.
            request_hash = checkout_request_hash(
                items=[{"course": slug, "live_session": session} for slug, session in normalized],
                currency=currency,
                discount_code=discount_code,
                payment=payment,
            )
            key = f"auto:{request_hash}"
        # The learner's row is locked: nobody else can write this learner's record now, so
        # a plain read then insert (no get_or_create savepoint) is safe.
        record = _idempotency_record(user_id=user.pk, key=key)
        created = record is None
        if created:
            record = IdempotencyKey(user=user, key=key, request_hash=request_hash)
        else:
            if record.request_hash != request_hash:
                raise IdempotencyKeyReused()
            previous = Order.objects.filter(pk=record.order_id).first() if record.order_id else None
            replay = previous is not None and (
                previous.status in (Order.Status.PENDING, Order.Status.PAID)
                or (
                    # A decline is replayed to a client that repeats its key; an order
                    # failed because the provider refused the request is not a decline.
                    idempotency_key is not None
                    and not previous.payments.filter(failure_code=PROVIDER_ERROR).exists()
                )
            )
            if replay:
                return _Opened(order=previous, created=False, items_from_cart=items_from_cart, course_ids=[])

        priced = _price_items(user=user, items=normalized, currency=currency)
        # Seats first, then the code: the quote locks the code row (LOCK_ORDER), and the
        # redemption below uses that row instead of reading the code again.
        _reserve_seats(lines=priced)
        quote = discount_quote(
            code=discount_code,
            user=user,
            lines=[
                DiscountLine(
                    course_id=line.course.pk if line.course else None,
                    unit_price=line.unit_price,
                    product=line.product,
                )
                for line in priced
            ],
            currency=currency,
            visitor_id=visitor_id,  # campaigns integration: the control group gets no discount
            lock=True,
        )

        now = timezone.now()
        hold_until = now + timedelta(minutes=seat_hold_minutes())
        line_discounts = [
            round_money(min(d, line.unit_price), currency)
            for d, line in zip(quote.line_discounts, priced, strict=True)
        ]
        subtotal = sum((line.unit_price for line in priced), ZERO)
        discount = sum(line_discounts, ZERO)
        order = Order(
            user=user,
            currency=currency,
            subtotal=subtotal,
            discount=discount,
            total=subtotal - discount,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
            discount_code=discount_code,
            visitor_id=(visitor_id or "")[:64],
            provider=provider_name,
            # Renewals of a plan are charged with the method of its first payment.
            payment_method=str(payment.get("token") or "")[:128] if any(line.plan for line in priced) else "",
        )
        lines = [
            OrderLine(
                course=line.course,
                live_session=line.live_session,
                bundle=line.bundle,
                plan=line.plan,
                currency=currency,
                unit_price=line.unit_price,
                discount=line_discount,
                total=line.unit_price - line_discount,
                seat=OrderLine.Seat.HELD if line.live_session else OrderLine.Seat.NONE,
                seat_hold_expires_at=hold_until if line.live_session else None,
            )
            for line, line_discount in zip(priced, line_discounts, strict=True)
        ]
        payment = None
        if order.total > 0:
            payment = Payment(
                provider=provider_name,
                amount=order.total,
                currency=currency,
                idempotency_key=payment_idempotency_key(order),
            )
        # The order, its lines, a new idempotency record and the pending payment are one
        # statement on PostgreSQL (``core.rawsql.insert_family``), skipping the ORM's compiler
        # as every write a checkout makes does (see ``core.rawsql``); the code's use and
        # reservation go out together at the end (``deferred_writes``).
        insert_family(
            order,
            [
                ("order", lines),
                ("order", [record] if created else []),
                ("order", [payment] if payment else []),
            ],
        )
        with deferred_writes(router.db_for_write(Order)):
            discount_redeem(quote=quote, user=user, order=order, new_order=True)
            if not created:
                record.order = order
                update(record, ["order", "updated_at"])
            if order.total == 0:
                order = order_mark_paid(order=order)
    return _Opened(
        order=order,
        created=True,
        items_from_cart=items_from_cart,
        course_ids=[line.course.pk for line in priced if line.course is not None],
        payment=payment,
    )


def payment_idempotency_key(order: Order) -> str:
    """The provider's key for this order's charge. Derived from the order, which every
    retry of the same request finds again (Idempotency-Key or the request itself), so a
    retry, a second click and the reconciler all name the same charge."""
    return f"order-{order.number}"


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
    """Two phases, so no row lock is held while the provider is asked:

    1. one short transaction commits the pending order (seats held, code reserved);
    2. the provider is called outside any transaction with the order's idempotency key;
    3. one short transaction marks the order paid (enrolled, ledger, receipt in the
       outbox) or failed (seats and code released).

    A declined payment raises ``payment_declined`` (402) after the failed order is
    committed. When the provider cannot tell (timeout, 5xx) the order stays pending and
    ``payment_outcome_unknown`` (502) is raised: the same request again asks the provider
    again with the same key (no second charge), and the reconciler settles what nobody
    retries. Repeating a request returns its first order (``created=False``)."""
    arrived = time.monotonic()
    payment = payment or {}
    idempotency_key = _validate_idempotency_key(idempotency_key)
    currency = (currency or "").upper()
    discount_code = (discount_code or "").strip()
    provider = get_provider(payment.get("provider"))
    # The campaign reads (variant, control group, attribution) see the touches buffered
    # until now: one Redis check for the whole checkout.
    with campaign_services.touch_buffer_flushed_once():
        with _database_phase(arrived):
            opened = _checkout_open(
                user=user,
                items=items,
                currency=currency,
                discount_code=discount_code,
                payment=payment,
                provider_name=provider.name,
                idempotency_key=idempotency_key,
                visitor_id=visitor_id,
            )
        order = opened.order
        if order.status == Order.Status.PENDING and order.total > 0:
            order = _charge(
                order=order,
                provider=provider,
                token=str(payment.get("token") or ""),
                payment=opened.payment,
                arrived=arrived,
            )
    if order.status == Order.Status.CANCELLED:
        raise CheckoutExpired(extra={"order": str(order.number)})
    declined = order.status == Order.Status.FAILED
    if opened.created and opened.items_from_cart and not declined:
        CartLine.objects.filter(cart__user=user, course_id__in=opened.course_ids).delete()
        user_namespace_bump(user.pk)  # the header's cart count on the learner's cached pages
    return _finish(CheckoutResult(order=order, created=opened.created), declined=declined)


def _provider_refused(order: Order) -> None:
    """The provider refused the request itself (4xx): nothing was charged, so the order
    fails, marked as refused rather than declined (a retry with its key asks again)."""
    Payment.objects.filter(order=order, status=Payment.Status.PENDING).update(failure_code=PROVIDER_ERROR)
    order_mark_failed(order=order)


def _order_customer(*, order: Order, provider) -> str:
    """The learner's customer at ``provider`` for a first payment that saves its method,
    made outside any transaction. Unknown outcome: the order stays pending and the same
    request asks again with the same learner key (one customer). Refused: asked before any
    charge, so nothing was taken and the order fails."""
    try:
        return provider_customer_for(user=order.user, provider=provider)
    except PaymentOutcomeUnknown as exc:
        exc.extra = {**exc.extra, "order": str(order.number)}
        raise
    except PaymentProviderError:
        _provider_refused(order)
        raise


def _charge(
    *,
    order: Order,
    provider,
    token: str,
    payment: Payment | None = None,
    customer: str = "",
    off_session: bool = False,
    arrived: float | None = None,
) -> Order:
    """Phase 2 and 3: ask the provider (no transaction open) and settle the answer.
    ``off_session``: a renewal, charged to the method saved on ``customer``. ``arrived``:
    when the checkout began, its turn at the gate (now, for a renewal)."""
    payment = payment or order.payments.order_by("-id").first()
    key = payment.idempotency_key if payment and payment.idempotency_key else payment_idempotency_key(order)
    save_method = not off_session and order_saves_method(order=order, provider=provider)
    if save_method:
        customer = _order_customer(order=order, provider=provider)
    try:
        charge = provider.charge(
            amount=order.total,
            currency=order.currency,
            token=token,
            order_number=str(order.number),
            idempotency_key=key,
            customer=customer,
            save_method=save_method,
            off_session=off_session,
        )
    except PaymentOutcomeUnknown as exc:
        logger.warning("provider outcome unknown for order %s; left pending for a retry", order.number)
        exc.extra = {**exc.extra, "order": str(order.number)}
        raise
    except PaymentProviderError:
        # The provider refused the request itself: nothing was charged.
        _provider_refused(order)
        raise
    with _database_phase(time.monotonic() if arrived is None else arrived):
        return order_settle_charge(order=order, result=charge)


def _finish(result: CheckoutResult, *, declined: bool) -> CheckoutResult:
    """Raised only after the failed order has been committed (or replayed)."""
    if declined:
        raise PaymentDeclined(extra={"order": str(result.order.number)})
    return result


@dataclass(frozen=True)
class RedirectCheckout:
    order: Order
    # Where to send the browser: the provider's payment page, or None when the order
    # needs no payment page (free, or already paid or failed on a replay).
    url: str | None
    # "redirect" (open ``url``), "qr" (show ``url`` as a QR code: WeChat Pay Native) or
    # "jsapi" (pay in WeChat's browser with ``params``; ``url`` is empty).
    kind: str = "redirect"
    created: bool = True
    params: dict | None = None


def order_checkout_redirect(
    *,
    user,
    currency: str,
    discount_code: str = "",
    idempotency_key: str | None = None,
    visitor_id: str = "",
    return_urls,
    provider_name: str | None = None,
    channel: str = "",
    client_ip: str = "",
    items: list[dict] | None = None,
    payer: str = "",
) -> RedirectCheckout:
    """The browser checkout with a hosted payment page (Stripe Checkout): the cart
    becomes a pending order (phase 1, as in ``order_checkout``), then the provider makes
    a payment page for it outside any transaction, with the order's idempotency key
    (submitting the form again returns the same page). The webhook, the return to
    ``success`` or the reconciler marks the order paid. ``return_urls(order_number)``
    gives ``(success_url, cancel_url)``. ``provider_name`` and ``channel`` pick one of
    the learner's payment choices (``payment_choices``); the default provider otherwise.
    ``payer``: the learner's id at the provider for channels that pay as a known payer
    (WeChat Pay JSAPI: the openid of the learner's WeChat sign-in)."""
    provider = get_provider(provider_name)
    if not provider.supports_redirect:
        raise PaymentProviderNotAvailable()
    if provider.channels and channel not in provider.channels.values():
        channel = provider.channels["desktop"]
    if channel == provider.channels.get("wechat") and not payer:
        # JSAPI pays as a known payer (the openid of a WeChat sign-in): without one, the
        # phone's channel, as in any other browser.
        channel = provider.channels["mobile"]
    if provider.currencies and (currency or "").upper() not in provider.currencies:
        raise CurrencyNotAvailable()
    idempotency_key = _validate_idempotency_key(idempotency_key)
    currency = (currency or "").upper()
    discount_code = (discount_code or "").strip()
    with _database_phase(time.monotonic()):
        opened = _checkout_open(
            user=user,
            items=items,
            currency=currency,
            discount_code=discount_code,
            payment={"provider": provider.name, "token": channel},
            provider_name=provider.name,
            idempotency_key=idempotency_key,
            visitor_id=visitor_id,
        )
    order = opened.order
    if order.status == Order.Status.CANCELLED:
        raise CheckoutExpired(extra={"order": str(order.number)})
    if order.status != Order.Status.PENDING or order.total == 0:
        return RedirectCheckout(order=order, url=None, created=opened.created)
    payment = order.payments.order_by("-id").first()
    success_url, cancel_url = return_urls(str(order.number))
    titles = ", ".join(line.title for line in order.lines.select_related("course", "plan"))
    saving = {}
    if order_saves_method(order=order, provider=provider, hosted_page=True):
        # A renewing membership (Stripe): the page saves the card to the learner's
        # Customer, made here outside any transaction, for the off-session renewals.
        saving = {"customer": _order_customer(order=order, provider=provider), "save_method": True}
    try:
        page = provider.create_redirect(
            amount=order.total,
            currency=order.currency,
            order_number=str(order.number),
            description=titles,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=payment.idempotency_key if payment else payment_idempotency_key(order),
            channel=channel,
            client_ip=client_ip,
            payer=payer,
            **saving,
        )
    except PaymentOutcomeUnknown as exc:
        exc.extra = {**exc.extra, "order": str(order.number)}
        raise
    except PaymentProviderError:
        _provider_refused(order)
        raise
    order = order_settle_charge(order=order, result=ChargeResult(status="pending", reference=page.reference))
    return RedirectCheckout(
        order=order, url=page.url, kind=page.kind, created=opened.created, params=page.params or None
    )
