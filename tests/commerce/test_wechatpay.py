"""WeChat Pay against a fake WeChat Pay API on 127.0.0.1: ``wechatpayv3``, our adapter and
checkout are real; keys, the platform certificate and every signature are real too."""

import json
import time
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from commerce.exceptions import PaymentOutcomeUnknown, PaymentProviderError
from commerce.models import Order, Refund, WebhookEvent
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services import order_checkout_redirect, order_refund, payments_reconcile
from courses.models import Enrollment
from tests.factories import UserFactory

from .conftest import WECHATPAY_NOTIFY_PATH

pytestmark = pytest.mark.django_db


def _urls(number):
    return (
        f"http://testserver/en/orders/{number}/?paid=1",
        f"http://testserver/en/orders/{number}/?cancelled=1",
    )


def _start(user, course, *, channel="native", key="k1"):
    return order_checkout_redirect(
        user=user,
        currency="CNY",
        idempotency_key=key,
        return_urls=_urls,
        provider_name="wechatpay",
        channel=channel,
        client_ip="203.0.113.9",
        items=[{"course": course.slug}],
    )


def _notify(body: bytes, headers: dict):
    return APIClient().post(WECHATPAY_NOTIFY_PATH, body, content_type="application/json", headers=headers)


def _state(order):
    order.refresh_from_db()
    enrolled = Enrollment.objects.filter(user=order.user, is_active=True).count()
    return order.status, enrolled, WebhookEvent.objects.count()


def test_native_checkout_shows_a_qr_code_and_the_notification_pays_once(fake_wechatpay, learner, course):
    started = _start(learner, course)

    order = started.order
    trade_no = out_trade_no(str(order.number))
    assert (started.kind, started.url) == (
        "qr",
        f"weixin://wxpay/bizpayurl?pr={fake_wechatpay.orders[trade_no]['prepay']}",
    )
    assert (order.status, order.provider, order.payment_reference) == ("pending", "wechatpay", trade_no)
    [request] = fake_wechatpay.requests
    assert request["path"] == "/v3/pay/transactions/native"
    assert request["body"]["amount"] == {"total": 19900, "currency": "CNY"}  # fen
    assert request["body"]["notify_url"] == f"http://testserver{WECHATPAY_NOTIFY_PATH}"

    fake_wechatpay.pay(trade_no, notify=False)
    body, headers = fake_wechatpay.notification(trade_no)
    first = _notify(body, headers)
    again = _notify(body, headers)  # WeChat Pay delivers again when unsure we got it

    assert first.status_code == 200 and first.json()["outcome"] == "paid"
    assert again.status_code == 200 and again.json() == {
        "received": True,
        "duplicate": True,
        "outcome": "duplicate",
    }
    assert _state(order) == ("paid", 1, 1)


def test_submitting_twice_shows_the_same_code_and_makes_one_wechat_order(fake_wechatpay, learner, course):
    first = _start(learner, course)
    second = _start(learner, course)
    assert (second.order.pk, second.url) == (first.order.pk, first.url)
    assert len(fake_wechatpay.orders) == 1


def test_h5_on_a_phone_sends_the_browser_to_wechat_and_back(fake_wechatpay, learner, course):
    started = _start(learner, course, channel="h5")

    assert started.kind == "redirect"
    assert started.url.startswith(f"{fake_wechatpay.url}/h5/")
    assert "redirect_url=http%3A%2F%2Ftestserver%2Fen%2Forders%2F" in started.url
    request = fake_wechatpay.requests[0]
    assert request["path"] == "/v3/pay/transactions/h5"
    assert request["body"]["scene_info"] == {"payer_client_ip": "203.0.113.9", "h5_info": {"type": "Wap"}}


@pytest.mark.parametrize(
    "tamper",
    ["signature", "body", "timestamp", "serial", "stale"],
)
def test_a_notification_with_a_bad_signature_is_refused_and_changes_nothing(
    fake_wechatpay, learner, course, tamper
):
    order = _start(learner, course).order
    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)
    body, headers = fake_wechatpay.notification(trade_no)
    if tamper == "signature":  # signed by someone else's key
        from .fake_cnpay import _new_key, _rsa_sign

        headers["Wechatpay-Signature"] = _rsa_sign(
            _new_key(), f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body.decode()}\n"
        )
    elif tamper == "body":
        body = body.replace(b'"TRANSACTION.SUCCESS"', b'"TRANSACTION.SUCCESS" ')
    elif tamper == "timestamp":
        headers["Wechatpay-Timestamp"] = str(int(headers["Wechatpay-Timestamp"]) + 1)
    elif tamper == "serial":
        headers["Wechatpay-Serial"] = "not-hex"
    else:  # a captured notification replayed an hour later, correctly signed
        headers = fake_wechatpay._signed_headers(body.decode(), timestamp=int(time.time()) - 3600)

    response = _notify(body, headers)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert response.json()["detail"]
    assert _state(order) == ("pending", 0, 0)


