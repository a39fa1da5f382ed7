"""Money and seats under real concurrency (PostgreSQL, real threads), each race run
through the service and through the HTTP API."""

import json
from decimal import Decimal

import pytest
from django.core import mail
from rest_framework.test import APIClient

from commerce.exceptions import InvalidRefundAmount, OrderNotRefundable
from commerce.models import LedgerEntry, Order, Payment, Refund, WebhookEvent
from commerce.payments.sandbox import SIGNATURE_HEADER, sign
from commerce.services import order_checkout, order_refund, payment_webhook_process
from courses.exceptions import SoldOut
from courses.models import Enrollment, LiveSession
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

from .concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAY = {"provider": "sandbox", "token": "tok_success"}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- 30 buyers, 5 seats -------------------------------------------------------------------


def _assert_five_sold(session: LiveSession) -> None:
    session.refresh_from_db()
    assert session.seats_taken == 5
    assert Order.objects.filter(status="paid").count() == 5
    assert Order.objects.exclude(status="paid").count() == 0
    assert Enrollment.objects.filter(course=session.course, is_active=True).count() == 5
    assert Payment.objects.count() == 5


def test_thirty_buyers_race_for_five_seats_through_the_service():
    session = LiveSessionFactory(capacity=5)
    buyers = [UserFactory(username=f"buyer{i}") for i in range(30)]
    item = {"course": session.course.slug, "live_session": session.pk}

    results = run_together(
        30,
        lambda i: order_checkout(user=buyers[i], items=[item], currency="USD", payment=PAY).order.status,
    )

    assert results.count("paid") == 5
    assert [type(r) for r in results if r != "paid"] == [SoldOut] * 25
    _assert_five_sold(session)


def test_thirty_buyers_race_for_five_seats_through_the_api():
    session = LiveSessionFactory(capacity=5)
    clients = [_client(UserFactory(username=f"buyer{i}")) for i in range(30)]
    body = {
        "items": [{"course": session.course.slug, "live_session": session.pk}],
        "currency": "USD",
        "payment": PAY,
    }

    def buy(i):
        response = clients[i].post("/api/v1/checkout/", body, format="json")
        return response.status_code, response.json()

    results = run_together(30, buy)

    assert sorted(status for status, _ in results) == [201] * 5 + [409] * 25
    assert {body["code"] for status, body in results if status == 409} == {"sold_out"}
    assert {body["order"]["status"] for status, body in results if status == 201} == {"paid"}
    _assert_five_sold(session)


# --- the same Idempotency-Key ten times at once ------------------------------------------


def test_same_idempotency_key_ten_times_at_once_through_the_service():
    course = CourseFactory()
    user = UserFactory(username="impatient")
    items = [{"course": course.slug}]

    results = run_together(
        10,
        lambda i: order_checkout(
            user=user, items=items, currency="USD", payment=PAY, idempotency_key="same-key"
        ),
    )

    assert {r.order.pk for r in results} == {Order.objects.get().pk}
    assert sorted(r.created for r in results) == [False] * 9 + [True]
    assert Payment.objects.count() == 1
    assert Enrollment.objects.filter(user=user).count() == 1


def test_same_idempotency_key_ten_times_at_once_through_the_api():
    course = CourseFactory()
    user = UserFactory(username="impatient")
    clients = [_client(user) for _ in range(10)]
    body = {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY}

    def buy(i):
        response = clients[i].post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-42")
        return response.status_code, response.json()

    results = run_together(10, buy)

    assert {status for status, _ in results} == {201}
    assert len({json.dumps(body, sort_keys=True) for _, body in results}) == 1
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1


# --- the same webhook event ten times at once ---------------------------------------------


