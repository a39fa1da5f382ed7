"""Inside WeChat, a learner whose openid under the payment app we lack goes through the
official account's silent authorization (snsapi_base) before the checkout, against a fake
WeChat on 127.0.0.1: the code is exchanged for the openid, kept as the learner's WeChat Pay
payer, and the checkout then offers in-app pay (JSAPI) paid by that openid. A bad state, a
used code or WeChat not answering shows the checkout without in-app pay, once, never a
loop or a 500."""

import pytest

from commerce.models import Order, ProviderCustomer

from .fake_cnpay import FakeWeChatOAuth, query_of
from .test_web_cnpay import PHONE, _form, _methods, url
from .test_wechatpay_jsapi import OPENID, WECHAT

pytestmark = pytest.mark.django_db

SECRET = "official-account-secret"


@pytest.fixture
def wechat(fake_wechatpay, wechat_keys, settings):
    oauth = FakeWeChatOAuth(appid=wechat_keys.appid, secret=SECRET, hang=1.0).start()
    settings.WECHATPAY_APP_SECRET = SECRET
    settings.WECHAT_OPEN_BASE = oauth.url
    settings.WECHAT_API_BASE = oauth.url
    fake_wechatpay.openids.add(OPENID)
    yield oauth
    oauth.stop()


def _checkout(client, learner, course, agent=WECHAT):
    client.force_login(learner)
    from commerce.services import cart_add

    cart_add(user=learner, course_slug=course.slug)
    return client.get(url("commerce:checkout") + "?currency=CNY", headers={"User-Agent": agent})


def test_the_checkout_in_wechat_asks_for_the_openid_then_pays_in_app(
    wechat, fake_wechatpay, wechat_keys, learner, client, course
):
    asked = _checkout(client, learner, course)

    assert asked.status_code == 302
    target = asked["Location"]
    assert target.startswith(f"{wechat.url}/connect/oauth2/authorize?")
    query = query_of(target.split("#")[0])
    assert query["redirect_uri"] == "http://testserver" + url("commerce:wechat_authorized")
    assert query["appid"] == wechat_keys.appid and query["scope"] == "snsapi_base"

    back = client.get(wechat.authorize(target, openid=OPENID), headers={"User-Agent": WECHAT})

    assert back.status_code == 302 and back["Location"] == url("commerce:checkout") + "?currency=CNY"
    assert ProviderCustomer.objects.get(user=learner, provider="wechatpay").reference == OPENID
    [exchange] = wechat.requests
    assert exchange["query"]["secret"] == SECRET and exchange["query"]["grant_type"] == "authorization_code"
    html, form = _form(client, learner, course, agent=WECHAT)
    assert _methods(html) == ["sandbox:", "wechatpay:jsapi"]

    paid = client.post(
        url("commerce:checkout"), {**form, "method": "wechatpay:jsapi"}, headers={"User-Agent": WECHAT}
    )

    order = Order.objects.get()
    assert paid["Location"] == url("commerce:order_pay", number=order.number)
    [prepay] = fake_wechatpay.requests
    assert prepay["path"] == "/v3/pay/transactions/jsapi" and prepay["body"]["payer"] == {"openid": OPENID}
    # Known now: the next checkout does not ask WeChat again, in this session or another.
    client.logout()
    assert _checkout(client, learner, course).status_code == 200


@pytest.mark.parametrize("fault", ["used_code", "timeout_before", "error_500", "no_code"])
def test_a_failed_authorization_shows_the_checkout_once_without_in_app_pay(
    wechat, learner, client, course, fault
):
    target = _checkout(client, learner, course)["Location"]
    callback = wechat.authorize(target, openid=OPENID)
    if fault == "used_code":
        wechat.codes.clear()
    elif fault == "no_code":
        callback = callback.replace("code=code-1&", "")
    else:
        wechat.faults.append(("/sns/", fault))

    back = client.get(callback, headers={"User-Agent": WECHAT})
    page = client.get(back["Location"], headers={"User-Agent": WECHAT})

    assert back.status_code == 302 and page.status_code == 200  # no second trip to WeChat
    assert "WeChat did not confirm your account" in page.content.decode()
    assert "wechatpay:jsapi" not in _methods(page.content.decode())
    assert not ProviderCustomer.objects.exists()


def test_an_answer_with_another_state_is_refused_and_changes_nothing(wechat, learner, client, course):
    target = _checkout(client, learner, course)["Location"]
    callback = wechat.authorize(target, openid=OPENID)
    forged = callback.split("&state=")[0] + "&state=forged"

    refused = client.get(forged, headers={"User-Agent": WECHAT, "Accept-Language": "zh-hans"})
    replayed = client.get(callback, headers={"User-Agent": WECHAT})  # the real one still works once
    again = client.get(callback, headers={"User-Agent": WECHAT})

    assert refused.status_code == 400
    assert replayed.status_code == 302
    assert again.status_code == 400  # a state is answered once
    assert list(ProviderCustomer.objects.values_list("reference", flat=True)) == [OPENID]
    assert [r["path"] for r in wechat.requests] == ["/sns/oauth2/access_token"]


def test_other_browsers_and_sites_without_the_app_secret_are_not_sent_to_wechat(
    wechat, learner, client, course, settings
):
    assert _checkout(client, learner, course, agent=PHONE).status_code == 200
    settings.WECHATPAY_APP_SECRET = ""
    page = client.get(url("commerce:checkout") + "?currency=CNY", headers={"User-Agent": WECHAT})
    assert page.status_code == 200
    assert wechat.requests == []


def test_the_api_offers_in_app_pay_with_the_openid_the_authorization_kept(wechat, learner, client):
    from commerce.wechat_payer import payer_openid, payer_remember

    client.force_login(learner)

    def offered():
        answer = client.get("/api/v1/payments/methods/?currency=CNY", headers={"User-Agent": WECHAT})
        return [m["channel"] for m in answer.json() if m["provider"] == "wechatpay"]

    assert offered() == ["h5"]
    payer_remember(user=learner, openid=OPENID)
    payer_remember(user=learner, openid="o-another")  # one payer per learner: the first stays
    assert payer_openid(user=learner) == OPENID
    assert offered() == ["jsapi"]


def test_a_plan_bought_inside_wechat_asks_for_the_openid_first(wechat, learner, client):
    from decimal import Decimal

    from plans.models import Plan, PlanPrice

    plan = Plan.objects.create(slug="wx-plan", title_en="Plan", interval="month")
    PlanPrice.objects.create(plan=plan, currency="CNY", amount=Decimal("30.00"))
    client.force_login(learner)
    page = url("commerce:product_checkout") + "?plan=wx-plan&currency=CNY"

    asked = client.get(page, headers={"User-Agent": WECHAT})
    back = client.get(wechat.authorize(asked["Location"], openid=OPENID), headers={"User-Agent": WECHAT})
    shown = client.get(back["Location"], headers={"User-Agent": WECHAT})

    assert back["Location"] == page
    assert "wechatpay:jsapi" in _methods(shown.content.decode())
