"""Staff: commission rates per course or membership plan, referrers, referrals with their fraud flags (filter
"flagged"), commissions, and the withdrawal queue: approve (record the bank transfer; the
payout statement is closed from the ledger) or reject."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.exceptions import ApplicationError

from .models import Commission, CommissionRate, PayoutStatement, Referral, Referrer, Withdrawal
from .services import withdrawal_approve, withdrawal_reject


class CommissionRateForm(forms.ModelForm):
    class Meta:
        model = CommissionRate
        fields = ["course", "plan", "direct_rate", "indirect_rate", "is_active"]

    def clean(self):
        # Said in words, before the check constraint's generic message.
        cleaned = super().clean()
        if bool(cleaned.get("course")) == bool(cleaned.get("plan")):
            raise forms.ValidationError(_("Choose a course or a membership plan, exactly one."))
        return cleaned


@admin.register(CommissionRate)
class CommissionRateAdmin(admin.ModelAdmin):
    # One of course and plan (the database checks it: ``commission_rate_course_or_plan``).
    list_display = ["course", "plan", "direct_rate", "indirect_rate", "is_active"]
    list_select_related = ["course", "plan"]
    list_filter = ["is_active", ("plan", admin.EmptyFieldListFilter)]
    raw_id_fields = ["course", "plan"]
    search_fields = ["course__slug", "course__title_en", "plan__slug", "plan__title_en"]
    form = CommissionRateForm


@admin.register(Referrer)
class ReferrerAdmin(admin.ModelAdmin):
    list_display = ["code", "user", "parent", "is_active", "created_at"]
    list_select_related = ["user", "parent"]
    list_filter = ["is_active"]
    search_fields = ["code", "user__username", "user__email"]
    raw_id_fields = ["user", "parent"]
    readonly_fields = ["code"]


class CommissionInline(admin.TabularInline):
    model = Commission
    fields = [
        "referrer",
        "level",
        "order_line",
        "rate",
        "amount",
        "reversed_amount",
        "status",
        "flag",
        "hold_until",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "referrer",
        "upline",
        "buyer",
        "reason",
        "is_flagged",
        "flags",
        "address",
        "created_at",
    ]
    list_select_related = ["order", "referrer", "upline", "buyer"]
    list_filter = ["is_flagged", "reason"]
    search_fields = ["referrer__code", "buyer__username", "address", "order__number"]
    readonly_fields = [field.name for field in Referral._meta.fields]
    inlines = [CommissionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = [
        "referrer",
        "level",
        "currency",
        "amount",
        "reversed_amount",
        "status",
        "flag",
        "hold_until",
    ]
    list_select_related = ["referrer"]
    list_filter = ["status", "flag", "level", "currency"]
    search_fields = ["referrer__code"]
    readonly_fields = [field.name for field in Commission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApproveForm(forms.Form):
    reference = forms.CharField(label=_("Bank transfer reference"), max_length=120)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "referrer",
        "currency",
        "amount",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
    ]
    list_select_related = ["referrer", "decided_by"]
    list_filter = ["status", "currency"]
    search_fields = ["referrer__code", "reference", "number"]
    readonly_fields = [field.name for field in Withdrawal._meta.fields]
    actions = ["reject"]
    change_form_template = "admin/referrals/withdrawal/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(self.approve_view),
                name="referrals_withdrawal_approve",
            ),
            *super().get_urls(),
        ]

    def approve_view(self, request, pk: int):
        """Approval records the transfer: staff enter its reference, the service marks the
        withdrawal paid and closes its statement."""
        withdrawal = Withdrawal.objects.select_related("referrer__user").get(pk=pk)
        if not self.has_change_permission(request, withdrawal):
            return redirect("admin:index")
        form = ApproveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                withdrawal_approve(
                    withdrawal=withdrawal,
                    staff_user=request.user,
                    reference=form.cleaned_data["reference"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
            else:
                self.message_user(request, _("Withdrawal paid; its statement is closed."))
            return redirect(reverse("admin:referrals_withdrawal_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Approve withdrawal"),
            "withdrawal": withdrawal,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/referrals/withdrawal/approve.html", context)

    @admin.action(description=_("Reject the selected withdrawals"))
    def reject(self, request, queryset):
        done = 0
        for withdrawal in queryset.filter(status=Withdrawal.Status.REQUESTED).order_by("pk"):
            try:
                withdrawal_reject(withdrawal=withdrawal, staff_user=request.user)
                done += 1
            except ApplicationError:
                continue
        self.message_user(
            request,
            ngettext("%(count)d withdrawal rejected.", "%(count)d withdrawals rejected.", done)
            % {"count": done},
        )


@admin.register(PayoutStatement)
class PayoutStatementAdmin(admin.ModelAdmin):
    list_display = [
        "referrer",
        "currency",
        "period_start",
        "period_end",
        "opening_balance",
        "earned",
        "reversed",
        "paid_out",
        "closing_balance",
    ]
    list_select_related = ["referrer"]
    list_filter = ["currency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
