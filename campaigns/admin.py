"""Staff admin of campaigns: review (approve / reject with a reason shown to the partner),
codes, links, and read-only touches and attributions."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from core.exceptions import ApplicationError
from core.timezones import zone_choices

from . import services
from .models import (
    Campaign,
    CampaignAudienceCustomer,
    CampaignCourse,
    CampaignFixedDiscount,
    CampaignPartner,
    DiscountCode,
    OrderAttribution,
    PlanGrant,
    SpendEntry,
    Touch,
    TrackingLink,
    Variant,
)


class CampaignPartnerInline(admin.TabularInline):
    model = CampaignPartner
    extra = 0
    autocomplete_fields = ["partner"]


class CampaignCourseInline(admin.TabularInline):
    model = CampaignCourse
    extra = 0
    raw_id_fields = ["course"]


class AudienceCustomerFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        ids = [
            form.cleaned_data["customer"].pk
            for form in self.forms
            if form.cleaned_data.get("customer") and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.audience_customer_ids_check(campaign=self.instance, customer_ids=ids)
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc


class AudienceCustomerInline(admin.TabularInline):
    """Pushed customers listed in the audience: only the lead partner's, only consenting."""

    model = CampaignAudienceCustomer
    formset = AudienceCustomerFormSet
    extra = 0
    raw_id_fields = ["customer"]
    verbose_name_plural = _("audience: listed pushed customers")


class CampaignAdminForm(forms.ModelForm):
    def clean_audience_segments(self):
        value = self.cleaned_data.get("audience_segments") or []
        if not isinstance(value, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in value
        ):
            raise forms.ValidationError(_("Give a list of segment numbers, e.g. [0, 2]."))
        try:
            numbers, version_id = services.audience_segments_check(segments=value)
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc
        self.instance.audience_segments_version = version_id
        return numbers


class FixedDiscountInline(admin.TabularInline):
    model = CampaignFixedDiscount
    extra = 0


class VariantInline(TranslationTabularInline):
    model = Variant
    extra = 0


class SpendEntryInline(admin.TabularInline):
    model = SpendEntry
    extra = 0


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason shown to the partner"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Campaign)
class CampaignAdmin(TabbedTranslationAdmin):
    form = CampaignAdminForm
    list_display = [
        "name",
        "slug",
        "partner",
        "status",
        "starts_at",
        "ends_at",
        "discount_type",
        "discount_percent",
        "reporting_time_zone",
    ]
    list_filter = ["status", "discount_type", "partner"]
    search_fields = ["slug", "name", "partner__slug"]
    list_select_related = ["partner"]
    readonly_fields = ["submitted_at", "reviewed_at", "reviewed_by", "started_at", "ended_at", "created_by"]
    autocomplete_fields = ["partner"]
    filter_horizontal = ["bundles", "plans"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "reporting_time_zone":
            # A list of the tz database's names instead of free text.
            return forms.TypedChoiceField(
                label=db_field.verbose_name,
                help_text=db_field.help_text,
                choices=zone_choices(),
                initial=db_field.default,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    inlines = [
        CampaignPartnerInline,
        CampaignCourseInline,
        FixedDiscountInline,
        VariantInline,
        SpendEntryInline,
        AudienceCustomerInline,
    ]
    actions = ["approve", "reject", "end"]

    def _each(self, request, queryset, action, done_message):
        done = 0
        for campaign in queryset:
            try:
                action(campaign)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{campaign.slug}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, level=messages.SUCCESS)

    @admin.action(description=_("Approve the selected submitted campaigns"))
    def approve(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda c: services.campaign_approve(campaign=c, reviewed_by=request.user),
            _("%(count)s campaign(s) approved."),
        )

    @admin.action(description=_("Reject the selected submitted campaigns (with a reason)"))
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda c: services.campaign_reject(campaign=c, reason=reason, reviewed_by=request.user),
                _("%(count)s campaign(s) rejected."),
            )
            return None
        return render(
            request,
            "campaigns/admin/reject.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reject campaigns"),
                "campaigns": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("End the selected campaigns now"))
    def end(self, request, queryset):
        self._each(
            request, queryset, lambda c: services.campaign_end(campaign=c), _("%(count)s campaign(s) ended.")
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not SpendEntry:
            return super().save_formset(request, form, formset, change)
        # New spend goes through the service (campaign row locked, budget checked).
        entries = formset.save(commit=False)
        for entry in formset.deleted_objects:
            entry.delete()
        for entry in entries:
            if entry.pk is not None:
                entry.save()
                continue
            try:
                services.spend_entry_add(
                    campaign=form.instance, amount=entry.amount, on=entry.date, note=entry.note
                )
            except ApplicationError as exc:
                self.message_user(request, str(exc.message), level=messages.ERROR)
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Spend typed in the inline must stop a campaign whose budget it uses up now, not
        # at the next scheduler run.
        if services.budget_check(campaign=form.instance):
            self.message_user(
                request, _("The budget is used up: the campaign has ended."), level=messages.WARNING
            )


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "campaign",
        "redemptions_count",
        "max_redemptions",
        "per_customer_limit",
        "expires_at",
        "is_active",
    ]
    list_filter = ["is_active", "campaign"]
    search_fields = ["code", "campaign__slug"]
    list_select_related = ["campaign"]
    readonly_fields = ["redemptions_count", "batch_id"]
    raw_id_fields = ["campaign"]


@admin.register(TrackingLink)
class TrackingLinkAdmin(admin.ModelAdmin):
    list_display = ["token", "campaign", "channel", "language", "utm_source", "utm_medium", "utm_content"]
    list_filter = ["channel", "campaign"]
    search_fields = ["token", "campaign__slug"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign", "variant"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "campaign",
        "kind",
        "channel",
        "variant",
        "is_holdout",
        "language",
        "country",
    ]
    list_filter = ["kind", "channel", "is_holdout", "campaign"]
    list_select_related = ["campaign", "variant"]
    date_hierarchy = "created_at"


@admin.register(OrderAttribution)
class OrderAttributionAdmin(ReadOnlyAdmin):
    list_display = [
        "order_ref",
        "campaign",
        "reason",
        "amount",
        "currency",
        "refunded_amount",
        "is_self_purchase",
        "paid_at",
    ]
    list_filter = ["reason", "is_self_purchase", "is_holdout", "campaign"]
    search_fields = ["order_ref"]
    list_select_related = ["campaign"]


@admin.register(PlanGrant)
class PlanGrantAdmin(admin.ModelAdmin):
    """Grants partners made from the portal (read-only: the service decides them)."""

    list_display = ["campaign", "partner", "customer", "granted_by", "created_at"]
    list_select_related = ["campaign", "partner", "customer", "granted_by"]
    list_filter = ["partner"]
    search_fields = ["campaign__slug", "customer__external_hash"]
    readonly_fields = ["campaign", "partner", "customer", "granted_by", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
