"""A WeChat Pay QR checkout in a real browser, in Chinese, against the fake WeChat Pay API
on 127.0.0.1: the learner picks WeChat Pay, sees the code, "scans and pays" (the fake
marks the order paid and posts the signed, encrypted notification to the live server),
and the page, which polls the order, shows the paid state; the learner is enrolled."""

from decimal import Decimal

import pytest

from commerce.models import Order, WebhookEvent
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services import cart_add
from courses.models import Enrollment
from tests.commerce.fake_cnpay import FakeWeChatPay, WeChatKeys
from tests.factories import CourseFactory, LearnerProfileFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/zq-e2e-wechatpay"


@pytest.fixture
def wechatpay(settings, live_server, tmp_path):
    keys = WeChatKeys.generate()
    fake = FakeWeChatPay(keys).start()
    settings.PAYMENT_PROVIDERS_ENABLED = ["sandbox", "wechatpay"]
    for key, value in keys.settings(
        api_base=fake.url,
        cert_dir=keys.write_cert_dir(tmp_path / "certs"),
        notify_url=f"{live_server.url}/api/v1/payments/webhooks/wechatpay/",
    ).items():
        setattr(settings, key, value)
    yield fake
    fake.stop()


def test_wechat_pay_qr_checkout_shows_paid_and_enrolls(page, login, live_server, wechatpay):
    # given a learner who reads Chinese, with a course in the cart
    learner = UserFactory(username="xiaoming")
    LearnerProfileFactory(user=learner, preferred_language="zh-hans")
    course = CourseFactory(slug="tea-culture", title_zh_hans="中国茶文化", prices={"CNY": Decimal("99.00")})
    cart_add(user=learner, course_slug=course.slug)
    login(page, "xiaoming", "pass-1234", language="zh-hans")

    # when she checks out in yuan, picks WeChat Pay and pays
    page.goto(f"{live_server.url}/zh-hans/checkout/?currency=CNY")
    methods = page.locator('[data-testid="payment-methods"]')
    assert "微信支付（扫码支付）" in methods.inner_text()
    methods.locator('input[value="wechatpay:native"]').check()
    with page.expect_navigation():
        page.locator('[data-testid="pay"]').click()

    # then the QR page shows the code to scan and waits
    order = Order.objects.get(user=learner)
    assert page.url.endswith(f"/zh-hans/orders/{order.number}/pay/")
    assert page.locator('[data-testid="wechat-qr"] svg').is_visible()
    assert page.locator('[data-testid="pay-waiting"]').is_visible()
    assert page.locator('[data-testid="pay-total"]').inner_text().replace(" ", "") in ("¥99.00", "￥99.00")
    page.screenshot(path=f"{SHOTS}-1-qr.png", full_page=True)
    assert order.status == "pending"

    # when WeChat Pay takes the money and notifies the site (signed, resource encrypted)
    response = wechatpay.pay(out_trade_no(str(order.number)))
    assert response.status_code == 200

    # then the page turns to paid by itself, and she is enrolled
    paid = page.locator('[data-testid="pay-paid"]')
    paid.wait_for(state="visible", timeout=15_000)
    assert paid.inner_text() == "已收到付款，报名成功。"
    assert not page.locator('[data-testid="pay-waiting"]').is_visible()
    page.screenshot(path=f"{SHOTS}-2-paid.png", full_page=True)
    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.filter(user=learner, course=course, is_active=True).count() == 1
    assert WebhookEvent.objects.filter(provider="wechatpay", outcome="paid").count() == 1
    assert len(wechatpay.charges) == 1

    # and the order page says so
    with page.expect_navigation():
        page.locator('[data-testid="pay-order-link"]').click()
    assert page.locator('[data-testid="order-status"]').get_attribute("data-status") == "paid"
