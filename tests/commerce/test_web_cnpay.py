"""The web checkout and the storefront API offer WeChat Pay and Alipay for CNY, through the
channel of the learner's device, against the fake providers on 127.0.0.1."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from commerce.models import Order
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services import cart_add
from courses.models import Enrollment

from .fake_cnpay import query_of

pytestmark = pytest.mark.django_db

DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture
def cnpay(fake_wechatpay, fake_alipay, settings):
    settings.PAYMENT_PROVIDERS_ENABLED = ["sandbox", "wechatpay", "alipay"]
    return fake_wechatpay, fake_alipay


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


def _form(client, learner, course, *, agent=DESKTOP, currency="CNY") -> tuple[str, dict]:
    client.force_login(learner)
    cart_add(user=learner, course_slug=course.slug)
    page = client.get(url("commerce:checkout") + f"?currency={currency}", headers={"User-Agent": agent})
    assert page.status_code == 200
    html = page.content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)
    return html, {"currency": currency, "discount_code": "", "idempotency_key": key, "token": "tok_success"}


def _methods(html: str) -> list[str]:
    return re.findall(r'name="method" value="([^"]+)"', html)


def test_cny_checkout_offers_wechat_qr_and_alipay_page_on_a_desktop(client, learner, course, cnpay):
    html, _form_data = _form(client, learner, course)
    assert _methods(html) == ["sandbox:", "wechatpay:native", "alipay:page"]
    assert "WeChat Pay (scan the QR code)" in html and "Alipay" in html


def test_cny_checkout_offers_wechat_h5_and_alipay_wap_on_a_phone(client, learner, course, cnpay):
    html, _form_data = _form(client, learner, course, agent=PHONE)
    assert _methods(html) == ["sandbox:", "wechatpay:h5", "alipay:wap"]


def test_other_currencies_offer_neither(client, learner, course, cnpay):
    html, _form_data = _form(client, learner, course, currency="USD")
    assert _methods(html) == []  # only the sandbox: its test cards, as before
    assert 'name="token"' in html


def test_wechat_qr_page_polls_and_shows_paid(client, learner, course, cnpay):
    wechat, _alipay = cnpay
    _html, form = _form(client, learner, course)

    response = client.post(
        url("commerce:checkout"), {**form, "method": "wechatpay:native"}, headers={"User-Agent": DESKTOP}
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("commerce:order_pay", number=order.number)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'data-testid="wechat-qr"' in page.content.decode() and "<svg" in page.content.decode()
    status = client.get(url("commerce:order_status", number=order.number)).json()
    assert (status["status"], status["paid"]) == ("pending", False)

    wechat.pay(out_trade_no(str(order.number)), notify=False)  # paid; the notification is late
    # The page's next poll comes after the refresh pause: the provider is asked then.
    from django.core.cache import cache

    cache.delete(f"commerce:status-refresh:{order.pk}")
    status = client.get(url("commerce:order_status", number=order.number)).json()
    assert (status["status"], status["paid"]) == ("paid", True)
    assert Enrollment.objects.filter(user=learner, course=course, is_active=True).exists()
    # Paid: the QR page is over, the order page takes over.
    assert client.get(url("commerce:order_pay", number=order.number))["Location"] == url(
        "commerce:order_detail", number=order.number
    )


def test_status_of_someone_elses_order_is_not_found(client, learner, course, cnpay):
    from tests.factories import UserFactory

    _html, form = _form(client, learner, course)
    client.post(url("commerce:checkout"), {**form, "method": "wechatpay:native"})
    order = Order.objects.get()
    client.force_login(UserFactory(username="other"))
    assert client.get(url("commerce:order_status", number=order.number)).status_code == 404
    assert client.get(url("commerce:order_pay", number=order.number)).status_code == 404


def test_phone_wechat_goes_to_the_h5_page_and_alipay_to_the_gateway(client, learner, course, cnpay):
    wechat, alipay = cnpay
    _html, form = _form(client, learner, course, agent=PHONE)
    wechat_h5 = client.post(
        url("commerce:checkout"), {**form, "method": "wechatpay:h5"}, headers={"User-Agent": PHONE}
    )
    assert wechat_h5.status_code == 302 and wechat_h5["Location"].startswith(f"{wechat.url}/h5/")

    # The learner comes back and pays the same cart with Alipay instead (a new order).
    _html, form = _form(client, learner, course, agent=PHONE)
    alipay_wap = client.post(
        url("commerce:checkout"), {**form, "method": "alipay:wap"}, headers={"User-Agent": PHONE}
    )
    assert alipay_wap.status_code == 302 and alipay_wap["Location"].startswith(alipay.gateway + "?")
    assert query_of(alipay_wap["Location"])["method"] == "alipay.trade.wap.pay"


def test_alipay_page_pay_redirects_to_a_signed_link(client, learner, course, cnpay):
    _wechat, alipay = cnpay
    _html, form = _form(client, learner, course)
    response = client.post(url("commerce:checkout"), {**form, "method": "alipay:page"})
    assert response.status_code == 302 and response["Location"].startswith(alipay.gateway + "?")
    assert query_of(response["Location"])["method"] == "alipay.trade.page.pay"
    assert alipay.open(response["Location"]).status_code == 200


def test_a_forged_method_is_refused_with_the_page_and_changes_nothing(client, learner, course, cnpay):
    _html, form = _form(client, learner, course)
    response = client.post(url("commerce:checkout"), {**form, "method": "stripe:"})  # not enabled
    assert response.status_code == 400
    assert Order.objects.count() == 0


def test_api_lists_methods_by_currency_and_device(cnpay):
    api = APIClient()
    desktop = api.get("/api/v1/payments/methods/?currency=CNY", headers={"User-Agent": DESKTOP})
    phone = api.get("/api/v1/payments/methods/?currency=CNY&device=mobile", HTTP_ACCEPT_LANGUAGE="zh-hans")
    usd = api.get("/api/v1/payments/methods/?currency=USD")
    bad = api.get("/api/v1/payments/methods/?currency=XXX")

    assert [(m["provider"], m["channel"], m["kind"]) for m in desktop.json()] == [
        ("sandbox", "", "card"),
        ("wechatpay", "native", "qr"),
        ("alipay", "page", "redirect"),
    ]
    assert [m["label"] for m in phone.json()][1:] == ["微信支付", "支付宝"]
    assert [m["provider"] for m in usd.json()] == ["sandbox"]
    assert bad.status_code == 400 and bad.json()["code"] == "currency_not_available"


def test_api_checkout_with_wechat_pay_answers_the_code_to_show(learner, course, cnpay):
    wechat, _alipay = cnpay
    api = APIClient()
    api.force_authenticate(learner)
    body = {"items": [{"course": course.slug}], "currency": "CNY", "payment": {"provider": "wechatpay"}}

    first = api.post("/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": "a1"})
    again = api.post("/api/v1/checkout/", body, format="json", headers={"Idempotency-Key": "a1"})

    assert first.status_code == again.status_code == 201
    assert first.json()["order"]["status"] == "pending"
    assert first.json()["payment_action"]["kind"] == "qr"
    assert first.json()["payment_action"]["url"].startswith("weixin://wxpay/bizpayurl?pr=")
    assert again.json()["payment_action"] == first.json()["payment_action"]
    assert again["Idempotent-Replayed"] == "true"
    assert len(wechat.orders) == 1


def test_api_checkout_with_alipay_in_usd_is_refused(learner, course, cnpay):
    api = APIClient()
    api.force_authenticate(learner)
    response = api.post(
        "/api/v1/checkout/",
        {
            "items": [{"course": course.slug}],
            "currency": "USD",
            "payment": {"provider": "alipay", "channel": "wap"},
        },
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "currency_not_available")
    assert Order.objects.count() == 0
