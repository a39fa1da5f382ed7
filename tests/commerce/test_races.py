"""Money and seats under real concurrency (PostgreSQL, real threads), each race run
through the service and through the HTTP API."""

import json
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from rest_framework.test import APIClient

from commerce.exceptions import InvalidRefundAmount, OrderNotRefundable, PaymentOutcomeUnknown
from commerce.models import LedgerEntry, Order, Payment, Refund, SandboxCharge, WebhookEvent
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


# --- coded checkouts of one campaign ------------------------------------------------------


def _coded_campaign(codes: int, max_redemptions: int = 1):
    from tests.campaigns.factories import CampaignFactory, DiscountCodeFactory

    course = CourseFactory()
    campaign = CampaignFactory(courses=[course])
    made = [DiscountCodeFactory(campaign=campaign, max_redemptions=max_redemptions) for _ in range(codes)]
    return course, campaign, made


def _coded(user, course, code, token="tok_success"):
    return order_checkout(
        user=user,
        items=[{"course": course.slug}],
        currency="USD",
        discount_code=code.code,
        payment={"provider": "sandbox", "token": token},
    ).order


def _in_thread(work):
    """Start ``work`` in its own thread and connection; returns (thread, results list)."""
    import threading

    results: list = []
    thread = threading.Thread(target=lambda: results.extend(run_together(1, lambda i: work())))
    thread.start()
    return thread, results


def test_a_coded_checkout_does_not_wait_for_a_lock_on_its_campaign():
    # given a transaction that holds the campaign row as an UPDATE of its fields does
    # (FOR NO KEY UPDATE: a budget or schedule change). The old checkout took FOR UPDATE
    # on the campaign and queued here; inserting rows that point at the campaign only
    # takes FOR KEY SHARE, which does not conflict.
    import threading

    from django.db import transaction

    from campaigns.models import Campaign

    course, campaign, [code] = _coded_campaign(1)
    buyer = UserFactory(username="coded")
    locked, release = threading.Event(), threading.Event()

    def hold_campaign():
        with transaction.atomic():
            Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
            locked.set()
            release.wait(60)

    holder, _ = _in_thread(hold_campaign)
    assert locked.wait(30)
    try:
        # when a learner checks out with one of its codes
        buying, results = _in_thread(lambda: _coded(buyer, course, code).status)
        buying.join(20)
        # then it completes while the campaign is still locked
        finished_under_lock = not buying.is_alive()
    finally:
        release.set()
        holder.join(30)
        buying.join(30)
    assert finished_under_lock
    assert results == ["paid"]


def test_no_lock_is_held_while_the_provider_is_asked():
    # given a coded checkout whose provider call hangs until we let it go
    import threading

    from commerce.payments.sandbox import SandboxProvider

    course, _campaign, [code] = _coded_campaign(1, max_redemptions=10)
    slow_buyer, quick_buyer = UserFactory(username="slow"), UserFactory(username="quick")
    in_provider, go_on = threading.Event(), threading.Event()
    real_charge = SandboxProvider.charge

    def charge(self, **kwargs):
        if kwargs["token"] == "tok_slow":
            in_provider.set()
            go_on.wait(60)
            kwargs["token"] = "tok_success"
        return real_charge(self, **kwargs)

    with mock.patch.object(SandboxProvider, "charge", charge):
        slow, slow_results = _in_thread(lambda: _coded(slow_buyer, course, code, "tok_slow").status)
        assert in_provider.wait(30)
        try:
            # when another learner buys with the same code meanwhile
            quick, quick_results = _in_thread(lambda: _coded(quick_buyer, course, code).status)
            quick.join(20)
            # then it is not queued behind the slow provider call (code, campaign, seats)
            finished_meanwhile = not quick.is_alive()
        finally:
            go_on.set()
            slow.join(30)
            quick.join(30)
    assert finished_meanwhile
    assert (quick_results, slow_results) == (["paid"], ["paid"])


def test_twenty_learners_one_code_with_five_uses():
    from campaigns.exceptions import CodeExhausted
    from campaigns.models import CodeRedemption, DiscountCode

    course, _campaign, [code] = _coded_campaign(1, max_redemptions=5)
    buyers = [UserFactory(username=f"c{i}") for i in range(20)]

    results = run_together(20, lambda i: _coded(buyers[i], course, code).status)

    assert results.count("paid") == 5
    assert all(isinstance(r, CodeExhausted) for r in results if r != "paid")
    assert DiscountCode.objects.get(pk=code.pk).redemptions_count == 5
    assert CodeRedemption.objects.filter(status="confirmed").count() == 5
    assert Order.objects.filter(status="paid", discount__gt=0).count() == 5


def test_declines_and_sales_on_one_code_at_once_never_deadlock_or_leak_uses():
    # release (declined orders) and redeem take the code and redemption rows in one order
    from campaigns.models import CodeRedemption, DiscountCode

    course, _campaign, [code] = _coded_campaign(1, max_redemptions=100)
    buyers = [UserFactory(username=f"d{i}") for i in range(16)]

    results = run_together(
        16, lambda i: _coded(buyers[i], course, code, "tok_decline" if i % 2 else "tok_success").status
    )

    assert results.count("paid") == 8
    assert [type(r).__name__ for r in results if r != "paid"] == ["PaymentDeclined"] * 8
    assert DiscountCode.objects.get(pk=code.pk).redemptions_count == 8
    assert CodeRedemption.objects.filter(status="released").count() == 8


def test_one_pending_refund_sent_five_times_at_once_is_applied_once():
    from commerce.services import refund_send

    order = _paid_order()
    with (
        mock.patch("commerce.payments.sandbox.SandboxProvider.refund", side_effect=PaymentOutcomeUnknown()),
        pytest.raises(PaymentOutcomeUnknown),
    ):
        order_refund(order=order, amount="10.00", reason="race", staff_user=None)
    refund = Refund.objects.get()

    results = run_together(5, lambda i: refund_send(refund=refund).status)

    assert results == ["succeeded"] * 5
    _assert_within_paid(order)
    assert order.amount_refunded == Decimal("10.00")
    assert LedgerEntry.objects.filter(order=order, kind="refund").count() == 2
    assert SandboxCharge.objects.filter(kind="refund").count() == 1
