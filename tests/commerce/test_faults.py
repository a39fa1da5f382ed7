"""Faults at the payment provider's HTTP boundary (the fake Stripe server on 127.0.0.1) and
a crash between "charged" and "marked paid". Each test ends in exactly one paid order and
one charge, or in none: never money taken without an order, never a second charge.

The paths: the learner retries (same request), or nobody does and the reconciler settles
the order against the provider; refunds the same way; webhooks racing the reconciler."""

import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.exceptions import PaymentOutcomeUnknown, PaymentProviderError
from commerce.models import LedgerEntry, Order, Payment, Refund
from commerce.services import order_checkout, order_refund, payments_reconcile
from courses.models import Enrollment, LiveSession
from tests.factories import LiveSessionFactory, UserFactory

from .test_stripe import _stripe_signature

pytestmark = pytest.mark.django_db

PAY = {"provider": "stripe", "token": "pm_card_visa"}


@pytest.fixture(autouse=True)
def _reconcile_at_once(settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0


def _buy(user, course, *, key="k-1", session=None):
    return order_checkout(
        user=user,
        items=[{"course": course.slug, "live_session": session.pk if session else None}],
        currency="USD",
        payment=PAY,
        idempotency_key=key,
    )


def _after_the_hold() -> timezone.datetime:
    return timezone.now() + timedelta(minutes=16)


def _assert_one_paid_order_and_one_charge(fake, user) -> Order:
    order = Order.objects.get(user=user)
    assert order.status == "paid"
    assert len(fake.charges) == 1
    assert order.payment_reference == fake.charges[0]["id"]
    assert Enrollment.objects.filter(user=user, is_active=True).count() == 1
    assert LedgerEntry.objects.filter(order=order).count() == 2  # instructor + platform
    assert sum(e.amount for e in LedgerEntry.objects.filter(order=order)) == order.total
    return order


def _assert_nothing_sold(fake, user, session: LiveSession | None = None) -> None:
    assert fake.charges == []
    assert not Order.objects.filter(user=user, status="paid").exists()
    assert not Enrollment.objects.filter(user=user).exists()
    assert not LedgerEntry.objects.exists()
    if session is not None:
        session.refresh_from_db()
        assert session.seats_taken == 0


# --- checkout: timeout before the provider charged -----------------------------------------


def test_timeout_before_charge_then_retry_charges_once(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_before"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)
    assert Order.objects.get().status == "pending"
    assert fake_stripe.charges == []

    retried = _buy(learner, course)

    assert (retried.created, retried.order.status) == (False, "paid")
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


def test_timeout_before_charge_nobody_retries_reconciler_releases(fake_stripe, learner):
    session = LiveSessionFactory(capacity=1)
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_before"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, session.course, session=session)

    assert payments_reconcile() == {"order_pending": 1}  # within the hold: wait
    assert payments_reconcile(now=_after_the_hold()) == {"order_cancelled": 1}

    assert Order.objects.get().status == "cancelled"
    _assert_nothing_sold(fake_stripe, learner, session)


# --- checkout: timeout after the provider charged ------------------------------------------


def test_timeout_after_charge_then_retry_does_not_charge_again(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)
    assert len(fake_stripe.charges) == 1  # the money was taken, the answer lost

    retried = _buy(learner, course)

    assert retried.order.status == "paid"
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


def test_timeout_after_charge_without_idempotency_key_retry_does_not_charge_again(
    fake_stripe, learner, course
):
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course, key=None)

    retried = _buy(learner, course, key=None)

    assert (retried.created, retried.order.status) == (False, "paid")
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


def test_timeout_after_charge_nobody_retries_reconciler_marks_paid(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)

    assert payments_reconcile() == {"order_paid": 1}
    assert payments_reconcile() == {}  # a rerun finds nothing to do

    _assert_one_paid_order_and_one_charge(fake_stripe, learner)
    searches = [r for r in fake_stripe.requests if r["path"] == "/v1/payment_intents/search"]
    assert len(searches) == 1


# --- checkout: provider 5xx ----------------------------------------------------------------


def test_provider_5xx_then_retry_charges_once(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "error_500"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)
    assert fake_stripe.charges == []

    _buy(learner, course)

    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


def test_provider_5xx_after_charging_reconciler_marks_paid(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "error_500_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)

    assert payments_reconcile() == {"order_paid": 1}
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


def test_provider_down_reconciler_changes_nothing_until_it_answers(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)
    fake_stripe.responses.append((503, {"error": {"type": "api_error", "message": "down"}}))

    assert payments_reconcile(now=_after_the_hold()) == {"order_provider_unavailable": 1}
    assert Order.objects.get().status == "pending"  # not released while the provider is silent

    assert payments_reconcile(now=_after_the_hold()) == {"order_paid": 1}
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


# --- checkout: crash between "charged" and "marked paid" -----------------------------------


def _crash(*args, **kwargs):
    raise SystemExit("worker killed")


def test_crash_between_charged_and_marked_paid_retry_settles_once(fake_stripe, learner, course):
    with (
        mock.patch("commerce.services.checkout.order_settle_charge", side_effect=_crash),
        pytest.raises(SystemExit),
    ):
        _buy(learner, course)
    assert (Order.objects.get().status, len(fake_stripe.charges)) == ("pending", 1)

    _buy(learner, course)

    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


def test_crash_between_charged_and_marked_paid_reconciler_settles_once(fake_stripe, learner, course):
    with (
        mock.patch("commerce.services.checkout.order_settle_charge", side_effect=_crash),
        pytest.raises(SystemExit),
    ):
        _buy(learner, course)

    assert payments_reconcile(now=_after_the_hold()) == {"order_paid": 1}
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


def test_checkout_api_answers_502_with_the_order_and_a_retry_answers_201(fake_stripe, learner, course):
    client = APIClient()
    client.force_authenticate(learner)
    body = {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY}
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))

    first = client.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")
    second = client.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="api-1")

    order = Order.objects.get()
    assert (first.status_code, first.json()["code"], first.json()["order"]) == (
        502,
        "payment_outcome_unknown",
        str(order.number),
    )
    assert (second.status_code, second.json()["order"]["status"]) == (201, "paid")
    assert second["Idempotent-Replayed"] == "true"
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)


