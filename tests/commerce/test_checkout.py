from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail

from commerce.exceptions import (
    AlreadyEnrolled,
    CourseNotAvailable,
    CurrencyNotAvailable,
    DiscountCodeInvalid,
    DuplicateItem,
    EmptyCart,
    IdempotencyKeyReused,
    LiveSessionRequired,
    PaymentDeclined,
    PaymentOutcomeUnknown,
    PaymentProviderError,
    PaymentProviderNotAvailable,
)
from commerce.ledger import order_ledger_total
from commerce.models import IdempotencyKey, LedgerEntry, Order, OrderLine, Payment
from commerce.services import cart_add, order_checkout
from courses.exceptions import SoldOut
from courses.models import Enrollment, LiveSession
from tests.factories import CourseFactory, LearnerProfileFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAY = {"provider": "sandbox", "token": "tok_success"}


def checkout(user, items, currency="USD", payment=PAY, key=None, **kwargs):
    return order_checkout(
        user=user, items=items, currency=currency, payment=payment, idempotency_key=key, **kwargs
    )


def test_paid_checkout_enrolls_writes_ledger_and_sends_receipt(
    learner, course, django_capture_on_commit_callbacks
):
    # given a learner and a 29.00 USD course
    # when they pay with the sandbox
    with django_capture_on_commit_callbacks(execute=True):
        result = checkout(learner, [{"course": course.slug}], visitor_id="vid-1")

    # then the order is paid with exact amounts, the learner is enrolled, the ledger adds up
    order = result.order
    assert result.created is True
    assert (order.status, order.currency, order.subtotal, order.discount, order.total) == (
        "paid",
        "USD",
        Decimal("29.00"),
        Decimal("0.00"),
        Decimal("29.00"),
    )
    assert order.visitor_id == "vid-1"
    assert order.paid_at is not None
    assert Enrollment.objects.filter(user=learner, course=course, is_active=True).count() == 1
    assert Payment.objects.get(order=order).status == "succeeded"
    entries = dict(LedgerEntry.objects.filter(order=order).values_list("party", "amount"))
    assert entries == {f"instructor:{course.instructor_id}": Decimal("8.70"), "platform": Decimal("20.30")}
    assert order_ledger_total(order=order) == order.total
    assert len(mail.outbox) == 1
    assert str(order.number) in mail.outbox[0].body
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_receipt_is_in_the_learners_preferred_language(course, django_capture_on_commit_callbacks):
    profile = LearnerProfileFactory(preferred_language="ja", user=UserFactory(username="taro"))
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout(profile.user, [{"course": course.slug}], currency="JPY").order
    assert order.language == "ja"
    assert order.total == Decimal("4200")
    assert "コース" in mail.outbox[0].body  # the course title in Japanese
    assert "￥4,200" in mail.outbox[0].body  # whole yen, CLDR's Japanese yen sign
    # the subject and the HTML part are in Japanese too, not only the text part
    assert str(order.number) in mail.outbox[0].subject
    assert "Zhiqiao receipt" not in mail.outbox[0].subject
    html, mimetype = mail.outbox[0].alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="ja" dir="ltr">' in html
    assert "領収書" in html
    assert "お支払い合計" in html
    assert "￥4,200" in html


def test_free_course_enrolls_at_once_without_payment(learner):
    free = CourseFactory(prices={"USD": Decimal("0.00")})
    order = checkout(learner, [{"course": free.slug}], payment={}).order
    assert order.status == "paid"
    assert order.total == Decimal("0.00")
    assert not Payment.objects.filter(order=order).exists()
    assert not LedgerEntry.objects.filter(order=order).exists()
    assert Enrollment.objects.get(user=learner, course=free).source == "free"


def test_declined_payment_keeps_failed_order_without_enrollment_or_ledger(learner, live_session):
    course = live_session.course
    with pytest.raises(PaymentDeclined) as exc:
        checkout(
            learner,
            [{"course": course.slug, "live_session": live_session.pk}],
            payment={"provider": "sandbox", "token": "tok_decline"},
        )
    order = Order.objects.get(user=learner)
    assert exc.value.extra == {"order": str(order.number)}
    assert exc.value.status_code == 402
    assert order.status == "failed"
    assert not Enrollment.objects.filter(user=learner).exists()
    assert not LedgerEntry.objects.exists()
    live_session.refresh_from_db()
    assert live_session.seats_taken == 0
    assert OrderLine.objects.get(order=order).seat == "released"
    assert Payment.objects.get(order=order).status == "failed"


