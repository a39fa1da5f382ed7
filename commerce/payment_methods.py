"""The payment methods a learner is offered: the enabled providers that take the currency,
each through its channel for the device (WeChat Pay Native QR on a desktop, H5 on a phone,
JSAPI in WeChat's own browser for a learner signed in with WeChat;
Alipay page pay on a desktop, wap pay on a phone), with their names in the learner's
language. Shared by the web checkout and the storefront API."""

import re

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from .payments import payment_choices

# Phones and tablets browse with these in their User-Agent; anything else gets the desktop
# channel (a QR code to scan with the phone, Alipay's full page).
MOBILE_AGENT = re.compile(r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS|Windows Phone|Opera Mini", re.I)
# WeChat's in-app browser ("MicroMessenger/8.0.47 ..."; also its desktop client): it pays
# with WeixinJSBridge (JSAPI) for a payer whose openid we know.
WECHAT_AGENT = re.compile(r"MicroMessenger", re.I)

LABELS = {
    "sandbox:": _("Test card (sandbox)"),
    "stripe:": _("Card"),
    "wechatpay:native": _("WeChat Pay (scan the QR code)"),
    "wechatpay:h5": _("WeChat Pay"),
    "wechatpay:jsapi": _("WeChat Pay"),
    "alipay:page": _("Alipay"),
    "alipay:wap": _("Alipay"),
}
# What each channel hands the browser: a page to open, or a code to scan on this site.
KINDS = {"native": "qr", "jsapi": "jsapi"}

# WeChat Pay's Native codes stay valid for two hours.
QR_SECONDS = 2 * 60 * 60


def is_mobile(user_agent: str) -> bool:
    return bool(MOBILE_AGENT.search(user_agent or ""))


def is_wechat_browser(user_agent: str) -> bool:
    return bool(WECHAT_AGENT.search(user_agent or ""))


def method_key(provider: str, channel: str) -> str:
    return f"{provider}:{channel}"


def methods_for(*, currency: str, user_agent: str, wechat_openid: str = "") -> list[dict]:
    """``[{"key", "provider", "channel", "kind", "label"}]``, the default provider first.
    ``wechat_openid``: the learner's, from the WeChat sign-in; with it, WeChat's own browser
    is offered JSAPI pay; without it, H5 or Native as in any other browser."""
    wechat_payer = bool(wechat_openid) and is_wechat_browser(user_agent)
    return [
        {
            "key": method_key(choice.provider, choice.channel),
            "provider": choice.provider,
            "channel": choice.channel,
            "kind": KINDS.get(choice.channel, "redirect" if choice.redirect_only else "card"),
            "label": LABELS.get(method_key(choice.provider, choice.channel), choice.provider),
        }
        for choice in payment_choices(
            currency=currency, mobile=is_mobile(user_agent), wechat_payer=wechat_payer
        )
    ]


def qr_cache_key(order_number) -> str:
    return f"commerce:qr:{order_number}"


def qr_remember(order_number, code_url: str) -> None:
    """The code to scan, kept for the order's payment page (reloads, a second tab)."""
    cache.set(qr_cache_key(order_number), code_url, QR_SECONDS)


def qr_get(order_number) -> str:
    return cache.get(qr_cache_key(order_number)) or ""


def jsapi_cache_key(order_number) -> str:
    return f"commerce:jsapi:{order_number}"


def jsapi_remember(order_number, params: dict) -> None:
    """The signed WeixinJSBridge parameters, kept for the order's payment page (its prepay
    id stays valid for two hours, like a Native code)."""
    cache.set(jsapi_cache_key(order_number), params, QR_SECONDS)


def jsapi_get(order_number) -> dict:
    return cache.get(jsapi_cache_key(order_number)) or {}