# --- refunds -------------------------------------------------------------------------------


def _paid(fake, user, course) -> Order:
    order = _buy(user, course).order
    assert order.status == "paid"
    return order


def _assert_refunded_once(fake, order: Order, amount: str) -> None:
    order.refresh_from_db()
    assert order.amount_refunded == Decimal(amount)
    assert Refund.objects.get(order=order).status == "succeeded"
    assert len(fake.charged_refunds) == 1
    assert fake.charged_refunds[0]["amount"] == int(Decimal(amount) * 100)
    ledger = sum((e.amount for e in LedgerEntry.objects.filter(order=order)), Decimal("0"))
    assert ledger == order.total - order.amount_refunded
    assert LedgerEntry.objects.filter(order=order, kind="refund").count() == 2


@pytest.mark.parametrize("fault", ["timeout_before", "timeout_after", "error_500", "error_500_after"])
def test_refund_with_unknown_outcome_is_settled_once_by_the_reconciler(fake_stripe, learner, course, fault):
    order = _paid(fake_stripe, learner, course)
    staff = UserFactory(username="staff", is_staff=True)
    fake_stripe.faults.append(("/v1/refunds", fault))

    with pytest.raises(PaymentOutcomeUnknown):
        order_refund(order=order, amount="9.00", reason="late", staff_user=staff)
    refund = Refund.objects.get()
    assert refund.status == "pending"
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("paid", Decimal("0"))
    # a second refund cannot take the money the pending one holds back
    with pytest.raises(Exception) as second:
        order_refund(order=order, amount="20.01", reason="again", staff_user=staff)
    assert second.value.code == "invalid_refund_amount"

    assert payments_reconcile() == {"refund_succeeded": 1}
    assert payments_reconcile() == {}

    _assert_refunded_once(fake_stripe, order, "9.00")
    assert order.status == "partially_refunded"


