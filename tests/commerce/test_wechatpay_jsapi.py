"""WeChat Pay inside WeChat's own browser (JSAPI) for a learner signed in with WeChat,
against the fake WeChat Pay API on 127.0.0.1: the JSAPI prepay order names the payer's
openid, the page gets WeixinJSBridge's parameters signed with the merchant key (checked
here with the merchant's public key, independently of wechatpayv3), and a learner without
an openid, or another browser, gets H5 or Native as before."""

import base64
import json
import re

import pytest
from allauth.socialaccount.models import SocialAccount
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from commerce.exceptions import PaymentProviderError
from commerce.models import Order
from commerce.payment_methods import methods_for
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services import order_checkout_redirect

from .test_web_cnpay import DESKTOP, PHONE, _form, _methods, url

pytestmark = pytest.mark.django_db

WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


@pytest.fixture
def wechat_learner(learner, fake_wechatpay, wechat_keys, settings):
    """A learner who signed in with WeChat through the official account that also takes
    the payments (the same app id: an openid is only good with its own app)."""
    settings.SOCIAL_LOGIN_CREDENTIALS = {
        **settings.SOCIAL_LOGIN_CREDENTIALS,
        "weixin": (wechat_keys.appid, "s"),
    }
    SocialAccount.objects.create(user=learner, provider="weixin", uid=OPENID, extra_data={"openid": OPENID})
    fake_wechatpay.openids.add(OPENID)
    return learner


