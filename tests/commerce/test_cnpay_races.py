"""WeChat Pay and Alipay notifications under real concurrency (PostgreSQL, real threads):
the same notification ten times at once, and a notification racing the reconciler, pay the
order once."""

import pytest
from rest_framework.test import APIClient

from commerce.models import LedgerEntry, Order, WebhookEvent
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services import order_checkout_redirect, payments_reconcile
from courses.models import Enrollment

from .concurrency import run_together
from .conftest import ALIPAY_NOTIFY_PATH, WECHATPAY_NOTIFY_PATH

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _start(user, course, provider):
    return order_checkout_redirect(
        user=user,
        currency="CNY",
        idempotency_key="race",
        return_urls=lambda n: (f"http://testserver/en/orders/{n}/", f"http://testserver/en/orders/{n}/"),
        provider_name=provider,
        items=[{"course": course.slug}],
    ).order


def _assert_paid_once(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.filter(user=order.user).count() == 1
    assert LedgerEntry.objects.filter(order=order).count() == 2


def test_same_wechat_notification_ten_times_at_once(fake_wechatpay, learner, course):
    order = _start(learner, course, "wechatpay")
    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)
    body, headers = fake_wechatpay.notification(trade_no)
    clients = [APIClient() for _ in range(10)]

    def deliver(i):
        response = clients[i].post(
            WECHATPAY_NOTIFY_PATH, body, content_type="application/json", headers=headers
        )
        return response.status_code, response.json()["outcome"]

    results = run_together(10, deliver)

    assert sorted(results) == [(200, "duplicate")] * 9 + [(200, "paid")]
    assert WebhookEvent.objects.count() == 1
    _assert_paid_once(order)


def test_same_alipay_notification_ten_times_at_once(fake_alipay, learner, course):
    started = order_checkout_redirect(
        user=learner,
        currency="CNY",
        idempotency_key="race",
        return_urls=lambda n: (f"http://testserver/en/orders/{n}/", f"http://testserver/en/orders/{n}/"),
        provider_name="alipay",
        items=[{"course": course.slug}],
    )
    fake_alipay.open(started.url)
    trade_no = out_trade_no(str(started.order.number))
    fake_alipay.pay(trade_no, notify=False)
    body = fake_alipay.notification(trade_no)
    clients = [APIClient() for _ in range(10)]

    def deliver(i):
        response = clients[i].post(ALIPAY_NOTIFY_PATH, body, content_type="application/x-www-form-urlencoded")
        return response.status_code, response.content

    results = run_together(10, deliver)

    assert results == [(200, b"success")] * 10
    assert WebhookEvent.objects.count() == 1
    _assert_paid_once(started.order)


def test_notifications_racing_the_reconciler_pay_once(fake_wechatpay, learner, course, settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order = _start(learner, course, "wechatpay")
    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)
    body, headers = fake_wechatpay.notification(trade_no)
    clients = [APIClient() for _ in range(10)]

    def work(i):
        if i % 2:
            return payments_reconcile()
        return (
            clients[i]
            .post(WECHATPAY_NOTIFY_PATH, body, content_type="application/json", headers=headers)
            .status_code
        )

    results = run_together(10, work)

    assert not [r for r in results if isinstance(r, Exception)]
    _assert_paid_once(order)


def test_same_wechat_refund_notification_twenty_times_at_once_applies_once(fake_wechatpay, learner, course):
    """Twenty deliveries at once, half of them the same event and half new event ids for
    the same refund: one application (one reversal per party), the rest no-ops."""
    from decimal import Decimal

    from commerce.models import Refund
    from commerce.services import order_refund

    order = _start(learner, course, "wechatpay")
    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)
    body, headers = fake_wechatpay.notification(trade_no)
    paid = APIClient().post(WECHATPAY_NOTIFY_PATH, body, content_type="application/json", headers=headers)
    assert paid.json()["outcome"] == "paid"
    order.refresh_from_db()
    refund = order_refund(order=order, amount="100.00", reason="asked", staff_user=None)
    key = f"{order.number}-refund-{refund.pk}"
    fake_wechatpay.finish_refund(key)
    same = fake_wechatpay.refund_notification(key)
    deliveries = [same if i % 2 else fake_wechatpay.refund_notification(key) for i in range(20)]

    def deliver(i):
        body, headers = deliveries[i]
        response = APIClient().post(
            WECHATPAY_NOTIFY_PATH, body, content_type="application/json", headers=headers
        )
        return response.status_code, response.json()["outcome"]

    results = run_together(20, deliver)

    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = sorted(outcome for _status, outcome in results)
    assert {status for status, _outcome in results} == {200}
    assert outcomes.count("refund_succeeded") == 1
    assert set(outcomes) <= {"refund_succeeded", "duplicate", "no_change"}
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (order.status, order.amount_refunded) == ("partially_refunded", Decimal("100.00"))
    assert LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.REFUND).count() == 2
    assert (
        WebhookEvent.objects.filter(event_type="REFUND.SUCCESS").count() == 11
    )  # 10 new ids + the repeated one
