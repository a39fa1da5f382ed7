"""Signal receivers: each hands over to a service at once."""

from django.dispatch import receiver

from commerce.signals import refund_succeeded

from .services import invoice_after_refund


@receiver(refund_succeeded, dispatch_uid="invoices_after_refund")
def invoice_follows_refund(sender, refund, **kwargs):
    # Inside the refund's transaction: the invoice changes with the refund or not at all.
    invoice_after_refund(order_id=refund.order_id)