def test_refund_refused_by_the_provider_is_failed_and_changes_nothing(fake_stripe, learner, course):
    order = _paid(fake_stripe, learner, course)
    fake_stripe.responses.append((400, {"error": {"type": "invalid_request_error", "message": "no"}}))
    with pytest.raises(PaymentProviderError) as exc:
        order_refund(order=order, amount="9.00", reason="late", staff_user=None)
    assert exc.value.code == "payment_provider_error"
    assert Refund.objects.get().status == "failed"
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("paid", Decimal("0"))
    assert LedgerEntry.objects.filter(kind="refund").count() == 0
    # and the whole amount can still be refunded
    order_refund(order=order, amount=None, reason="again", staff_user=None)
    order.refresh_from_db()
    assert order.status == "refunded"


# --- webhooks ------------------------------------------------------------------------------


def _deliver(event_id: str, intent: dict, kind: str = "payment_intent.succeeded"):
    payload = json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": intent}})
    return APIClient().post(
        "/api/v1/payments/webhooks/stripe/",
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": _stripe_signature(payload)},
    )


def test_webhook_for_a_charge_whose_answer_was_lost_pays_the_order_once(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)
    [intent] = fake_stripe.charges

    # we never learnt pi_..., but the event names the order in its metadata
    first = _deliver("evt_1", intent)
    again = _deliver("evt_1", intent)

    assert first.json()["outcome"] == "paid"
    assert again.json()["duplicate"] is True
    assert payments_reconcile() == {}  # nothing left to settle
    order = _assert_one_paid_order_and_one_charge(fake_stripe, learner)
    assert Payment.objects.get(order=order).reference == intent["id"]


def test_webhook_for_an_unknown_payment_is_refused_for_redelivery(fake_stripe):
    stranger = {"id": "pi_unknown", "object": "payment_intent", "status": "succeeded", "metadata": {}}
    answer = _deliver("evt_x", stranger)
    assert (answer.status_code, answer.json()["code"]) == (409, "payment_not_found")


def test_webhook_and_reconciler_settle_the_same_order_once(fake_stripe, learner, course):
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)
    payments_reconcile()
    [intent] = fake_stripe.charges
    # the webhook of a charge we settled already changes nothing
    assert _deliver("evt_2", intent).json()["outcome"] == "no_change"
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)
    assert Payment.objects.get().status == "succeeded"


def test_charge_found_after_the_reconciler_released_the_order_is_a_late_payment(fake_stripe, learner):
    # given a timed-out charge whose order the reconciler released (the search lagged)
    session = LiveSessionFactory(capacity=1)
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, session.course, session=session)
    [intent] = fake_stripe.charges
    with mock.patch("commerce.payments.stripe_adapter.StripeProvider.lookup_charge", return_value=None):
        assert payments_reconcile(now=_after_the_hold()) == {"order_cancelled": 1}

    # when the provider's webhook for that charge arrives
    answer = _deliver("evt_late", intent)

    # then the learner gets the seat back and the order is paid, once
    assert answer.json()["outcome"] == "late_payment_accepted"
    _assert_one_paid_order_and_one_charge(fake_stripe, learner)
    session.refresh_from_db()
    assert session.seats_taken == 1


def test_the_reconciler_and_the_outbox_drain_run_every_minute_on_beat(settings, fake_stripe, learner, course):
    from commerce.tasks import reconcile_payments

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert str(schedule["commerce.tasks.reconcile_payments"]) == str(schedule["core.tasks.outbox_drain"])
    assert schedule["core.tasks.outbox_drain"].minute == set(range(60))
    fake_stripe.faults.append(("/v1/payment_intents", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _buy(learner, course)

    assert reconcile_payments.delay().get() == {"order_paid": 1}
    assert reconcile_payments.delay().get() == {}
