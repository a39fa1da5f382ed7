"""Stable error codes of invoices and receipts (clients switch on ``code``)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError, Conflict, NotFound


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"

    def default_message(self):
        return _("No invoice was requested for this order.")


class InvoiceExists(Conflict):
    code = "invoice_exists"

    def default_message(self):
        return _("An invoice was already requested for this order.")


class InvoiceIssued(Conflict):
    code = "invoice_issued"

    def default_message(self):
        return _("This invoice is already issued and can no longer be changed.")


class InvoiceNotReversible(Conflict):
    code = "invoice_not_reversible"

    def default_message(self):
        return _("Only an invoice waiting for its red-letter reversal can be marked reversed.")


class OrderNotInvoiceable(Conflict):
    code = "order_not_paid"

    def default_message(self):
        return _("Only paid orders can have an invoice.")


class OrderRefunded(Conflict):
    code = "order_refunded"

    def default_message(self):
        return _("This order was refunded: it can no longer have an invoice.")


class ReceiptNotAvailable(Conflict):
    code = "receipt_not_available"

    def default_message(self):
        return _("There is a receipt only for orders that were paid.")


class InvalidTaxNumber(ApplicationError):
    code = "invalid_tax_number"

    def default_message(self):
        return _("Enter a valid unified social credit code: 18 characters ending with its check character.")


class TaxNumberRequired(ApplicationError):
    code = "tax_number_required"

    def default_message(self):
        return _("A company invoice needs the company's tax number.")


class InvalidInvoicePdf(ApplicationError):
    code = "invalid_pdf"

    def default_message(self):
        return _("Attach the invoice as a PDF file of at most 10 MB.")
