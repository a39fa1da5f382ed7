"""Payment providers behind one interface; see ``base.Provider`` and ``registry``."""

from .base import ChargeResult, PaymentEvent, Provider, RedirectResult, RefundResult
from .registry import PaymentChoice, enabled_provider_names, get_provider, payment_choices

__all__ = [
    "ChargeResult",
    "PaymentChoice",
    "PaymentEvent",
    "Provider",
    "RedirectResult",
    "RefundResult",
    "enabled_provider_names",
    "get_provider",
    "payment_choices",
]