def _pending_order() -> Order:
    course = CourseFactory()
    user = UserFactory(username="later")
    return order_checkout(
        user=user,
        items=[{"course": course.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_pending"},
    ).order


def _event(order: Order) -> bytes:
    return json.dumps(
        {"id": "evt_1", "type": "payment.succeeded", "data": {"reference": order.payment_reference}}
    ).encode()


def _assert_one_state_change(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == "paid"
    assert WebhookEvent.objects.count() == 1
    assert Enrollment.objects.filter(user=order.user).count() == 1
    assert LedgerEntry.objects.filter(order=order).count() == 2
    assert len(mail.outbox) == 1


def test_same_webhook_ten_times_at_once_through_the_service():
    order = _pending_order()
    body = _event(order)
    headers = {SIGNATURE_HEADER: sign(body)}

    results = run_together(
        10, lambda i: payment_webhook_process(provider_name="sandbox", body=body, headers=headers)
    )

    assert sorted(r.outcome for r in results) == ["duplicate"] * 9 + ["paid"]
    _assert_one_state_change(order)


def test_same_webhook_ten_times_at_once_through_the_api():
    order = _pending_order()
    body = _event(order)
    signature = sign(body)
    clients = [APIClient() for _ in range(10)]

    def deliver(i):
        response = clients[i].post(
            "/api/v1/payments/webhooks/sandbox/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: signature},
        )
        return response.status_code, response.json()["outcome"]

    results = run_together(10, deliver)

    assert sorted(results) == [(200, "duplicate")] * 9 + [(200, "paid")]
    _assert_one_state_change(order)


# --- two staff refunds at once ------------------------------------------------------------


def _paid_order(price: str = "29.00") -> Order:
    course = CourseFactory(prices={"USD": Decimal(price)})
    return order_checkout(
        user=UserFactory(username="refundee"), items=[{"course": course.slug}], currency="USD", payment=PAY
    ).order


def _assert_within_paid(order: Order) -> None:
    order.refresh_from_db()
    refunded = sum((r.amount for r in Refund.objects.filter(order=order)), Decimal("0"))
    assert refunded == order.amount_refunded
    assert refunded <= order.total
    ledger = sum((e.amount for e in LedgerEntry.objects.filter(order=order)), Decimal("0"))
    assert ledger == order.total - order.amount_refunded


def test_two_partial_refunds_race_through_the_service():
    order = _paid_order()
    staff = UserFactory(username="staff", is_staff=True)

    results = run_together(
        2, lambda i: order_refund(order=order, amount="20.00", reason="race", staff_user=staff)
    )

    assert sorted(type(r).__name__ for r in results) == ["InvalidRefundAmount", "Refund"]
    assert any(isinstance(r, InvalidRefundAmount) for r in results)
    _assert_within_paid(order)
    assert order.amount_refunded == Decimal("20.00")
    assert order.status == "partially_refunded"


def test_two_full_refunds_race_through_the_service():
    order = _paid_order()
    staff = UserFactory(username="staff", is_staff=True)

    results = run_together(
        2, lambda i: order_refund(order=order, amount=None, reason="race", staff_user=staff)
    )

    # the loser sees either the settled refund (nothing left) or the pending one
    # holding everything back: both refuse, neither pays out
    [loser] = [r for r in results if not isinstance(r, Refund)]
    assert isinstance(loser, OrderNotRefundable | InvalidRefundAmount)
    _assert_within_paid(order)
    assert order.status == "refunded"
    assert Enrollment.objects.get(user=order.user).is_active is False


def test_two_staff_refunds_race_through_the_admin():
    from django.test import Client

    order = _paid_order()
    clients = []
    for i in range(2):
        client = Client()
        client.force_login(UserFactory(username=f"staff{i}", is_staff=True, is_superuser=True))
        clients.append(client)
    url = f"/admin/commerce/order/{order.pk}/refund/"

    results = run_together(
        2, lambda i: clients[i].post(url, {"amount": "20.00", "reason": "race"}).status_code
    )

    # one refund went through (redirect), the other page shows the error (200)
    assert sorted(results) == [200, 302]
    _assert_within_paid(order)
    assert order.amount_refunded == Decimal("20.00")
    assert Refund.objects.count() == 1
