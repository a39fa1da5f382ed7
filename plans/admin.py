"""Staff admin of bundles and membership plans (a tab per language), and a read-only view
of entitlements, which only the billing services write."""

from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from .models import Bundle, BundlePrice, Entitlement, Plan, PlanPrice


class BundlePriceInline(admin.TabularInline):
    model = BundlePrice
    extra = 1


class PlanPriceInline(admin.TabularInline):
    model = PlanPrice
    extra = 1


@admin.register(Bundle)
class BundleAdmin(TabbedTranslationAdmin):
    list_display = ("slug", "title", "is_active")
    list_filter = ("is_active",)
    search_fields = ("slug", "title")
    filter_horizontal = ("courses",)
    inlines = [BundlePriceInline]


@admin.register(Plan)
class PlanAdmin(TabbedTranslationAdmin):
    list_display = ("slug", "title", "interval", "renews", "is_active")
    list_filter = ("interval", "renews", "is_active")
    search_fields = ("slug", "title")
    filter_horizontal = ("courses", "categories")
    inlines = [PlanPriceInline]


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = ("user", "plan", "source", "starts_at", "ends_at", "ended_at")
    list_filter = ("plan",)
    search_fields = ("user__username", "source")
    list_select_related = ("user", "plan")
    readonly_fields = ("user", "plan", "source", "starts_at", "ends_at", "ended_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