def test_a_notification_for_another_amount_is_refused_and_changes_nothing(fake_wechatpay, learner, course):
    order = _start(learner, course).order
    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)
    body, headers = fake_wechatpay.notification(trade_no, total=1)  # 0.01 CNY, correctly signed

    response = _notify(body, headers)

    assert (response.status_code, response.json()["code"]) == (400, "amount_mismatch")
    assert _state(order) == ("pending", 0, 0)


def test_the_reconciler_asks_wechat_pay_and_pays_an_order_whose_notification_never_came(
    fake_wechatpay, learner, course, settings
):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order = _start(learner, course).order
    assert payments_reconcile() == {"order_pending": 1}  # scanned, not paid yet
    fake_wechatpay.pay(out_trade_no(str(order.number)), notify=False)

    assert payments_reconcile() == {"order_paid": 1}
    assert payments_reconcile() == {}
    assert _state(order)[:2] == ("paid", 1)
    queries = [r for r in fake_wechatpay.requests if r["method"] == "GET"]
    assert queries[-1]["path"] == f"/v3/pay/transactions/out-trade-no/{out_trade_no(str(order.number))}"


def test_the_reconciler_refuses_a_payment_of_another_amount(fake_wechatpay, learner, course, settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order = _start(learner, course).order
    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)
    fake_wechatpay.orders[trade_no]["amount"] = {"total": 1, "currency": "CNY"}

    payments_reconcile()

    assert _state(order)[:2] == ("pending", 0)


