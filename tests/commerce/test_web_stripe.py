"""A real card payment in the browser: with PAYMENT_PROVIDER=stripe the checkout page sends
the learner to a Stripe Checkout page (here the fake Stripe server on 127.0.0.1) and the
order is paid on the way back, by the webhook, or by the reconciler, once."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from commerce.models import CartLine, LedgerEntry, Order
from commerce.services import cart_add, payments_reconcile
from courses.models import Enrollment

from .test_stripe import _stripe_signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe_default(fake_stripe, settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.PAYMENT_PROVIDERS_ENABLED = ["stripe"]
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    return fake_stripe


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


def _pay_form(client, learner, course, currency="EUR") -> dict:
    client.force_login(learner)
    cart_add(user=learner, course_slug=course.slug)
    page = client.get(url("commerce:checkout") + f"?currency={currency}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="token"' not in html  # no sandbox test cards
    assert 'data-testid="hosted-payment-note"' in html
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)
    return {"currency": currency, "discount_code": "", "idempotency_key": key}


def test_checkout_page_sends_the_learner_to_stripe_and_the_return_pays_the_order(
    client, learner, course, stripe_default
):
    form = _pay_form(client, learner, course)

    response = client.post(url("commerce:checkout"), form)
    again = client.post(url("commerce:checkout"), form)  # a double click: the same page

    order = Order.objects.get()
    [session] = stripe_default.sessions.values()
    assert response.status_code == again.status_code == 302
    assert response["Location"] == again["Location"] == session["url"]
    assert (order.status, order.payment_reference) == ("pending", session["id"])
    sent = next(r for r in stripe_default.requests if r["path"] == "/v1/checkout/sessions")
    assert sent["headers"]["idempotency-key"] == f"session-order-{order.number}"
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == "2700"
    assert sent["form"]["line_items[0][price_data][currency]"] == "eur"
    assert sent["form"]["client_reference_id"] == str(order.number)
    assert session["success_url"].endswith(f"/en/orders/{order.number}/?paid=1")

    # the learner pays on Stripe's page and comes back
    stripe_default.complete_session(session["id"])
    back = client.get(url("commerce:order_detail", number=str(order.number)) + "?paid=1")

    assert 'data-status="paid"' in back.content.decode()
    order.refresh_from_db()
    assert (order.status, order.total, order.currency) == ("paid", Decimal("27.00"), "EUR")
    assert Enrollment.objects.filter(user=learner, course=course, is_active=True).count() == 1
    assert not CartLine.objects.filter(cart__user=learner).exists()
    assert len(stripe_default.charges) == 1
    assert LedgerEntry.objects.filter(order=order).count() == 2


def test_learner_who_never_comes_back_is_paid_by_the_webhook(client, learner, course, stripe_default):
    client.post(url("commerce:checkout"), _pay_form(client, learner, course))
    order = Order.objects.get()
    session = stripe_default.complete_session(order.payment_reference)
    payload = json.dumps(
        {
            "id": "evt_cs_1",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {"object": session},
        }
    )

    answer = APIClient().post(
        "/api/v1/payments/webhooks/stripe/",
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": _stripe_signature(payload)},
    )

    assert answer.json()["outcome"] == "paid"
    order.refresh_from_db()
    assert order.status == "paid"
    assert payments_reconcile() == {}  # nothing left to settle


def test_lost_webhook_and_no_return_the_reconciler_pays_it(client, learner, course, stripe_default):
    client.post(url("commerce:checkout"), _pay_form(client, learner, course))
    order = Order.objects.get()
    stripe_default.complete_session(order.payment_reference)

    assert payments_reconcile() == {"order_paid": 1}
    order.refresh_from_db()
    assert order.status == "paid"


def test_an_abandoned_payment_page_is_released_after_the_hold(client, learner, course, stripe_default):
    from datetime import timedelta

    from django.utils import timezone

    client.post(url("commerce:checkout"), _pay_form(client, learner, course))
    order = Order.objects.get()
    back = client.get(url("commerce:order_detail", number=str(order.number)) + "?cancelled=1")
    assert 'data-status="pending"' in back.content.decode()

    assert payments_reconcile() == {"order_pending": 1}
    assert payments_reconcile(now=timezone.now() + timedelta(minutes=16)) == {"order_cancelled": 1}
    assert stripe_default.charges == []
    assert not Enrollment.objects.filter(user=learner).exists()


def test_refund_of_a_stripe_checkout_order_refunds_its_payment_intent(
    client, learner, course, stripe_default
):
    from commerce.services import order_refund

    client.post(url("commerce:checkout"), _pay_form(client, learner, course))
    order = Order.objects.get()
    stripe_default.complete_session(order.payment_reference)
    payments_reconcile()

    order_refund(order=order, amount=None, reason="changed mind", staff_user=None)

    [refund] = stripe_default.charged_refunds
    assert refund["payment_intent"] == stripe_default.charges[0]["id"]
    assert refund["amount"] == 2700
    order.refresh_from_db()
    assert order.status == "refunded"
