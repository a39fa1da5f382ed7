"""Every write use case of invoices: request, change, issue, the "issued" mail, and what a
refund does to an invoice (a request is cancelled or its amount follows the refund; an
issued invoice needs a red-letter reversal, 红冲, and the learner is told through the outbox).

The mail leaves through the outbox: ``invoice_issue`` writes the message in the
transaction that marks the invoice issued, and a worker sends it after the commit (with
the PDF attached), so a mail server that is down never fails or slows the staff's click."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from commerce.exceptions import OrderNotFound
from commerce.models import Order
from core.exceptions import ApplicationError
from core.money import format_money
from core.outbox import outbox_handler, outbox_put

from .exceptions import (
    InvalidInvoicePdf,
    InvalidTaxNumber,
    InvoiceExists,
    InvoiceIssued,
    InvoiceNotFound,
    InvoiceNotReversible,
    OrderNotInvoiceable,
    OrderRefunded,
    TaxNumberRequired,
)
from .models import Invoice

ISSUED_MAIL_TOPIC = "invoices.issued_mail"
REVERSAL_MAIL_TOPIC = "invoices.reversal_mail"
PDF_MAX_BYTES = 10 * 1024 * 1024
INVOICEABLE = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED)


def tax_number_clean(value: str) -> str:
    """The unified social credit code (GB 32100-2015) in its compact form, or
    ``InvalidTaxNumber``: 18 characters from its 31-letter alphabet (no I, O, Z, S, V),
    the last one a check character over the other 17 (python-stdnum's ``cn.uscc``)."""
    try:
        return uscc.validate(value or "")
    except StdnumError:
        raise InvalidTaxNumber() from None


def _title_clean(*, title_kind: str, tax_number: str) -> str:
    if title_kind not in Invoice.TitleKind.values:
        raise ApplicationError(_("Choose a personal or a company invoice."), code="invalid_title_kind")
    if title_kind == Invoice.TitleKind.PERSONAL:
        # A person has no unified social credit code; a stray one is not printed.
        return ""
    if not (tax_number or "").strip():
        raise TaxNumberRequired()
    return tax_number_clean(tax_number)


def _order_for_update(*, user, number) -> Order:
    try:
        number = uuid.UUID(str(number))
    except (TypeError, ValueError):
        raise OrderNotFound() from None
    order = Order.objects.select_for_update().filter(user=user, number=number).first()
    if order is None:
        raise OrderNotFound()
    return order


def invoice_request(
    *, user, order_number: str | uuid.UUID, title_kind: str, title: str, tax_number: str = "", email: str
) -> Invoice:
    """Ask for an invoice for one of the learner's paid orders. The order row is locked
    first, so of two simultaneous requests the second waits and then finds the first
    (``invoice_exists``); the one-to-one key holds even for a writer that skips the lock."""
    tax_number = _title_clean(title_kind=title_kind, tax_number=tax_number)
    with transaction.atomic():
        order = _order_for_update(user=user, number=order_number)
        if order.status == Order.Status.REFUNDED:
            raise OrderRefunded()
        if order.status not in INVOICEABLE:
            raise OrderNotInvoiceable()
        if Invoice.objects.filter(order=order).exists():
            raise InvoiceExists()
        try:
            with transaction.atomic():
                return Invoice.objects.create(
                    order=order,
                    user=user,
                    title_kind=title_kind,
                    title=title.strip(),
                    tax_number=tax_number,
                    email=email.strip(),
                    amount=order.total - order.amount_refunded,
                    currency=order.currency,
                )
        except IntegrityError:
            raise InvoiceExists() from None


def _refuse_unless_requested(invoice: Invoice) -> None:
    if invoice.status == Invoice.Status.CANCELLED:
        raise OrderRefunded()
    if invoice.status != Invoice.Status.REQUESTED:
        raise InvoiceIssued()


def invoice_update(
    *, user, order_number: str | uuid.UUID, title_kind: str, title: str, tax_number: str = "", email: str
) -> Invoice:
    """Correct a request that staff have not issued yet; an issued invoice never changes."""
    tax_number = _title_clean(title_kind=title_kind, tax_number=tax_number)
    with transaction.atomic():
        order = _order_for_update(user=user, number=order_number)
        invoice = Invoice.objects.select_for_update().filter(order=order).first()
        if invoice is None:
            raise InvoiceNotFound()
        _refuse_unless_requested(invoice)
        invoice.title_kind = title_kind
        invoice.title = title.strip()
        invoice.tax_number = tax_number
        invoice.email = email.strip()
        invoice.save(update_fields=["title_kind", "title", "tax_number", "email", "updated_at"])
        return invoice


def _pdf_check(pdf: UploadedFile) -> None:
    if pdf is None or not pdf.size or pdf.size > PDF_MAX_BYTES:
        raise InvalidInvoicePdf()
    pdf.seek(0)
    head = pdf.read(5)
    pdf.seek(0)
    if head != b"%PDF-":
        raise InvalidInvoicePdf()


def invoice_issue(*, invoice_id: int, pdf: UploadedFile, invoice_number: str = "", staff_user) -> Invoice:
    """Staff attach the issued invoice's PDF: the invoice becomes read-only and its mail
    is queued in the same transaction (sent after the commit through the outbox)."""
    _pdf_check(pdf)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
        if invoice is None:
            raise InvoiceNotFound()
        _refuse_unless_requested(invoice)
        order_status = Order.objects.filter(pk=invoice.order_id).values_list("status", flat=True).get()
        if order_status == Order.Status.REFUNDED:
            raise OrderRefunded()
        invoice.pdf.save(pdf.name or "invoice.pdf", pdf, save=False)
        invoice.invoice_number = (invoice_number or "").strip()
        invoice.status = Invoice.Status.ISSUED
        invoice.issued_at = timezone.now()
        invoice.issued_by = staff_user
        invoice.save(
            update_fields=["pdf", "invoice_number", "status", "issued_at", "issued_by", "updated_at"]
        )
        outbox_put(
            topic=ISSUED_MAIL_TOPIC,
            payload={"invoice_id": invoice.pk},
            dedupe_key=f"{ISSUED_MAIL_TOPIC}:{invoice.pk}",
        )
    return invoice


def invoice_after_refund(*, order_id: int) -> Invoice | None:
    """A refund of the order went through (called inside the refund's transaction).

    - A request not issued yet: cancelled when the order is refunded in full, else its
      amount becomes what is left paid (the invoice will be issued for that).
    - An issued invoice no longer matches what was paid, whether the refund was full or
      partial: it needs a red-letter reversal (红冲). Staff find it in the admin queue
      (status "Needs a red-letter reversal"); the learner is told by mail through the
      outbox, once, and sees the state on the order page.
    Anything else (already flagged, reversed, cancelled) is left alone, so a second
    refund or a rerun changes nothing twice."""
    invoice = Invoice.objects.select_for_update().filter(order_id=order_id).first()
    if invoice is None:
        return None
    order = Order.objects.only("status", "total", "amount_refunded").get(pk=order_id)
    now = timezone.now()
    if invoice.status == Invoice.Status.REQUESTED:
        if order.status == Order.Status.REFUNDED:
            invoice.status = Invoice.Status.CANCELLED
            invoice.cancelled_at = now
            invoice.save(update_fields=["status", "cancelled_at", "updated_at"])
        else:
            invoice.amount = order.total - order.amount_refunded
            invoice.save(update_fields=["amount", "updated_at"])
    elif invoice.status == Invoice.Status.ISSUED:
        invoice.status = Invoice.Status.REVERSAL_NEEDED
        invoice.reversal_flagged_at = now
        invoice.save(update_fields=["status", "reversal_flagged_at", "updated_at"])
        outbox_put(
            topic=REVERSAL_MAIL_TOPIC,
            payload={"invoice_id": invoice.pk},
            dedupe_key=f"{REVERSAL_MAIL_TOPIC}:{invoice.pk}",
        )
    return invoice


@transaction.atomic
def invoice_mark_reversed(*, invoice_id: int, staff_user) -> Invoice:
    """Staff issued the red-letter invoice that cancels this one."""
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None:
        raise InvoiceNotFound()
    if invoice.status != Invoice.Status.REVERSAL_NEEDED:
        raise InvoiceNotReversible()
    invoice.status = Invoice.Status.REVERSED
    invoice.reversed_at = timezone.now()
    invoice.reversed_by = staff_user if getattr(staff_user, "pk", None) else None
    invoice.save(update_fields=["status", "reversed_at", "reversed_by", "updated_at"])
    return invoice


@dataclass
class _Mail:
    # The shape notifications/email/message.{txt,html} render.
    subject: str
    paragraphs: list[str]
    action: str


def _invoice_mail(invoice: Invoice, *, subject: str, lead: str) -> EmailMultiAlternatives:
    """The mail about ``invoice`` in the order's language, to the address on the request
    and the learner's: ``subject`` and ``lead`` are translated inside the language
    (``%(number)s`` is the order's short number), then the title and the amount."""
    order, user = invoice.order, invoice.user
    recipients = list(dict.fromkeys(address for address in (invoice.email, user.email) if address))
    language = order.language or settings.LANGUAGE_CODE
    short = str(order.number)[:8]
    with translation.override(language):
        amount = format_money(invoice.amount, invoice.currency, language)
        mail = _Mail(
            subject=_(subject) % {"number": short},
            paragraphs=[
                _(lead) % {"number": short},
                _("Invoice title: %(title)s") % {"title": invoice.title},
                _("Amount: %(amount)s") % {"amount": amount},
            ],
            action=_("See your order"),
        )
        link = settings.SITE_URL + reverse("commerce:order_detail", args=[order.number])
        context = {"user": user, "message": mail, "link": link, "LANGUAGE_CODE": language}
        text = render_to_string("notifications/email/message.txt", context)
        html = render_to_string("notifications/email/message.html", context)
    email = EmailMultiAlternatives(subject=mail.subject, body=text, to=recipients)
    email.attach_alternative(html, "text/html")
    return email


def invoice_send_issued(*, invoice_id: int) -> bool:
    """Mail an issued invoice (PDF attached) to the address on the request and to the
    learner, once: the claim (``emailed_at``) and the sending share a transaction, so a
    failed send is retried by the outbox and a rerun after success sends nothing."""
    with transaction.atomic():
        claimed = Invoice.objects.filter(
            pk=invoice_id, status=Invoice.Status.ISSUED, emailed_at__isnull=True
        ).update(emailed_at=timezone.now())
        if not claimed:
            return False
        invoice = Invoice.objects.select_related("order", "user").get(pk=invoice_id)
        email = _invoice_mail(
            invoice,
            subject=gettext_noop("Your invoice for order %(number)s"),
            lead=gettext_noop("The invoice you asked for is issued and attached to this e-mail."),
        )
        with invoice.pdf.open("rb") as handle:
            email.attach(f"invoice-{str(invoice.order.number)[:8]}.pdf", handle.read(), "application/pdf")
        email.send()
    return True


@outbox_handler(ISSUED_MAIL_TOPIC)
def _deliver_issued_mail(payload: dict) -> None:
    invoice_send_issued(invoice_id=int(payload["invoice_id"]))


def invoice_send_reversal_notice(*, invoice_id: int) -> bool:
    """Tell the learner that their issued invoice will be reversed because of a refund,
    once (claimed like the "issued" mail)."""
    with transaction.atomic():
        claimed = Invoice.objects.filter(
            pk=invoice_id, reversal_flagged_at__isnull=False, reversal_emailed_at__isnull=True
        ).update(reversal_emailed_at=timezone.now())
        if not claimed:
            return False
        invoice = Invoice.objects.select_related("order", "user").get(pk=invoice_id)
        _invoice_mail(
            invoice,
            subject=gettext_noop("Your invoice for order %(number)s will be reversed"),
            lead=gettext_noop(
                "Order %(number)s was refunded after its invoice was issued, so the invoice no "
                "longer matches what you paid. We will issue a red-letter invoice that cancels it."
            ),
        ).send()
    return True


@outbox_handler(REVERSAL_MAIL_TOPIC)
def _deliver_reversal_mail(payload: dict) -> None:
    invoice_send_reversal_notice(invoice_id=int(payload["invoice_id"]))