def test_provider_refusal_fails_the_order_and_a_retry_with_the_key_starts_again(learner, live_session):
    # given a provider that refuses the request itself (a 4xx: nothing was charged)
    course = live_session.course
    item = [{"course": course.slug, "live_session": live_session.pk}]
    with (
        mock.patch("commerce.payments.sandbox.SandboxProvider.charge", side_effect=PaymentProviderError()),
        pytest.raises(PaymentProviderError),
    ):
        checkout(learner, item, key="k-1")
    # then the committed order is failed and gave its seat back
    failed = Order.objects.get()
    assert failed.status == "failed"
    assert Payment.objects.get(order=failed).failure_code == "provider_error"
    live_session.refresh_from_db()
    assert live_session.seats_taken == 0
    # and the same request again is a new attempt, not a replayed failure
    order = checkout(learner, item, key="k-1").order
    assert order.pk != failed.pk
    assert order.status == "paid"
    assert IdempotencyKey.objects.get().order_id == order.pk
    live_session.refresh_from_db()
    assert live_session.seats_taken == 1


def test_unknown_provider_outcome_keeps_the_order_pending_for_a_retry(learner, live_session):
    # given a provider that times out (it may or may not have charged)
    course = live_session.course
    item = [{"course": course.slug, "live_session": live_session.pk}]
    with (
        mock.patch("commerce.payments.sandbox.SandboxProvider.charge", side_effect=PaymentOutcomeUnknown()),
        pytest.raises(PaymentOutcomeUnknown) as exc,
    ):
        checkout(learner, item, key="k-1")
    order = Order.objects.get()
    assert exc.value.status_code == 502
    assert exc.value.extra == {"order": str(order.number)}
    # then the order waits with its seat held
    assert (order.status, order.lines.get().seat) == ("pending", "held")
    # and the retry pays the same order, once
    again = checkout(learner, item, key="k-1")
    assert (again.order.pk, again.created, again.order.status) == (order.pk, False, "paid")
    assert Payment.objects.get().status == "succeeded"
    live_session.refresh_from_db()
    assert live_session.seats_taken == 1


def test_pending_payment_holds_the_seat(learner, live_session, settings):
    settings.COMMERCE_SEAT_HOLD_MINUTES = 10
    order = checkout(
        learner,
        [{"course": live_session.course.slug, "live_session": live_session.pk}],
        payment={"provider": "sandbox", "token": "tok_pending"},
    ).order
    line = order.lines.get()
    assert order.status == "pending"
    assert line.seat == "held"
    assert 9 * 60 < (line.seat_hold_expires_at - order.created_at).total_seconds() <= 10 * 60 + 1
    live_session.refresh_from_db()
    assert live_session.seats_taken == 1
    assert not Enrollment.objects.filter(user=learner).exists()


def test_seat_hold_lasts_fifteen_minutes_by_default(learner, live_session, settings):
    # given no COMMERCE_SEAT_HOLD_MINUTES override
    assert settings.COMMERCE_SEAT_HOLD_MINUTES == 15
    del settings.COMMERCE_SEAT_HOLD_MINUTES  # the service's own fallback is 15 as well
    # when a payment stays pending
    order = checkout(
        learner,
        [{"course": live_session.course.slug, "live_session": live_session.pk}],
        payment={"provider": "sandbox", "token": "tok_pending"},
    ).order
    # then the seat is held for 15 minutes
    line = order.lines.get()
    assert 14 * 60 < (line.seat_hold_expires_at - order.created_at).total_seconds() <= 15 * 60 + 1


def test_sold_out_session_refuses_and_writes_nothing(learner):
    session = LiveSessionFactory(capacity=1, seats_taken=1)
    with pytest.raises(SoldOut) as exc:
        checkout(learner, [{"course": session.course.slug, "live_session": session.pk}])
    assert exc.value.code == "sold_out"
    assert Order.objects.count() == 0
    assert LiveSession.objects.get(pk=session.pk).seats_taken == 1


