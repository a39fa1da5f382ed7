"""Renewals through Stripe (the official package and our adapter against the fake Stripe
API on 127.0.0.1) and its signed webhooks; 20 renewals or 20 webhook deliveries of one
subscription at once, in real threads against PostgreSQL: one period, one charge."""

import hashlib
import hmac
import json
import time
from collections import Counter

import pytest
from rest_framework.test import APIClient

from commerce.models import Order, Subscription, SubscriptionPeriod, WebhookEvent
from commerce.services import order_checkout
from commerce.services.subscriptions import subscription_renew
from courses.models import Enrollment
from notifications.models import Notification
from tests.factories import CourseFactory, UserFactory
from tests.plans.factories import make_plan

from .concurrency import run_together
from .conftest import WEBHOOK_SECRET
from .test_subscriptions import _period_over

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WEBHOOK_URL = "/api/v1/payments/webhooks/stripe/"


def _signature(payload: str) -> str:
    """Stripe's documented scheme: v1 = HMAC-SHA256(secret, "<t>.<payload>")."""
    timestamp = int(time.time())
    mac = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _event(event_id: str, intent_id: str, kind: str = "payment_intent.succeeded") -> str:
    status = "succeeded" if kind.endswith("succeeded") else "requires_payment_method"
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "data": {"object": {"id": intent_id, "object": "payment_intent", "status": status}},
        }
    )


def _deliver(payload: str):
    response = APIClient().post(
        WEBHOOK_URL,
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": _signature(payload)},
    )
    return response.status_code, response.json()


def _intent_posts(fake) -> int:
    return sum(1 for r in fake.requests if r["method"] == "POST" and r["path"] == "/v1/payment_intents")


def _use_method(fake, subscription, method_id: str) -> None:
    """The learner's saved method is now ``method_id`` (attached to the same Customer)."""
    fake.attached[method_id] = subscription.provider_customer
    Subscription.objects.filter(pk=subscription.pk).update(payment_method=method_id)


@pytest.fixture
def subscribed(fake_stripe):
    """A learner who joined a monthly plan paying with a Stripe PaymentMethod, at the end
    of the first period."""
    course = CourseFactory()
    plan = make_plan(courses=[course])
    learner = UserFactory(email="member@example.com")
    order = order_checkout(
        user=learner,
        items=[{"plan": plan.slug}],
        currency="USD",
        payment={"provider": "stripe", "token": "pm_card_visa"},
    ).order
    assert order.status == "paid"
    subscription = Subscription.objects.get(user=learner)
    assert (subscription.provider, subscription.payment_method) == ("stripe", "pm_card_visa")
    assert subscription.provider_customer in fake_stripe.customers
    _period_over(subscription)
    return subscription


def test_twenty_renewals_at_once_grant_one_period_and_charge_once(fake_stripe, subscribed):
    before = _intent_posts(fake_stripe)

    results = run_together(20, lambda i: subscription_renew(subscription_id=subscribed.pk))

    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = Counter(results)
    assert outcomes["renewed"] == 1
    assert set(outcomes) <= {"renewed", "in_progress", "not_due"}
    assert _intent_posts(fake_stripe) - before == 1  # one request to Stripe for the renewal
    assert len(fake_stripe.charges) == 2  # the first period and this one
    assert list(
        SubscriptionPeriod.objects.filter(subscription=subscribed).values_list("number", "status")
    ) == [
        (1, "paid"),
        (2, "paid"),
    ]
    assert Order.objects.filter(user=subscribed.user).count() == 2


def test_signed_stripe_webhook_pays_a_processing_renewal_once(fake_stripe, subscribed):
    _use_method(fake_stripe, subscribed, "pm_processing")
    assert subscription_renew(subscription_id=subscribed.pk) == "pending"
    renewal = Order.objects.filter(user=subscribed.user).order_by("-id").first()
    assert renewal.status == "pending" and renewal.payment_reference.startswith("pi_")
    payload = _event("evt_renewal_1", renewal.payment_reference)

    first = _deliver(payload)
    again = _deliver(payload)

    assert first == (200, {"received": True, "duplicate": False, "outcome": "paid"})
    assert again == (200, {"received": True, "duplicate": True, "outcome": "duplicate"})
    period = SubscriptionPeriod.objects.get(subscription=subscribed, number=2)
    assert (period.status, period.order_id) == ("paid", renewal.pk)
    subscribed.refresh_from_db()
    assert subscribed.current_period_end == period.ends_at


