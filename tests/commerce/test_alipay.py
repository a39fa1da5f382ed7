"""Alipay against a fake Alipay gateway on 127.0.0.1: ``python-alipay-sdk``, our adapter and
checkout are real; the app's and Alipay's RSA2 keys and every signature are real too."""

from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from rest_framework.test import APIClient

from commerce.exceptions import PaymentOutcomeUnknown
from commerce.models import Refund, WebhookEvent
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services import order_checkout_redirect, order_refund, payments_reconcile
from courses.models import Enrollment

from .conftest import ALIPAY_NOTIFY_PATH
from .fake_cnpay import _new_key, _rsa_sign, query_of

pytestmark = pytest.mark.django_db


def _urls(number):
    return (
        f"http://testserver/en/orders/{number}/?paid=1",
        f"http://testserver/en/orders/{number}/?cancelled=1",
    )


def _start(user, course, *, channel="page", key="k1"):
    return order_checkout_redirect(
        user=user,
        currency="CNY",
        idempotency_key=key,
        return_urls=_urls,
        provider_name="alipay",
        channel=channel,
        items=[{"course": course.slug}],
    )


def _notify(body: str):
    return APIClient().post(ALIPAY_NOTIFY_PATH, body, content_type="application/x-www-form-urlencoded")


def _state(order):
    order.refresh_from_db()
    enrolled = Enrollment.objects.filter(user=order.user, is_active=True).count()
    return order.status, enrolled, WebhookEvent.objects.count()


def _opened(fake, learner, course, **kwargs):
    started = _start(learner, course, **kwargs)
    assert fake.open(started.url).status_code == 200  # the browser opens Alipay's cashier
    return started.order, out_trade_no(str(started.order.number))


