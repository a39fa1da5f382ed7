"""Every write use case of commerce. One module per theme; import from here."""

from .cart import cart_add, cart_clean_item, cart_merge, cart_remove, session_cart_add, session_cart_remove
from .checkout import (
    CheckoutResult,
    RedirectCheckout,
    checkout_request_hash,
    order_checkout,
    order_checkout_redirect,
)
from .payments import (
    WebhookResult,
    order_mark_failed,
    order_mark_paid,
    order_release_expired_holds,
    order_settle_charge,
    payment_webhook_process,
)
from .receipts import order_send_receipt
from .reconcile import order_payment_refresh, order_reconcile, payments_reconcile
from .refunds import order_refund, refund_parse_amount, refund_send

__all__ = [
    "CheckoutResult",
    "RedirectCheckout",
    "WebhookResult",
    "cart_add",
    "cart_clean_item",
    "cart_merge",
    "cart_remove",
    "checkout_request_hash",
    "order_checkout",
    "order_checkout_redirect",
    "order_mark_failed",
    "order_mark_paid",
    "order_payment_refresh",
    "order_reconcile",
    "order_refund",
    "order_release_expired_holds",
    "order_send_receipt",
    "order_settle_charge",
    "payment_webhook_process",
    "payments_reconcile",
    "refund_parse_amount",
    "refund_send",
    "session_cart_add",
    "session_cart_remove",
]
