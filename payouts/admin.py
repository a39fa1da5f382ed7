"""Staff record payouts (a form that goes through ``payout_record``, so the balance, the
closed months and duplicate references are checked) and read statements, which nobody
edits once closed."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import PartnerPayout, PartnerStatement, StatementLine
from .services import payout_record, payout_refusal, statements_close_due


class PayoutForm(forms.ModelForm):
    class Meta:
        model = PartnerPayout
        fields = ["partner", "currency", "amount", "paid_on", "reference", "note"]

    def clean(self):
        data = super().clean()
        needed = ("partner", "currency", "amount", "paid_on", "reference")
        if all(data.get(name) is not None for name in needed):
            refusal = payout_refusal(**{name: data[name] for name in needed})
            if refusal is not None:
                raise forms.ValidationError(str(refusal.message), code=refusal.code)
        return data


@admin.register(PartnerPayout)
class PartnerPayoutAdmin(admin.ModelAdmin):
    form = PayoutForm
    list_display = ["partner", "paid_on", "amount", "currency", "reference", "recorded_by"]
    list_select_related = ["partner", "recorded_by"]
    list_filter = ["currency", "partner"]
    search_fields = ["reference", "partner__name", "partner__slug"]
    date_hierarchy = "paid_on"

    def has_change_permission(self, request, obj=None):
        return obj is None  # recorded transfers are facts: no edits

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The service writes the row; ModelAdmin's save would skip its checks.
        data = form.cleaned_data
        saved = payout_record(
            partner=data["partner"],
            currency=data["currency"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            reference=data["reference"],
            note=data.get("note", ""),
            recorded_by=request.user,
        )
        obj.pk = saved.pk
        obj._state.adding = False


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    fields = ["campaign_name", "earned", "reversed"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PartnerStatement)
class PartnerStatementAdmin(admin.ModelAdmin):
    list_display = [
        "partner",
        "period_start",
        "currency",
        "opening_balance",
        "earned",
        "reversed",
        "paid_out",
        "closing_balance",
    ]
    list_select_related = ["partner"]
    list_filter = ["currency", "partner"]
    date_hierarchy = "period_start"
    inlines = [StatementLineInline]
    actions = ["close_due_months"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Close every complete month now"))
    def close_due_months(self, request, queryset):
        written = statements_close_due()
        self.message_user(
            request,
            ngettext("%(count)d statement closed.", "%(count)d statements closed.", written)
            % {"count": written},
        )
