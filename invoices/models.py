"""Invoices (发票) that learners request for their paid orders, and that staff issue.

One invoice per order, held by the database (a one-to-one key), so two simultaneous
requests cannot both succeed. Once issued, an invoice is a tax document: nothing about it
changes any more (the services refuse, the admin shows it read-only)."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


def private_storage():
    # Invoices name people and companies and carry tax numbers: they go to the private
    # storage (never under MEDIA_URL; presigned on a bucket) and are served only to their
    # owner by our own view, like lesson media.
    return storages["lesson_media"]


def invoice_upload_to(instance: "Invoice", filename: str) -> str:
    # A random name: nothing about the learner or the order in a storage key.
    return f"invoices/{uuid.uuid4().hex}{PurePath(filename).suffix.lower() or '.pdf'}"


class Invoice(TimeStampedModel):
    class TitleKind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        COMPANY = "company", _("Company")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        # The order was refunded (in full or in part) after the invoice was issued: the
        # issued amount no longer matches what was paid, so staff must issue a red-letter
        # invoice (红冲) that cancels it, then mark it reversed.
        REVERSAL_NEEDED = "reversal_needed", _("Needs a red-letter reversal")
        REVERSED = "reversed", _("Reversed (red-letter invoice issued)")
        # A request not issued yet whose order was refunded in full: nothing to invoice.
        CANCELLED = "cancelled", _("Cancelled")

    order = models.OneToOneField(
        "commerce.Order", on_delete=models.PROTECT, related_name="invoice", verbose_name=_("order")
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title_kind = models.CharField(_("invoice title type"), max_length=10, choices=TitleKind.choices)
    title = models.CharField(_("invoice title"), max_length=150)
    # The unified social credit code of a company (统一社会信用代码), 18 characters.
    tax_number = models.CharField(_("tax number"), max_length=18, blank=True)
    email = models.EmailField(_("e-mail address"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    # What the invoice is for: the amount the learner paid net of refunds when they asked.
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    invoice_number = models.CharField(_("invoice number"), max_length=64, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=invoice_upload_to, storage=private_storage, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # When a refund made the issued invoice wrong, and when the learner was told so.
    reversal_flagged_at = models.DateTimeField(_("reversal needed since"), null=True, blank=True)
    reversal_emailed_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        # The staff queue: oldest request first.
        ordering = ["created_at", "id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_kind="company") | ~Q(tax_number=""), name="invoice_company_has_tax_number"
            ),
            # Every invoice that was issued (and then perhaps reversed) keeps its PDF.
            models.CheckConstraint(
                condition=Q(status__in=["requested", "cancelled"])
                | (~Q(pdf="") & Q(issued_at__isnull=False)),
                name="invoice_issued_has_pdf",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="invoice_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.get_status_display()}"

    @property
    def was_issued(self) -> bool:
        return self.status in (self.Status.ISSUED, self.Status.REVERSAL_NEEDED, self.Status.REVERSED)
