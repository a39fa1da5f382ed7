"""Who pays inside WeChat: the learner's openid under the payment's app (``WECHATPAY_APPID``).

WeChat Pay's in-app payment (JSAPI) names its payer by an openid, and an openid belongs to
one WeChat app: WeChat Pay takes only the openid issued by the app bound to the merchant
(an official account, 公众号). Learners sign in with WeChat's website QR login, another
app, so their sign-in gives no usable openid. Inside WeChat's browser the official
account's silent web authorization (网页授权, scope ``snsapi_base``) does: WeChat sends the
browser back with a one-time ``code`` and no prompt, and the server exchanges it for the
openid (``/sns/oauth2/access_token`` with the app's secret). The openid is kept as the
learner's WeChat Pay customer record (``ProviderCustomer``), so it is asked once.

Settings: ``WECHATPAY_APPID`` and ``WECHATPAY_APP_SECRET`` (the official account's
AppSecret); ``WECHAT_OPEN_BASE`` and ``WECHAT_API_BASE`` point the authorization page and
the code exchange elsewhere (tests use a fake server on 127.0.0.1)."""

import logging
import re
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import IntegrityError

from accounts.social import wechat_openid

from .models import ProviderCustomer
from .payments import enabled_provider_names

logger = logging.getLogger(__name__)

PROVIDER = "wechatpay"
# What WeChat hands out: 28 characters today; the column is 128, the check stays loose.
OPENID = re.compile(r"^[A-Za-z0-9_-]{6,128}$")


class WeChatAuthorizationFailed(Exception):
    """WeChat did not give an openid for the code (expired, used, wrong app) or did not
    answer."""


def authorization_enabled() -> bool:
    """The silent authorization needs the payment app's secret and WeChat Pay enabled."""
    return bool(
        getattr(settings, "WECHATPAY_APPID", "")
        and getattr(settings, "WECHATPAY_APP_SECRET", "")
        and PROVIDER in enabled_provider_names()
    )


def authorization_url(*, redirect_uri: str, state: str) -> str:
    """WeChat's authorization page for the payment app; inside WeChat it answers at once
    with a redirect to ``redirect_uri?code=...&state=...`` (``snsapi_base`` asks nothing)."""
    query = urlencode(
        {
            "appid": settings.WECHATPAY_APPID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": state,
        }
    )
    base = getattr(settings, "WECHAT_OPEN_BASE", "") or "https://open.weixin.qq.com"
    # WeChat reads the parameters in this order and wants the fragment, or it shows an error.
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def openid_for_code(code: str) -> str:
    """Exchange the one-time ``code`` for the learner's openid under the payment app.
    Network call: never inside a transaction."""
    base = getattr(settings, "WECHAT_API_BASE", "") or "https://api.weixin.qq.com"
    try:
        response = requests.get(
            f"{base}/sns/oauth2/access_token",
            params={
                "appid": settings.WECHATPAY_APPID,
                "secret": settings.WECHATPAY_APP_SECRET,
                "code": code,
                "grant_type": "authorization_code",
            },
            timeout=float(getattr(settings, "PAYMENT_PROVIDER_TIMEOUT_SECONDS", 15.0)),
        )
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise WeChatAuthorizationFailed(f"no answer: {exc}") from exc
    openid = str(data.get("openid") or "") if isinstance(data, dict) else ""
    if not OPENID.match(openid):
        # WeChat answers errors with HTTP 200 and {"errcode": 40029, "errmsg": "invalid code"}.
        errcode = data.get("errcode") if isinstance(data, dict) else None
        raise WeChatAuthorizationFailed(f"errcode {errcode}")
    return openid


def payer_remember(*, user, openid: str) -> str:
    """Keep ``openid`` as the learner's WeChat Pay payer. A learner keeps one (the first):
    an openid of the same app for the same WeChat user never changes."""
    try:
        record, _created = ProviderCustomer.objects.get_or_create(
            user=user, provider=PROVIDER, defaults={"reference": openid}
        )
    except IntegrityError:
        record = ProviderCustomer.objects.get(user=user, provider=PROVIDER)
    return record.reference


def payer_openid(*, user) -> str:
    """The learner's openid under the payment app, or "": the one the silent authorization
    gave, else the WeChat sign-in's when the sign-in app is the payment app."""
    if not getattr(user, "pk", None):
        return ""
    kept = ProviderCustomer.objects.filter(user=user, provider=PROVIDER).values_list("reference", flat=True)
    kept = kept.first()
    return kept or wechat_openid(user=user, appid=getattr(settings, "WECHATPAY_APPID", ""))
