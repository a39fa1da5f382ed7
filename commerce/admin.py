"""Staff tools: orders with a refund page, the ledger with per-party balances and a
payout statement per period (page and CSV)."""

import csv
from datetime import datetime, time

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError

from .forms import PeriodForm, RefundForm
from .ledger import ledger_balances, ledger_statement, party_names
from .models import (
    LedgerEntry,
    Order,
    OrderLine,
    Payment,
    Refund,
    Subscription,
    SubscriptionPeriod,
    WebhookEvent,
)
from .services import order_refund


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "course",
        "live_session",
        "unit_price",
        "discount",
        "total",
        "amount_refunded",
        "seat",
        "revenue_split",
    ]
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = [
        "provider",
        "reference",
        "amount",
        "currency",
        "status",
        "failure_code",
        "idempotency_key",
        "created_at",
    ]
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ["amount", "currency", "status", "reason", "staff_user", "provider_reference", "created_at"]
    readonly_fields = fields


class LedgerInline(ReadOnlyInline):
    model = LedgerEntry
    fields = ["order_line", "kind", "party", "share", "amount", "currency", "refund", "created_at"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "user",
        "status",
        "total",
        "currency",
        "amount_refunded",
        "created_at",
        "refund_link",
    ]
    list_filter = ["status", "currency", "provider"]
    search_fields = ["number", "user__username", "user__email", "payment_reference", "discount_code"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, PaymentInline, RefundInline, LedgerInline]
    readonly_fields = [
        "number",
        "user",
        "status",
        "currency",
        "subtotal",
        "discount",
        "total",
        "amount_refunded",
        "language",
        "discount_code",
        "visitor_id",
        "campaign_id",
        "provider",
        "payment_reference",
        "paid_at",
        "cancelled_at",
        "receipt_sent_at",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("refund"))
    def refund_link(self, obj: Order) -> str:
        if obj.status not in (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED) or obj.total <= 0:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:commerce_order_refund", args=[obj.pk]), _("Refund")
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="commerce_order_refund"
            ),
            *super().get_urls(),
        ]

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("commerce.change_order"):
            raise PermissionDenied
        order = get_object_or_404(Order, pk=pk)
        form = RefundForm(request.POST or None, order=order)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                refund = order_refund(
                    order=order,
                    amount=data["amount"],
                    reason=data["reason"],
                    staff_user=request.user,
                    lines=data["lines"] or None,
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                done = refund.status == refund.Status.SUCCEEDED
                self.message_user(
                    request,
                    (
                        _("Refunded %(amount)s %(currency)s.")
                        if done
                        # WeChat Pay gives the money back later and says so by notification.
                        else _(
                            "The refund of %(amount)s %(currency)s is with the payment provider; "
                            "it is applied when the provider confirms it."
                        )
                    )
                    % {"amount": refund.amount, "currency": refund.currency},
                    messages.SUCCESS if done else messages.INFO,
                )
                return redirect("admin:commerce_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": order,
            "order": order,
            "form": form,
            "title": _("Refund order %(number)s") % {"number": order.number},
        }
        return TemplateResponse(request, "admin/commerce/order_refund.html", context)


def _period(form: PeriodForm):
    if not form.is_valid():
        return None, None, ""
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz) if start else None,
        datetime.combine(end, time.min, tzinfo=tz) if end else None,
        form.cleaned_data.get("party") or "",
    )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "party", "kind", "amount", "currency", "order", "order_line"]
    list_filter = ["kind", "currency"]
    search_fields = ["party", "order__number"]
    list_select_related = ["order"]
    date_hierarchy = "created_at"
    change_list_template = "admin/commerce/ledgerentry_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "balances/", self.admin_site.admin_view(self.balances_view), name="commerce_ledger_balances"
            ),
            *super().get_urls(),
        ]

    def balances_view(self, request: HttpRequest) -> HttpResponse:
        """Per-party balances for a period; with ``party`` the payout statement of that
        party, and ``?format=csv`` downloads either as CSV."""
        if not request.user.has_perm("commerce.view_ledgerentry"):
            raise PermissionDenied
        form = PeriodForm(request.GET or None)
        start, end, party = _period(form)
        rows = list(ledger_balances(start=start, end=end))
        names = party_names({row["party"] for row in rows} | ({party} if party else set()))
        for row in rows:
            row["name"] = names.get(row["party"], row["party"])
        entries = list(ledger_statement(party=party, start=start, end=end)) if party else []
        if request.GET.get("format") == "csv":
            return self._csv(rows=rows, entries=entries, party=party)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Revenue-share balances and payout statements"),
            "form": form,
            "rows": rows,
            "entries": entries,
            "party": party,
            "party_name": names.get(party, party),
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/commerce/ledger_balances.html", context)

    @staticmethod
    def _csv(*, rows, entries, party: str) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        name = f"statement-{party.replace(':', '-')}.csv" if party else "balances.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        writer = csv.writer(response)
        if party:
            writer.writerow(["date", "order", "course", "kind", "share", "amount", "currency"])
            for entry in entries:
                writer.writerow(
                    [
                        entry.created_at.isoformat(),
                        entry.order.number,
                        entry.order_line.course.slug
                        if entry.order_line.course_id
                        else f"plan:{entry.order_line.plan_id}",
                        entry.kind,
                        entry.share if entry.share is not None else "",
                        entry.amount,
                        entry.currency,
                    ]
                )
        else:
            writer.writerow(["party", "currency", "sales", "refunds", "balance", "entries"])
            for row in rows:
                writer.writerow(
                    [
                        row["party"],
                        row["currency"],
                        row["sales"],
                        row["refunds"],
                        row["balance"],
                        row["entries"],
                    ]
                )
        return response


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "provider", "event_id", "event_type", "reference", "outcome"]
    list_filter = ["provider", "outcome"]
    search_fields = ["event_id", "reference"]
    readonly_fields = ["provider", "event_id", "event_type", "reference", "outcome", "created_at"]

    def has_add_permission(self, request):
        return False


class SubscriptionPeriodInline(admin.TabularInline):
    model = SubscriptionPeriod
    extra = 0
    can_delete = False
    fields = ("number", "starts_at", "ends_at", "status", "attempts", "order", "settled_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Memberships: staff look and can stop renewals; charges, retries and the end are the
    services' (commerce/services/subscriptions.py)."""

    list_display = (
        "user",
        "plan",
        "status",
        "renewal",
        "amount",
        "currency",
        "current_period_end",
        "cancel_at_period_end",
    )
    list_filter = ("status", "renewal", "plan", "provider", "cancel_at_period_end")
    search_fields = ("user__username", "user__email", "plan__slug")
    list_select_related = ("user", "plan")
    inlines = [SubscriptionPeriodInline]
    readonly_fields = (
        "user",
        "plan",
        "status",
        "currency",
        "amount",
        "provider",
        "renewal",
        "payment_method",
        "provider_customer",
        "renewal_reminded_for",
        "language",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
        "cancelled_at",
        "ended_at",
        "retry_count",
        "next_retry_at",
        "grace_until",
    )
    actions = ["cancel_at_period_end"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Cancel at the end of the period"))
    def cancel_at_period_end(self, request, queryset):
        from .services.subscriptions import subscription_cancel

        for subscription in queryset.select_related("user"):
            subscription_cancel(user=subscription.user, subscription_id=subscription.pk)
