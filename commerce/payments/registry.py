"""Which providers exist and which are switched on.

``settings.PAYMENT_PROVIDER`` is the default; ``settings.PAYMENT_PROVIDERS_ENABLED``
(optional) lists every provider a request may choose. A provider that is not enabled is
refused even if a request names it, so the sandbox cannot be used where it is off."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from commerce.exceptions import PaymentProviderNotAvailable

from .base import Provider

PROVIDER_CLASSES = {
    "sandbox": "commerce.payments.sandbox.SandboxProvider",
    "stripe": "commerce.payments.stripe_adapter.StripeProvider",
    "wechatpay": "commerce.payments.wechatpay_adapter.WeChatPayProvider",
    "alipay": "commerce.payments.alipay_adapter.AlipayProvider",
}


def default_provider_name() -> str:
    return getattr(settings, "PAYMENT_PROVIDER", "sandbox") or "sandbox"


def enabled_provider_names() -> list[str]:
    names = list(getattr(settings, "PAYMENT_PROVIDERS_ENABLED", None) or [])
    default = default_provider_name()
    if default not in names:
        names.insert(0, default)
    return [name for name in names if name in PROVIDER_CLASSES]


def get_provider(name: str | None = None, *, require_enabled: bool = True) -> Provider:
    """``require_enabled=False`` is for money already taken (refunds, late payments):
    switching a provider off must not strand its orders."""
    name = name or default_provider_name()
    allowed = enabled_provider_names() if require_enabled else list(PROVIDER_CLASSES)
    if not isinstance(name, str) or name not in allowed:
        raise PaymentProviderNotAvailable()
    return import_string(PROVIDER_CLASSES[name])()


@dataclass(frozen=True)
class PaymentChoice:
    provider: str
    channel: str  # "" for the provider's only way (a card form, Stripe Checkout)
    redirect_only: bool


def _provider_class(name: str) -> type[Provider]:
    return import_string(PROVIDER_CLASSES[name])


def provider_saves_methods(name: str) -> bool:
    """Whether ``name`` keeps payment methods on a customer for renewals (no credentials read)."""
    return name in PROVIDER_CLASSES and _provider_class(name).saves_methods


def provider_charges_off_session(name: str) -> bool:
    """Whether a membership paid with ``name`` can renew without the learner (no
    credentials read)."""
    return name in PROVIDER_CLASSES and _provider_class(name).charges_off_session


def payment_choices(*, currency: str, mobile: bool, wechat_payer: bool = False) -> list[PaymentChoice]:
    """The enabled providers that take ``currency``, each with its channel for the device
    (WeChat Pay Native QR on a desktop, H5 on a phone, JSAPI inside WeChat's browser when
    ``wechat_payer``: the learner has a WeChat openid there; Alipay page or wap pay), the
    default provider first. Classes are only imported, not built: no credentials are read."""
    choices = []
    for name in enabled_provider_names():
        cls = _provider_class(name)
        if cls.currencies and currency not in cls.currencies:
            continue
        device = (
            "wechat" if wechat_payer and "wechat" in cls.channels else ("mobile" if mobile else "desktop")
        )
        channel = cls.channels.get(device, "")
        choices.append(PaymentChoice(provider=name, channel=channel, redirect_only=cls.redirect_only))
    return choices


def channel_allowed(name: str, channel: str) -> bool:
    cls = _provider_class(name)
    return channel in cls.channels.values() if cls.channels else not channel
