from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "user",
        "subject",
        "language",
        "created_at",
        "delivered_at",
        "emailed_at",
        "read_at",
    ]
    list_filter = ["kind", "language"]
    search_fields = ["user__username", "user__email", "key", "subject"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["key", "params", "delivered_at", "emailed_at"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email"]
    list_filter = ["kind", "email"]
    raw_id_fields = ["user"]
