"""Every write use case of commerce. One module per theme; import from here."""

from .cart import cart_add, cart_clean_item, cart_merge, cart_remove, session_cart_add, session_cart_remove
from .checkout import CheckoutResult, checkout_request_hash, order_checkout
from .payments import (
    WebhookResult,
    order_mark_failed,
    order_mark_paid,
    order_release_expired_holds,
    payment_webhook_process,
)
from .receipts import order_send_receipt
from .refunds import order_refund, refund_parse_amount

__all__ = [
    "CheckoutResult",
    "WebhookResult",
    "cart_add",
    "cart_clean_item",
    "cart_merge",
    "cart_remove",
    "checkout_request_hash",
    "order_checkout",
    "order_mark_failed",
    "order_mark_paid",
    "order_refund",
    "order_release_expired_holds",
    "order_send_receipt",
    "payment_webhook_process",
    "refund_parse_amount",
    "session_cart_add",
    "session_cart_remove",
]