@pytest.mark.parametrize(
    ("items", "currency", "error", "code"),
    [
        ([], "USD", EmptyCart, "empty_cart"),
        ([{"course": "no-such-course"}], "USD", CourseNotAvailable, "course_not_found"),
        ([{"course": "python-101"}], "GBP", CurrencyNotAvailable, "currency_not_available"),
        ([{"course": "python-101"}, {"course": "python-101"}], "USD", DuplicateItem, "duplicate_item"),
    ],
)
def test_bad_checkouts_are_refused_with_codes(learner, course, items, currency, error, code):
    with pytest.raises(error) as exc:
        checkout(learner, items, currency=currency)
    assert exc.value.code == code
    assert Order.objects.count() == 0


def test_unpublished_course_is_not_found(learner):
    hidden = CourseFactory(is_published=False)
    with pytest.raises(CourseNotAvailable):
        checkout(learner, [{"course": hidden.slug}])


def test_course_without_price_in_currency(learner):
    usd_only = CourseFactory(prices={"USD": Decimal("10.00")})
    with pytest.raises(CurrencyNotAvailable):
        checkout(learner, [{"course": usd_only.slug}], currency="JPY")


def test_live_course_needs_a_session(learner, live_session):
    with pytest.raises(LiveSessionRequired):
        checkout(learner, [{"course": live_session.course.slug}])


def test_already_owned_course_is_refused(learner, course):
    checkout(learner, [{"course": course.slug}])
    with pytest.raises(AlreadyEnrolled) as exc:
        checkout(learner, [{"course": course.slug}, {"course": CourseFactory().slug}])
    assert exc.value.status_code == 409
    assert Order.objects.count() == 1


def test_the_same_request_without_a_key_is_a_retry_not_a_second_charge(learner, course):
    # given a paid checkout sent without an Idempotency-Key
    first = checkout(learner, [{"course": course.slug}])
    # when the client sends the very same request again (it never saw the answer)
    again = checkout(learner, [{"course": course.slug}])
    # then it gets the first order back and nothing is charged again
    assert (again.order.pk, again.created) == (first.order.pk, False)
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


def test_unknown_provider_is_refused(learner, course):
    with pytest.raises(PaymentProviderNotAvailable):
        checkout(learner, [{"course": course.slug}], payment={"provider": "stripe", "token": "pm_x"})


def test_discount_code_is_refused_until_campaigns_are_wired(learner, course):
    with pytest.raises(DiscountCodeInvalid) as exc:
        checkout(learner, [{"course": course.slug}], discount_code="SPRING")
    assert exc.value.code == "code_invalid"
    assert Order.objects.count() == 0


def test_same_idempotency_key_returns_same_order(learner, course):
    first = checkout(learner, [{"course": course.slug}], key="abc")
    second = checkout(learner, [{"course": course.slug}], key="abc")
    assert (second.order.pk, second.created) == (first.order.pk, False)
    assert Payment.objects.count() == 1


def test_same_idempotency_key_other_body_is_a_conflict(learner, course):
    other = CourseFactory()
    checkout(learner, [{"course": course.slug}], key="abc")
    with pytest.raises(IdempotencyKeyReused) as exc:
        checkout(learner, [{"course": other.slug}], key="abc")
    assert (exc.value.code, exc.value.status_code) == ("idempotency_key_reused", 409)
    assert Order.objects.count() == 1


def test_replayed_declined_checkout_is_declined_again_without_a_second_charge(learner, course):
    decline = {"provider": "sandbox", "token": "tok_decline"}
    for _attempt in range(2):
        with pytest.raises(PaymentDeclined):
            checkout(learner, [{"course": course.slug}], payment=decline, key="d-1")
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


def test_checkout_from_cart_empties_the_cart(learner, course):
    cart_add(user=learner, course_slug=course.slug)
    order = checkout(learner, None).order
    assert [line.course_id for line in order.lines.all()] == [course.pk]
    assert not learner.cart.lines.exists()


def test_empty_cart_checkout(learner):
    with pytest.raises(EmptyCart):
        checkout(learner, None)
