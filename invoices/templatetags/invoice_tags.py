"""The receipt and invoice block of commerce's order page: commerce sits a floor below
invoices, so its template asks this tag instead of importing anything."""

from django import template

from commerce.models import Order

from ..models import Invoice
from ..receipt_pdf import RECEIPTED

register = template.Library()


@register.inclusion_tag("invoices/_order_documents.html")
def order_documents(order: Order) -> dict:
    if order.status not in RECEIPTED:
        return {"order": order, "hidden": True}
    invoice = Invoice.objects.filter(order_id=order.pk).first()
    return {
        "order": order,
        "invoice": invoice,
        "can_request": order.status in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED),
    }
