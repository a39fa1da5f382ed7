"""Reads of invoices for pages and the API."""

import uuid

from commerce.exceptions import OrderNotFound
from commerce.models import Order

from .models import Invoice


def invoice_order_get(*, user, number) -> Order:
    """One of the learner's orders with its invoice (or none) in one query; anyone else's
    order is "not found"."""
    try:
        number = uuid.UUID(str(number))
    except (TypeError, ValueError):
        raise OrderNotFound() from None
    order = Order.objects.filter(user=user, number=number).select_related("invoice").first()
    if order is None:
        raise OrderNotFound()
    return order


def order_invoice(order: Order) -> Invoice | None:
    """The order's invoice from a ``select_related("invoice")`` row, without a query."""
    try:
        return order.invoice
    except Invoice.DoesNotExist:
        return None