@pytest.mark.parametrize(
    ("channel", "method", "product"),
    [
        ("page", "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
        ("wap", "alipay.trade.wap.pay", "QUICK_WAP_PAY"),
    ],
)
def test_page_and_wap_pay_are_signed_links_and_the_notification_pays_once(
    fake_alipay, learner, course, channel, method, product
):
    started = _start(learner, course, channel=channel)

    assert started.kind == "redirect" and started.url.startswith(fake_alipay.gateway + "?")
    params = query_of(started.url)
    assert (params["method"], params["sign_type"], params["notify_url"]) == (
        method,
        "RSA2",
        f"http://testserver{ALIPAY_NOTIFY_PATH}",
    )
    assert fake_alipay.requests == []  # no server call: the browser opens the link
    assert fake_alipay.open(started.url).status_code == 200  # the fake checked our signature
    trade_no = out_trade_no(str(started.order.number))
    assert fake_alipay.trades[trade_no]["total_amount"] == "199.00"
    assert fake_alipay.trades[trade_no]["product_code"] == product

    fake_alipay.pay(trade_no, notify=False)
    body = fake_alipay.notification(trade_no)
    first, again = _notify(body), _notify(body)

    assert (first.status_code, first.content, first["Content-Type"]) == (200, b"success", "text/plain")
    assert (again.status_code, again.content) == (200, b"success")
    assert _state(started.order) == ("paid", 1, 1)


@pytest.mark.parametrize("tamper", ["foreign_key", "amount_edited", "no_sign", "rsa1"])
def test_a_notification_with_a_bad_signature_is_refused_and_changes_nothing(
    fake_alipay, learner, course, tamper
):
    order, trade_no = _opened(fake_alipay, learner, course)
    fake_alipay.pay(trade_no, notify=False)
    fields = dict(parse_qsl(fake_alipay.notification(trade_no)))
    if tamper == "foreign_key":
        unsigned = {k: v for k, v in fields.items() if k not in ("sign", "sign_type")}
        fields["sign"] = _rsa_sign(_new_key(), "&".join(f"{k}={v}" for k, v in sorted(unsigned.items())))
    elif tamper == "amount_edited":
        fields["total_amount"] = "0.01"
    elif tamper == "no_sign":
        del fields["sign"]
    else:
        fields["sign_type"] = "RSA"

    response = _notify(urlencode(fields))

    assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
    assert response.content != b"success"  # so Alipay would not take it as received
    assert _state(order) == ("pending", 0, 0)


def test_a_signed_notification_for_another_amount_is_refused(fake_alipay, learner, course):
    order, trade_no = _opened(fake_alipay, learner, course)
    fake_alipay.pay(trade_no, notify=False)

    response = _notify(fake_alipay.notification(trade_no, total_amount="1.99"))

    assert (response.status_code, response.json()["code"]) == (400, "amount_mismatch")
    assert _state(order) == ("pending", 0, 0)


def test_the_reconciler_queries_alipay(fake_alipay, learner, course, settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    started = _start(learner, course)
    assert payments_reconcile() == {"order_pending": 1}  # link never opened: no trade at Alipay
    fake_alipay.open(started.url)
    assert payments_reconcile() == {"order_pending": 1}  # WAIT_BUYER_PAY
    trade_no = out_trade_no(str(started.order.number))
    fake_alipay.pay(trade_no, notify=False)

    assert payments_reconcile() == {"order_paid": 1}
    assert _state(started.order)[:2] == ("paid", 1)
    assert [r["params"]["method"] for r in fake_alipay.requests].count("alipay.trade.query") == 3


def test_the_reconciler_changes_nothing_while_alipay_is_down(fake_alipay, learner, course, settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order, trade_no = _opened(fake_alipay, learner, course)
    fake_alipay.pay(trade_no, notify=False)
    fake_alipay.faults.append(("alipay.trade.query", "timeout_before"))
    assert payments_reconcile() == {"order_provider_unavailable": 1}
    fake_alipay.faults.append(("alipay.trade.query", "error_500"))
    assert payments_reconcile() == {"order_provider_unavailable": 1}
    assert _state(order)[0] == "pending"
    assert payments_reconcile() == {"order_paid": 1}


def _paid(fake, learner, course):
    order, trade_no = _opened(fake, learner, course)
    fake.pay(trade_no, notify=False)
    assert _notify(fake.notification(trade_no)).content == b"success"
    order.refresh_from_db()
    return order


def test_refund_goes_to_alipay_once_per_refund(fake_alipay, learner, course):
    order = _paid(fake_alipay, learner, course)

    refund = order_refund(order=order, amount="99.50", reason="asked", staff_user=None)

    assert refund.status == Refund.Status.SUCCEEDED
    [(key, sent)] = fake_alipay.refunds.items()
    assert (key, sent["refund_fee"]) == (f"{order.number}-refund-{refund.pk}", "99.50")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("partially_refunded", Decimal("99.50"))


@pytest.mark.parametrize("fault", ["timeout_after", "error_500_after"])
def test_refund_with_unknown_outcome_is_settled_once_by_the_reconciler(
    fake_alipay, learner, course, settings, fault
):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order = _paid(fake_alipay, learner, course)
    fake_alipay.faults.append(("alipay.trade.refund", fault))

    with pytest.raises(PaymentOutcomeUnknown):
        order_refund(order=order, amount=None, reason="asked", staff_user=None)
    assert Refund.objects.get().status == Refund.Status.PENDING

    assert payments_reconcile() == {"refund_succeeded": 1}
    assert len(fake_alipay.refunds) == 1  # the same out_request_no: one refund
    order.refresh_from_db()
    assert order.status == "refunded"


def test_a_closed_trade_fails_the_order(fake_alipay, learner, course, settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order, trade_no = _opened(fake_alipay, learner, course)
    fake_alipay.trades[trade_no]["trade_status"] = "TRADE_CLOSED"
    assert payments_reconcile() == {"order_failed": 1}
    assert _state(order)[0] == "failed"
