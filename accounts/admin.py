"""Staff admin of users, with each learner's profile on the user's page."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import LearnerProfile, PhoneNumber, User


class LearnerProfileForm(forms.ModelForm):
    class Meta:
        model = LearnerProfile
        fields = [
            "preferred_language",
            "country",
            "preferred_currency",
            "interests",
            "marketing_consent",
            "marketing_consent_at",
        ]

    def clean(self):
        cleaned = super().clean()
        # The database requires a timestamp with every consent; staff ticking the box
        # records the moment they did so.
        if cleaned.get("marketing_consent") and not cleaned.get("marketing_consent_at"):
            cleaned["marketing_consent_at"] = timezone.now()
        return cleaned


class LearnerProfileInline(admin.StackedInline):
    model = LearnerProfile
    form = LearnerProfileForm
    can_delete = False
    extra = 0
    max_num = 1


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [LearnerProfileInline]
    list_display = [
        "username",
        "email",
        "first_name",
        "is_staff",
        "country",
        "preferred_language",
        "date_joined",
    ]
    list_select_related = ["profile"]
    list_filter = [*DjangoUserAdmin.list_filter, "profile__country", "profile__preferred_language"]

    def _profile(self, obj):
        try:
            return obj.profile
        except LearnerProfile.DoesNotExist:
            return None

    @admin.display(description=_("country"), ordering="profile__country")
    def country(self, obj):
        profile = self._profile(obj)
        return profile.country if profile else "—"

    @admin.display(description=_("preferred language"), ordering="profile__preferred_language")
    def preferred_language(self, obj):
        profile = self._profile(obj)
        return profile.get_preferred_language_display() if profile else "—"


@admin.register(PhoneNumber)
class PhoneNumberAdmin(admin.ModelAdmin):
    """Verified mobile numbers (text-message sign-in). Codes are never listed: only their
    hashes are stored."""

    list_display = ["number", "user", "verified_at"]
    search_fields = ["number", "user__username", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["verified_at"]
