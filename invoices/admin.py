"""The staff queue of invoice requests. Staff open a request, upload the issued PDF
(``Issue``) and the learner is mailed; every field is read-only here, so an issued invoice
cannot be edited, and invoices are never deleted (they are tax documents).

An issued invoice whose order was refunded afterwards shows up under the status filter
"Needs a red-letter reversal" (红冲): staff issue the red-letter invoice in the tax system,
then mark it reversed here (action)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import ApplicationError

from .forms import InvoiceIssueForm
from .models import Invoice
from .services import invoice_issue, invoice_mark_reversed


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["created_at", "order_number", "title", "title_kind", "amount", "currency", "status"]
    list_filter = ["status", "title_kind", "currency"]
    search_fields = ["title", "tax_number", "email", "invoice_number", "order__number"]
    list_select_related = ["order"]
    # Requests waiting ("requested" sorts after "issued") first, oldest first.
    ordering = ["-status", "created_at", "id"]
    fields = [
        "order_link",
        "status",
        "title_kind",
        "title",
        "tax_number",
        "email",
        "amount",
        "currency",
        "invoice_number",
        "pdf",
        "issued_at",
        "issued_by",
        "emailed_at",
        "reversal_flagged_at",
        "reversed_at",
        "reversed_by",
        "cancelled_at",
        "issue_link",
    ]
    readonly_fields = fields
    actions = ["mark_reversed"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "issued_by", "reversed_by")

    def get_changelist_instance(self, request):
        # The queue (requests waiting) is what staff open the list for.
        if "status__exact" not in request.GET and "q" not in request.GET and "o" not in request.GET:
            request.GET = request.GET.copy()
            request.GET["status__exact"] = Invoice.Status.REQUESTED
        return super().get_changelist_instance(request)

    @admin.display(description=_("order"), ordering="order__number")
    def order_number(self, invoice: Invoice) -> str:
        return str(invoice.order.number)[:8]

    @admin.display(description=_("order"))
    def order_link(self, invoice: Invoice) -> str:
        url = reverse("admin:commerce_order_change", args=[invoice.order_id])
        return format_html('<a href="{}">{}</a>', url, invoice.order.number)

    @admin.display(description=_("Issue"))
    def issue_link(self, invoice: Invoice) -> str:
        if invoice.status != Invoice.Status.REQUESTED:
            return "—"
        url = reverse("admin:invoices_invoice_issue", args=[invoice.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Issue the invoice (upload its PDF)"))

    @admin.action(description=_("Mark the red-letter reversal as issued"), permissions=["change"])
    def mark_reversed(self, request, queryset):
        done = 0
        for pk in (
            queryset.filter(status=Invoice.Status.REVERSAL_NEEDED).order_by("pk").values_list("pk", flat=True)
        ):
            try:
                invoice_mark_reversed(invoice_id=pk, staff_user=request.user)
                done += 1
            except ApplicationError:
                continue  # decided meanwhile by someone else
        self.message_user(
            request,
            ngettext("%(count)d invoice marked reversed.", "%(count)d invoices marked reversed.", done)
            % {"count": done},
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/issue/",
                self.admin_site.admin_view(self.issue_view),
                name="invoices_invoice_issue",
            )
        ]
        return extra + super().get_urls()

    def issue_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("invoices.change_invoice"):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.select_related("order"), pk=pk)
        form = InvoiceIssueForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                invoice_issue(
                    invoice_id=invoice.pk,
                    pdf=form.cleaned_data["pdf"],
                    invoice_number=form.cleaned_data["invoice_number"],
                    staff_user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(
                    request, _("The invoice is issued; the learner is e-mailed."), messages.SUCCESS
                )
                return redirect("admin:invoices_invoice_change", invoice.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": invoice,
            "invoice": invoice,
            "form": form,
            "title": _("Issue the invoice of order %(number)s") % {"number": invoice.order.number},
        }
        return TemplateResponse(
            request, "admin/invoices/invoice_issue.html", context, status=400 if form.errors else 200
        )