def _verifies(keys, params: dict) -> bool:
    message = "".join(f"{params[k]}\n" for k in ("appId", "timeStamp", "nonceStr", "package"))
    try:
        keys.merchant_key.public_key().verify(
            base64.b64decode(params["paySign"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except InvalidSignature:
        return False
    return True


def _start(user, course, *, channel="jsapi", payer=OPENID):
    return order_checkout_redirect(
        user=user,
        currency="CNY",
        idempotency_key="jsapi-1",
        return_urls=lambda n: (f"http://testserver/en/orders/{n}/", f"http://testserver/en/orders/{n}/"),
        provider_name="wechatpay",
        channel=channel,
        payer=payer,
        items=[{"course": course.slug}],
    )


def test_a_jsapi_order_names_the_payer_and_returns_parameters_signed_with_the_merchant_key(
    fake_wechatpay, wechat_keys, wechat_learner, course
):
    started = _start(wechat_learner, course)

    [request] = fake_wechatpay.requests
    trade_no = out_trade_no(str(started.order.number))
    assert request["path"] == "/v3/pay/transactions/jsapi"
    assert request["body"]["payer"] == {"openid": OPENID}
    assert (request["body"]["appid"], request["body"]["mchid"]) == (wechat_keys.appid, wechat_keys.mchid)
    assert request["body"]["amount"] == {"total": 19900, "currency": "CNY"}
    assert (started.kind, started.url, started.order.payment_reference) == ("jsapi", "", trade_no)
    params = started.params
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["appId"] == wechat_keys.appid and params["signType"] == "RSA"
    assert params["package"] == f"prepay_id=wx{fake_wechatpay.orders[trade_no]['prepay']}"
    assert params["timeStamp"].isdigit()
    assert _verifies(wechat_keys, params)
    assert not _verifies(wechat_keys, {**params, "package": "prepay_id=wx-another"})


def test_without_an_openid_the_order_falls_back_to_h5(fake_wechatpay, learner, course):
    started = _start(learner, course, payer="")

    assert fake_wechatpay.requests[0]["path"] == "/v3/pay/transactions/h5"
    assert started.kind == "redirect" and started.params is None


def test_an_openid_of_another_app_is_refused_by_wechat_pay(fake_wechatpay, learner, course):
    with pytest.raises(PaymentProviderError):
        _start(learner, course, payer="o-of-another-app")
    assert Order.objects.get().status == "failed"


@pytest.mark.parametrize(
    ("agent", "signed_in_with_wechat", "offered"),
    [
        (WECHAT, True, "wechatpay:jsapi"),
        (WECHAT, False, "wechatpay:h5"),  # no openid: as in any phone browser
        (PHONE, True, "wechatpay:h5"),  # another browser cannot pay by JSAPI
        (DESKTOP, True, "wechatpay:native"),
    ],
)
def test_the_wechat_channel_follows_the_browser_and_the_openid(
    fake_wechatpay, settings, agent, signed_in_with_wechat, offered
):
    methods = methods_for(
        currency="CNY", user_agent=agent, wechat_openid=OPENID if signed_in_with_wechat else ""
    )
    assert [m["key"] for m in methods if m["provider"] == "wechatpay"] == [offered]


def test_the_sign_in_app_must_be_the_payment_app(fake_wechatpay, wechat_learner, client, course, settings):
    settings.SOCIAL_LOGIN_CREDENTIALS = {
        **settings.SOCIAL_LOGIN_CREDENTIALS,
        "weixin": ("wx-website-app", "s"),
    }
    html, _data = _form(client, wechat_learner, course, agent=WECHAT)
    assert "wechatpay:jsapi" not in _methods(html) and "wechatpay:h5" in _methods(html)


def test_the_web_checkout_in_wechat_opens_the_payment_sheet_and_polls_until_paid(
    fake_wechatpay, wechat_keys, wechat_learner, client, course
):
    html, form = _form(client, wechat_learner, course, agent=WECHAT)
    assert _methods(html) == ["sandbox:", "wechatpay:jsapi"]

    response = client.post(
        url("commerce:checkout"), {**form, "method": "wechatpay:jsapi"}, headers={"User-Agent": WECHAT}
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("commerce:order_pay", number=order.number)
    page = client.get(response["Location"], headers={"User-Agent": WECHAT}).content.decode()
    params = json.loads(
        re.search(r'<script id="wechat-pay-params" type="application/json">(.*?)</script>', page).group(1)
    )
    assert _verifies(wechat_keys, params)
    assert "js/wechat-pay.js" in page and "js/order-pay.js" in page
    assert 'data-status-url="' + url("commerce:order_status", number=order.number) + '"' in page

    trade_no = out_trade_no(str(order.number))
    fake_wechatpay.pay(trade_no, notify=False)
    body, headers = fake_wechatpay.notification(trade_no)
    delivered = client.post(
        "/api/v1/payments/webhooks/wechatpay/", body, content_type="application/json", headers=headers
    )
    assert delivered.json()["outcome"] == "paid"
    assert client.get(url("commerce:order_status", number=order.number)).json()["paid"] is True


def test_a_jsapi_choice_is_refused_for_a_learner_without_an_openid(fake_wechatpay, learner, client, course):
    _html, form = _form(client, learner, course, agent=WECHAT)

    response = client.post(
        url("commerce:checkout"), {**form, "method": "wechatpay:jsapi"}, headers={"User-Agent": WECHAT}
    )

    assert response.status_code == 400
    assert not Order.objects.exists() and fake_wechatpay.requests == []


def test_the_api_returns_the_bridge_parameters_for_a_jsapi_checkout(
    fake_wechatpay, wechat_keys, wechat_learner, course
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(wechat_learner)
    response = api.post(
        "/api/v1/checkout/",
        {
            "items": [{"course": course.slug}],
            "currency": "CNY",
            "payment": {"provider": "wechatpay", "channel": "jsapi"},
        },
        format="json",
        headers={"User-Agent": WECHAT, "Idempotency-Key": "api-jsapi-1"},
    )

    assert response.status_code == 201, response.json()
    action = response.json()["payment_action"]
    assert action["kind"] == "jsapi" and action["url"] == ""
    assert _verifies(wechat_keys, action["params"])
    assert fake_wechatpay.requests[-1]["body"]["payer"] == {"openid": OPENID}


def test_the_api_lists_jsapi_inside_wechat_for_a_learner_signed_in_with_wechat(
    fake_wechatpay, wechat_learner
):
    from rest_framework.test import APIClient

    api = APIClient()
    anonymous = api.get("/api/v1/payments/methods/?currency=CNY", headers={"User-Agent": WECHAT}).json()
    api.force_authenticate(wechat_learner)
    signed_in = api.get("/api/v1/payments/methods/?currency=CNY", headers={"User-Agent": WECHAT}).json()

    assert [(m["channel"], m["kind"]) for m in anonymous if m["provider"] == "wechatpay"] == [
        ("h5", "redirect")
    ]
    assert [(m["channel"], m["kind"]) for m in signed_in if m["provider"] == "wechatpay"] == [
        ("jsapi", "jsapi")
    ]
