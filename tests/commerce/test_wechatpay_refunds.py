"""WeChat Pay refund notifications (REFUND.SUCCESS / ABNORMAL / CLOSED) against the fake
WeChat Pay API on 127.0.0.1: the resource is AES-256-GCM encrypted under the APIv3 key and
the body signed with the platform key, by the fake, independently of ``wechatpayv3``. A
refund WeChat Pay answered PROCESSING waits; the notification settles it once."""

from decimal import Decimal

import pytest
from django.core import mail
from rest_framework.test import APIClient

from commerce.models import LedgerEntry, Refund, WebhookEvent
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services import order_checkout_redirect, order_refund
from commerce.services.refunds import REFUND_FAILED_TOPIC
from core.models import OutboxMessage
from core.outbox import outbox_drain
from courses.models import Enrollment
from tests.factories import UserFactory

from .conftest import WECHATPAY_NOTIFY_PATH

pytestmark = pytest.mark.django_db


def _notify(body: bytes, headers: dict):
    return APIClient().post(WECHATPAY_NOTIFY_PATH, body, content_type="application/json", headers=headers)


def paid_wechat_order(fake, learner, course, key="k1"):
    order = order_checkout_redirect(
        user=learner,
        currency="CNY",
        idempotency_key=key,
        return_urls=lambda n: (f"http://testserver/en/orders/{n}/", f"http://testserver/en/orders/{n}/"),
        provider_name="wechatpay",
        items=[{"course": course.slug}],
    ).order
    trade_no = out_trade_no(str(order.number))
    fake.pay(trade_no, notify=False)
    assert _notify(*fake.notification(trade_no)).json()["outcome"] == "paid"
    order.refresh_from_db()
    return order


def _reversals(order) -> int:
    return LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.REFUND).count()


@pytest.fixture
def pending_refund(fake_wechatpay, learner, course):
    order = paid_wechat_order(fake_wechatpay, learner, course)
    refund = order_refund(order=order, amount=None, reason="asked", staff_user=None)
    assert refund.status == Refund.Status.PENDING
    return refund


def test_refund_success_notification_applies_the_refund_once(fake_wechatpay, pending_refund):
    order = pending_refund.order
    key = f"{order.number}-refund-{pending_refund.pk}"
    assert Enrollment.objects.get(user=order.user).is_active  # nothing applied while pending
    assert _reversals(order) == 0
    fake_wechatpay.finish_refund(key)
    body, headers = fake_wechatpay.refund_notification(key)
    assert fake_wechatpay.refund_notify_urls[key] == f"http://testserver{WECHATPAY_NOTIFY_PATH}"

    first = _notify(body, headers)
    again = _notify(body, headers)  # the same notification delivered again
    later = _notify(*fake_wechatpay.refund_notification(key))  # another event id, same refund

    assert first.status_code == 200 and first.json()["outcome"] == "refund_succeeded"
    assert again.json() == {"received": True, "duplicate": True, "outcome": "duplicate"}
    assert later.json()["outcome"] == "no_change"
    pending_refund.refresh_from_db()
    order.refresh_from_db()
    assert pending_refund.status == Refund.Status.SUCCEEDED
    assert pending_refund.provider_reference == fake_wechatpay.refunds[key]["refund_id"]
    assert (order.status, order.amount_refunded) == ("refunded", Decimal("199.00"))
    assert not Enrollment.objects.get(user=order.user).is_active
    assert _reversals(order) == 2  # one reversing entry per party of the sale, once
    sale = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.SALE)
    assert sum(e.amount for e in LedgerEntry.objects.filter(order=order)) == 0
    assert sale.count() == 2
    assert list(WebhookEvent.objects.order_by("id").values_list("event_type", "outcome"))[-2:] == [
        ("REFUND.SUCCESS", "refund_succeeded"),
        ("REFUND.SUCCESS", "no_change"),
    ]


@pytest.mark.parametrize("status", ["ABNORMAL", "CLOSED"])
def test_refund_that_could_not_be_paid_back_fails_and_alerts_staff(fake_wechatpay, pending_refund, status):
    UserFactory(username="ops", email="ops@example.com", is_staff=True)
    UserFactory(username="gone", email="gone@example.com", is_staff=True, is_active=False)
    order = pending_refund.order
    key = f"{order.number}-refund-{pending_refund.pk}"

    response = _notify(*fake_wechatpay.finish_refund(key, status=status))
    again = _notify(*fake_wechatpay.refund_notification(key))

    assert response.json()["outcome"] == "refund_failed"
    assert again.json()["outcome"] == "no_change"
    pending_refund.refresh_from_db()
    order.refresh_from_db()
    assert pending_refund.status == Refund.Status.FAILED
    assert (order.status, order.amount_refunded) == ("paid", Decimal("0.00"))
    assert Enrollment.objects.get(user=order.user).is_active
    assert _reversals(order) == 0
    assert OutboxMessage.objects.filter(topic=REFUND_FAILED_TOPIC).count() == 1
    mail.outbox.clear()
    outbox_drain()
    outbox_drain()  # delivered once
    [alert] = [m for m in mail.outbox if "could not be paid back" in m.subject]
    assert alert.to == ["ops@example.com"]
    assert str(order.number) in alert.subject and "199.00 CNY" in alert.body
    if status == "CLOSED":
        # Closed by WeChat Pay: the amount is free again, staff can refund once more.
        assert order_refund(order=order, amount=None, reason="again", staff_user=None).status == "pending"


def test_a_refund_notification_with_a_bad_signature_or_amount_changes_nothing(fake_wechatpay, pending_refund):
    key = f"{pending_refund.order.number}-refund-{pending_refund.pk}"
    fake_wechatpay.finish_refund(key)
    body, headers = fake_wechatpay.refund_notification(key)
    forged = body.replace(b"REFUND.SUCCESS", b"REFUND.CLOSED")

    assert _notify(forged, headers).status_code == 400
    assert _notify(*fake_wechatpay.refund_notification(key, refund=1)).status_code == 400

    pending_refund.refresh_from_db()
    assert pending_refund.status == Refund.Status.PENDING
    assert not WebhookEvent.objects.filter(event_type__startswith="REFUND").exists()


def test_a_notification_of_a_refund_made_elsewhere_is_recorded_and_ignored(
    fake_wechatpay, pending_refund, learner
):
    key = f"{pending_refund.order.number}-refund-{pending_refund.pk}"
    fake_wechatpay.refunds["console-refund-1"] = {
        **fake_wechatpay.refunds[key],
        "out_refund_no": "console-refund-1",
    }
    fake_wechatpay.finish_refund("console-refund-1")

    response = _notify(*fake_wechatpay.refund_notification("console-refund-1"))

    assert response.json()["outcome"] == "refund_unknown"
    pending_refund.refresh_from_db()
    assert pending_refund.status == Refund.Status.PENDING
