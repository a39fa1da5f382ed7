"""Storefront pages of invoices: the invoice request of an order, its PDF and the
receipt PDF. Every one is the owner's only: another learner's order is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commerce.exceptions import OrderNotFound
from commerce.selectors import order_get
from core.exceptions import ApplicationError

from .exceptions import InvoiceIssued, InvoiceNotFound, OrderRefunded, ReceiptNotAvailable
from .forms import InvoiceRequestForm
from .models import Invoice
from .receipt_pdf import receipt_pdf
from .selectors import invoice_order_get, order_invoice
from .services import invoice_request, invoice_update


def _order(request: HttpRequest, number: str):
    try:
        return invoice_order_get(user=request.user, number=number)
    except OrderNotFound:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def invoice_page(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    invoice = order_invoice(order)
    editable = invoice is None or invoice.status == Invoice.Status.REQUESTED
    status = 200
    if request.method == "POST" and editable:
        form = InvoiceRequestForm(request.POST)
        status = 400
        if form.is_valid():
            service = invoice_request if invoice is None else invoice_update
            try:
                service(user=request.user, order_number=order.number, **form.cleaned_data)
            except ApplicationError as exc:
                field = "tax_number" if "tax_number" in exc.code else None
                form.add_error(field, str(exc.message))
            else:
                messages.success(
                    request, _("Your invoice request is saved. We e-mail the invoice once it is issued.")
                )
                return redirect("invoices:invoice", number=order.number)
    elif request.method == "POST":
        refused = OrderRefunded() if invoice.status == Invoice.Status.CANCELLED else InvoiceIssued()
        messages.error(request, str(refused.message))
        return redirect("invoices:invoice", number=order.number)
    elif invoice is not None:
        form = InvoiceRequestForm(
            initial={
                "title_kind": invoice.title_kind,
                "title": invoice.title,
                "tax_number": invoice.tax_number,
                "email": invoice.email,
            }
        )
    else:
        form = InvoiceRequestForm(initial={"email": request.user.email})
    return render(
        request,
        "invoices/invoice.html",
        {"order": order, "invoice": invoice, "form": form, "editable": editable},
        status=status,
    )


@login_required
def invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    invoice = order_invoice(_order(request, number))
    if invoice is None or invoice.status != Invoice.Status.ISSUED:
        raise Http404(str(InvoiceNotFound().message))
    return FileResponse(
        invoice.pdf.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"invoice-{str(number)[:8]}.pdf",
    )


@login_required
def receipt_download(request: HttpRequest, number: str) -> HttpResponse:
    try:
        order = order_get(user=request.user, number=number)
        content = receipt_pdf(order=order)
    except (OrderNotFound, ReceiptNotAvailable):
        raise Http404 from None
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{str(order.number)[:8]}.pdf"'
    return response
