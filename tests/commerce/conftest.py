import pytest

from commerce.services import order_checkout
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

from .fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_secret"


# The fakes "hang" for 1 s: the client gives up before that, but not so early that an
# ordinary answer on a loaded 2-core CI machine counts as a timeout (0.4 s did, once).
CLIENT_TIMEOUT = 0.7


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks enqueued on commit run in the test process, without a broker."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def learner(db):
    return UserFactory(username="learner-1")


@pytest.fixture
def course(db):
    return CourseFactory(slug="python-101")


@pytest.fixture
def live_session(db):
    return LiveSessionFactory(capacity=5)


@pytest.fixture
def buy():
    """Buy ``courses`` for ``user`` through the real checkout with the sandbox."""

    def _buy(user, *courses, currency="USD", token="tok_success", sessions=None, key=None):
        sessions = sessions or {}
        items = [{"course": c.slug, "live_session": sessions.get(c.pk)} for c in courses]
        return order_checkout(
            user=user,
            items=items,
            currency=currency,
            payment={"provider": "sandbox", "token": token},
            idempotency_key=key,
        ).order

    return _buy


@pytest.fixture
def fake_stripe(settings):
    """The fake Stripe API on 127.0.0.1, with Stripe enabled beside the sandbox and a
    short client timeout so that "hangs" are timeouts within a test."""
    fake = FakeStripe(hang=1.0).start()
    settings.PAYMENT_PROVIDERS_ENABLED = ["sandbox", "stripe"]
    settings.STRIPE_API_KEY = "sk_test_123"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS = CLIENT_TIMEOUT
    yield fake
    fake.stop()


WECHATPAY_NOTIFY_PATH = "/api/v1/payments/webhooks/wechatpay/"
ALIPAY_NOTIFY_PATH = "/api/v1/payments/webhooks/alipay/"


@pytest.fixture(scope="session")
def wechat_keys():
    """Merchant and platform keys, the platform certificate and the APIv3 key, made once."""
    from .fake_cnpay import WeChatKeys

    return WeChatKeys.generate()


@pytest.fixture(scope="session")
def alipay_keys():
    from .fake_cnpay import AlipayKeys

    return AlipayKeys.generate()


@pytest.fixture
def fake_wechatpay(settings, wechat_keys, tmp_path):
    """The fake WeChat Pay API on 127.0.0.1, WeChat Pay enabled beside the sandbox, the
    platform certificate in WECHATPAY_CERT_DIR, and a short client timeout."""
    from .fake_cnpay import FakeWeChatPay

    fake = FakeWeChatPay(wechat_keys, hang=1.0).start()
    settings.PAYMENT_PROVIDERS_ENABLED = ["sandbox", "wechatpay"]
    cert_dir = wechat_keys.write_cert_dir(tmp_path / "wechatpay-certs")
    for key, value in wechat_keys.settings(
        api_base=fake.url, cert_dir=cert_dir, notify_url=f"http://testserver{WECHATPAY_NOTIFY_PATH}"
    ).items():
        setattr(settings, key, value)
    settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS = CLIENT_TIMEOUT
    yield fake
    fake.stop()


@pytest.fixture
def fake_alipay(settings, alipay_keys):
    from .fake_cnpay import FakeAlipay

    fake = FakeAlipay(alipay_keys, hang=1.0).start()
    settings.PAYMENT_PROVIDERS_ENABLED = [*(settings.PAYMENT_PROVIDERS_ENABLED or ["sandbox"]), "alipay"]
    for key, value in alipay_keys.settings(
        gateway=fake.gateway, notify_url=f"http://testserver{ALIPAY_NOTIFY_PATH}"
    ).items():
        setattr(settings, key, value)
    settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS = CLIENT_TIMEOUT
    yield fake
    fake.stop()
