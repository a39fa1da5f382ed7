from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin

from partners.models import (
    ApiKey,
    ConsentText,
    Partner,
    PartnerApplication,
    PartnerConsent,
    PartnerCustomer,
    PartnerInvitation,
    PartnerMember,
)
from partners.services import (
    api_key_revoke,
    consent_text_make_current,
    customer_id_secret_new,
    partner_application_approve,
    partner_application_reject,
)


class PartnerMemberInline(admin.TabularInline):
    model = PartnerMember
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Partner)
class PartnerAdmin(TabbedTranslationAdmin):
    list_display = ["slug", "name", "industry", "status", "created_at"]
    list_filter = ["status", "industry"]
    search_fields = ["slug", "name", "industry"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    # The customer-id secret never leaves the server, not even to staff.
    exclude = ["customer_id_secret"]
    inlines = [PartnerMemberInline]

    def save_model(self, request, obj, form, change):
        if not obj.customer_id_secret:
            obj.customer_id_secret = customer_id_secret_new()
        super().save_model(request, obj, form, change)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "partner", "scopes", "last_used_at", "revoked_at", "created_at"]
    list_filter = ["partner", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "name", "partner__slug"]
    list_select_related = ["partner"]
    fields = ["partner", "name", "prefix", "key_hash", "scopes", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    # Keys are issued in the portal (or by api_key_issue), which shows the raw key once.
    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Revoke selected API keys"))
    def revoke(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d API key revoked.", "%(count)d API keys revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(PartnerCustomer)
class PartnerCustomerAdmin(admin.ModelAdmin):
    list_display = ["external_hash", "partner", "country", "language", "consent_at", "withdrawn_at"]
    list_filter = ["partner", "country", "language"]
    search_fields = ["external_hash"]
    list_select_related = ["partner"]
    readonly_fields = ["partner", "external_hash", "consent_at", "created_at", "updated_at"]


class ConsentTextForm(forms.ModelForm):
    # Not the model field: the one-current-version constraint would refuse the form while the
    # previous version is still current. Publishing goes through consent_text_make_current.
    publish = forms.BooleanField(
        label=_("current version"),
        required=False,
        help_text=_("Learners who link from now on agree to this version; earlier consents keep theirs."),
    )

    class Meta:
        model = ConsentText
        fields = ["version", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publish"].initial = self.instance.is_current


@admin.register(ConsentText)
class ConsentTextAdmin(TabbedTranslationAdmin):
    form = ConsentTextForm
    fields = ["version", "body", "publish", "created_at", "updated_at"]
    list_display = ["version", "is_current", "created_at"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("publish"):
            consent_text_make_current(consent_text=obj)


@admin.register(PartnerConsent)
class PartnerConsentAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "consent_text", "language", "granted_at", "withdrawn_at"]
    list_filter = ["partner", "consent_text", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "partner__slug"]
    list_select_related = ["user", "partner", "consent_text"]
    readonly_fields = [
        "user",
        "partner",
        "consent_text",
        "language",
        "granted_at",
        "withdrawn_at",
        "created_at",
    ]


@admin.register(PartnerApplication)
class PartnerApplicationAdmin(admin.ModelAdmin):
    """The queue of brands asking to join: approve (creates the partner and e-mails its
    owner an invitation) or reject (e-mails a polite no)."""

    list_display = ["company", "industry", "country", "contact_email", "status", "created_at"]
    list_filter = ["status", "industry", "country"]
    search_fields = ["company", "contact_email", "contact_name"]
    readonly_fields = [
        "company",
        "industry",
        "website",
        "country",
        "contact_name",
        "contact_email",
        "message",
        "language",
        "status",
        "reviewed_by",
        "reviewed_at",
        "partner",
        "created_at",
    ]
    exclude = ["updated_at"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, decide, done_message):
        done = 0
        for application in queryset.filter(status=PartnerApplication.Status.PENDING):
            decide(application=application, reviewed_by=request.user)
            done += 1
        self.message_user(request, done_message % {"count": done})

    @admin.action(description=_("Approve and invite the contact as owner"))
    def approve(self, request, queryset):
        self._decide(request, queryset, partner_application_approve, _("%(count)d application(s) approved."))

    @admin.action(description=_("Reject"))
    def reject(self, request, queryset):
        self._decide(request, queryset, partner_application_reject, _("%(count)d application(s) rejected."))


@admin.register(PartnerInvitation)
class PartnerInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "partner", "role", "sent_at", "expires_at", "accepted_at", "revoked_at"]
    list_select_related = ["partner"]
    list_filter = ["role"]
    search_fields = ["email", "partner__slug"]
    exclude = ["token_hash"]
    readonly_fields = [
        "partner",
        "email",
        "role",
        "language",
        "expires_at",
        "sent_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "invited_by",
    ]

    def has_add_permission(self, request):
        return False
