"""Payment providers behind one interface; see ``base.Provider`` and ``registry``."""

from .base import ChargeResult, PaymentEvent, Provider, RedirectResult, RefundResult
from .registry import enabled_provider_names, get_provider

__all__ = [
    "ChargeResult",
    "PaymentEvent",
    "Provider",
    "RedirectResult",
    "RefundResult",
    "enabled_provider_names",
    "get_provider",
]
