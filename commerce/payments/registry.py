"""Which providers exist and which are switched on.

``settings.PAYMENT_PROVIDER`` is the default; ``settings.PAYMENT_PROVIDERS_ENABLED``
(optional) lists every provider a request may choose. A provider that is not enabled is
refused even if a request names it, so the sandbox cannot be used where it is off."""

from django.conf import settings
from django.utils.module_loading import import_string

from commerce.exceptions import PaymentProviderNotAvailable

from .base import Provider

PROVIDER_CLASSES = {
    "sandbox": "commerce.payments.sandbox.SandboxProvider",
    "stripe": "commerce.payments.stripe_adapter.StripeProvider",
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