def test_the_reconciler_cancels_an_unpaid_order_after_the_hold(fake_wechatpay, learner, course, settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    settings.COMMERCE_SEAT_HOLD_MINUTES = 0
    order = _start(learner, course).order
    assert payments_reconcile() == {"order_cancelled": 1}
    assert _state(order)[0] == "cancelled"


def _paid(fake, learner, course):
    order = _start(learner, course).order
    trade_no = out_trade_no(str(order.number))
    fake.pay(trade_no, notify=False)
    assert _notify(*fake.notification(trade_no)).json()["outcome"] == "paid"
    order.refresh_from_db()
    return order, trade_no


def test_refund_goes_to_wechat_pay_once_per_refund(fake_wechatpay, learner, course):
    order, _trade_no = _paid(fake_wechatpay, learner, course)

    refund = order_refund(order=order, amount="50.00", reason="asked", staff_user=UserFactory(username="s"))

    # WeChat Pay answers PROCESSING: the refund waits (its amount reserved) for the word.
    assert refund.status == Refund.Status.PENDING
    [sent] = fake_wechatpay.refunds.values()
    assert sent["out_refund_no"] == f"{order.number}-refund-{refund.pk}"
    assert sent["amount"]["refund"] == 5000 and sent["amount"]["total"] == 19900
    assert refund.provider_reference == sent["refund_id"]
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("paid", Decimal("0.00"))

    assert (
        _notify(*fake_wechatpay.finish_refund(sent["out_refund_no"])).json()["outcome"] == "refund_succeeded"
    )
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert (order.status, order.amount_refunded) == ("partially_refunded", Decimal("50.00"))


@pytest.mark.parametrize("fault", ["timeout_after", "error_500_after"])
def test_refund_with_unknown_outcome_is_settled_once_by_the_reconciler(
    fake_wechatpay, learner, course, settings, fault
):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order, _trade_no = _paid(fake_wechatpay, learner, course)
    fake_wechatpay.faults.append(("/v3/refund/", fault))

    with pytest.raises(PaymentOutcomeUnknown):
        order_refund(order=order, amount=None, reason="asked", staff_user=None)
    assert Refund.objects.get().status == Refund.Status.PENDING

    assert payments_reconcile() == {"refund_pending": 1}  # WeChat Pay: PROCESSING
    assert len(fake_wechatpay.refunds) == 1  # the same out_refund_no: one refund
    # The notification is lost; the next pass asks again and hears SUCCESS.
    [key] = fake_wechatpay.refunds
    fake_wechatpay.finish_refund(key)
    assert payments_reconcile() == {"refund_succeeded": 1}
    assert len(fake_wechatpay.refunds) == 1
    order.refresh_from_db()
    assert order.status == "refunded"


@pytest.mark.parametrize("fault", ["timeout_before", "error_500"])
def test_qr_code_request_fails_before_wechat_made_an_order_then_a_retry_makes_one(
    fake_wechatpay, learner, course, fault
):
    fake_wechatpay.faults.append(("/v3/pay/", fault))
    with pytest.raises(PaymentOutcomeUnknown):
        _start(learner, course)
    assert Order.objects.get().status == "pending"
    assert fake_wechatpay.orders == {}

    retry = _start(learner, course)
    assert retry.kind == "qr" and retry.order.pk == Order.objects.get().pk
    assert len(fake_wechatpay.orders) == 1


@pytest.mark.parametrize("fault", ["timeout_after", "error_500_after"])
def test_qr_code_answer_lost_after_wechat_made_the_order_the_learner_pays_and_is_enrolled_once(
    fake_wechatpay, learner, course, settings, fault
):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    fake_wechatpay.faults.append(("/v3/pay/", fault))
    with pytest.raises(PaymentOutcomeUnknown):
        _start(learner, course)
    order = Order.objects.get()
    [trade_no] = fake_wechatpay.orders
    assert trade_no == out_trade_no(str(order.number))
    assert order.payment_reference == ""  # the answer was lost

    retry = _start(learner, course)  # same out_trade_no: the same WeChat order and code
    assert retry.url.endswith(fake_wechatpay.orders[trade_no]["prepay"])
    fake_wechatpay.pay(trade_no, notify=False)
    assert payments_reconcile() == {"order_paid": 1}
    assert _notify(*fake_wechatpay.notification(trade_no)).json()["outcome"] == "no_change"
    assert _state(order)[:2] == ("paid", 1)
    assert len(fake_wechatpay.charges) == 1


def test_the_reconciler_changes_nothing_while_wechat_pay_is_down(fake_wechatpay, learner, course, settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0
    order = _start(learner, course).order
    fake_wechatpay.faults.append(("/v3/pay/transactions/out-trade-no/", "error_500"))
    # GET faults: the fake applies them to every method.
    assert payments_reconcile() == {"order_provider_unavailable": 1}
    assert _state(order)[0] == "pending"


def test_a_refused_request_is_an_error_not_a_charge(fake_wechatpay, learner, course, settings):
    settings.WECHATPAY_MCHID = "1900000999"  # WeChat Pay refuses the request's signature
    with pytest.raises(PaymentProviderError) as exc:
        _start(learner, course)
    assert exc.value.code == "payment_provider_error"
    assert Order.objects.get().status == "failed"
    assert fake_wechatpay.orders == {}


def test_notification_body_is_the_documented_shape(fake_wechatpay, learner, course):
    """The fake's notification decrypts to WeChat Pay's documented transaction fields."""
    order = _start(learner, course).order
    trade_no = out_trade_no(str(order.number))
    body, _headers = fake_wechatpay.notification(trade_no)
    data = json.loads(body)
    assert data["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    assert "out_trade_no" not in body.decode()  # encrypted


def test_a_rotated_platform_certificate_is_downloaded_and_decrypted(
    fake_wechatpay, learner, course, settings, tmp_path
):
    """WeChat Pay signs answers and notifications with a platform certificate the site has
    not stored yet: the SDK fetches /v3/certificates (each certificate AES-256-GCM
    encrypted with the APIv3 key), keeps it in WECHATPAY_CERT_DIR and verifies with it."""
    from .fake_cnpay import WeChatKeys

    old = WeChatKeys.generate()  # only its certificate is on disk
    settings.WECHATPAY_CERT_DIR = old.write_cert_dir(tmp_path / "old-certs")
    order = _start(learner, course).order
    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)

    response = _notify(*fake_wechatpay.notification(trade_no))

    assert response.json()["outcome"] == "paid"
    assert any(r["path"] == "/v3/certificates" for r in fake_wechatpay.requests)
    assert (tmp_path / "old-certs" / f"{fake_wechatpay.keys.platform_serial}.pem").read_text() == (
        fake_wechatpay.keys.platform_cert_pem
    )


def test_the_notification_pays_an_order_whose_qr_answer_was_lost(fake_wechatpay, learner, course):
    """WeChat Pay made the order, our side never learnt it (timeout after), the learner
    paid anyway (the code reached her another way): the notification names the order by
    its out_trade_no and pays it once."""
    fake_wechatpay.faults.append(("/v3/pay/", "timeout_after"))
    with pytest.raises(PaymentOutcomeUnknown):
        _start(learner, course)
    order = Order.objects.get()
    [trade_no] = fake_wechatpay.orders
    fake_wechatpay.pay(trade_no, notify=False)

    response = _notify(*fake_wechatpay.notification(trade_no))

    assert response.json()["outcome"] == "paid"
    order.refresh_from_db()
    assert (order.status, order.payment_reference) == ("paid", trade_no)


def test_an_answer_not_signed_by_wechat_pay_is_not_believed(fake_wechatpay, learner, course):
    from .fake_cnpay import _new_key

    fake_wechatpay.answer_key = _new_key()
    with pytest.raises(PaymentOutcomeUnknown):
        _start(learner, course)
    order = Order.objects.get()
    assert (order.status, order.payment_reference) == ("pending", "")  # no code shown