def test_stripe_payment_failed_webhook_starts_dunning(fake_stripe, subscribed):
    _use_method(fake_stripe, subscribed, "pm_processing")
    assert subscription_renew(subscription_id=subscribed.pk) == "pending"
    renewal = Order.objects.filter(user=subscribed.user).order_by("-id").first()

    status, body = _deliver(_event("evt_fail_1", renewal.payment_reference, "payment_intent.payment_failed"))

    assert (status, body["outcome"]) == (200, "failed")
    subscribed.refresh_from_db()
    assert (subscribed.status, subscribed.retry_count) == ("past_due", 1)
    assert Enrollment.objects.get(user=subscribed.user).is_active  # grace period
    assert (
        Notification.objects.filter(
            user=subscribed.user, kind="membership", params__event="payment_failed"
        ).count()
        == 1
    )


def test_twenty_webhook_deliveries_at_once_grant_one_period(fake_stripe, subscribed):
    _use_method(fake_stripe, subscribed, "pm_processing")
    assert subscription_renew(subscription_id=subscribed.pk) == "pending"
    renewal = Order.objects.filter(user=subscribed.user).order_by("-id").first()
    # Ten redeliveries of one event and ten distinct events about the same payment.
    payloads = [_event("evt_same", renewal.payment_reference)] * 10 + [
        _event(f"evt_other_{i}", renewal.payment_reference) for i in range(10)
    ]

    results = run_together(20, lambda i: _deliver(payloads[i]))

    assert {status for status, _body in results} == {200}
    outcomes = Counter(body["outcome"] for _status, body in results)
    assert outcomes == {"paid": 1, "duplicate": 9, "no_change": 10}
    assert WebhookEvent.objects.count() == 11
    assert list(
        SubscriptionPeriod.objects.filter(subscription=subscribed).values_list("number", "status")
    ) == [
        (1, "paid"),
        (2, "paid"),
    ]
    assert Order.objects.filter(user=subscribed.user, status="paid").count() == 2
    assert len(fake_stripe.charges) == 1  # the renewal's intent is still "processing" at Stripe


def test_twenty_advance_runs_at_once_send_a_manual_membership_one_reminder(fake_wechatpay, settings):
    """A WeChat Pay membership renews manually: however many beat runs overlap, one
    reminder for the period, one move to "awaiting renewal" at its end, no charge."""
    from datetime import timedelta

    from django.utils import timezone

    from commerce.payments.wechatpay_adapter import out_trade_no
    from commerce.services import order_checkout_redirect, order_payment_refresh
    from commerce.services.subscriptions import subscriptions_advance
    from core.models import OutboxMessage
    from notifications.services import DELIVER_TOPIC

    settings.SUBSCRIPTION_RENEWAL_REMINDER_DAYS = 3
    plan = make_plan(courses=[CourseFactory()])
    learner = UserFactory(email="mei@example.com")
    started = order_checkout_redirect(
        user=learner,
        currency="CNY",
        items=[{"plan": plan.slug}],
        provider_name="wechatpay",
        return_urls=lambda number: ("https://x/ok", "https://x/no"),
    )
    fake_wechatpay.pay(out_trade_no(str(started.order.number)), notify=False)
    assert order_payment_refresh(order=started.order).status == "paid"
    subscription = Subscription.objects.get(user=learner)
    assert subscription.renewal == "manual"
    end = timezone.now() + timedelta(days=2)  # inside the reminder's three days
    Subscription.objects.filter(pk=subscription.pk).update(current_period_end=end)
    SubscriptionPeriod.objects.filter(subscription=subscription).update(ends_at=end)
    charges = len(fake_wechatpay.charges)

    results = run_together(20, lambda i: subscriptions_advance())

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.get("reminded", 0) for r in results) == 1
    reminders = Notification.objects.filter(user=learner, params__event="renewal_due")
    assert reminders.count() == 1
    assert OutboxMessage.objects.filter(dedupe_key=f"{DELIVER_TOPIC}:{reminders.get().pk}").count() == 1

    # The period ends: 20 overlapping runs move it to awaiting renewal once, charge nothing.
    results = run_together(20, lambda i: subscriptions_advance(now=end + timedelta(minutes=1)))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.get("awaiting_renewal", 0) for r in results) == 1
    subscription.refresh_from_db()
    assert (subscription.status, subscription.grace_until) == ("past_due", end + timedelta(days=7))
    assert reminders.count() == 1
    assert Notification.objects.filter(user=learner, kind="membership").count() == 1
    assert list(subscription.periods.values_list("number", flat=True)) == [1]
    assert len(fake_wechatpay.charges) == charges
    assert Order.objects.filter(user=learner).count() == 1
