"""The e-mail receipt, in the learner's language, text and HTML."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.outbox import outbox_handler

from ..models import Order
from ..signals import receipt_due

RECEIPT_TOPIC = "commerce.order_receipt"


def order_send_receipt(*, order_id: int) -> bool:
    """Send the receipt of a paid order once; returns whether it was sent now. The
    claim (``receipt_sent_at``) and the sending share a transaction, so a failed send
    can be retried and a rerun after success sends nothing."""
    with transaction.atomic():
        claimed = Order.objects.filter(
            pk=order_id, receipt_sent_at__isnull=True, status=Order.Status.PAID
        ).update(receipt_sent_at=timezone.now())
        if not claimed:
            return False
        order = Order.objects.select_related("user").get(pk=order_id)
        lines = list(order.lines.select_related("course", "live_session", "plan").order_by("id"))
        # The notifications app sends it (e-mail and inbox) when it is installed.
        if any(sent for _receiver, sent in receipt_due.send(sender=Order, order=order, lines=lines)):
            return True
        if not order.user.email:
            return False
        context = {"order": order, "lines": lines, "user": order.user}
        language = order.language or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = render_to_string("commerce/email/receipt_subject.txt", context).strip()
            text = render_to_string("commerce/email/receipt.txt", context)
            html = render_to_string("commerce/email/receipt.html", context)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[order.user.email])
        message.attach_alternative(html, "text/html")
        message.send()
    return True


@outbox_handler(RECEIPT_TOPIC)
def _deliver_receipt(payload: dict) -> None:
    order_send_receipt(order_id=int(payload["order_id"]))
