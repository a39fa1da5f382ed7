"""Admin pages of the shared kernel: the translation report for staff.

The project keeps Django's default admin site (every app registers on ``admin.site``), so
the report's URL is added to that site here instead of replacing the site in ``config``."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import OutboxMessage
from core.translation_report import translation_report


def translation_report_view(request):
    rows = translation_report()
    context = {
        **admin.site.each_context(request),
        "title": _("Translation report"),
        "rows": rows,
    }
    return TemplateResponse(request, "admin/translation_report.html", context)


def _with_report_url(get_urls):
    def get_urls_with_report():
        report = path(
            "translation-report/",
            admin.site.admin_view(translation_report_view),
            name="translation_report",
        )
        return [report, *get_urls()]

    return get_urls_with_report


if not getattr(admin.site, "_zq_translation_report", False):
    admin.site.get_urls = _with_report_url(admin.site.get_urls)
    admin.site._zq_translation_report = True


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Side effects waiting or failed: staff see why and can send them again."""

    list_display = ["id", "topic", "status", "attempts", "available_at", "sent_at", "created_at"]
    list_filter = ["status", "topic"]
    search_fields = ["topic", "dedupe_key"]
    readonly_fields = [
        "topic",
        "payload",
        "dedupe_key",
        "status",
        "attempts",
        "available_at",
        "sent_at",
        "last_error",
        "created_at",
    ]
    fields = readonly_fields
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again now"))
    def retry_now(self, request, queryset):
        count = queryset.exclude(status=OutboxMessage.Status.SENT).update(
            status=OutboxMessage.Status.PENDING, available_at=timezone.now()
        )
        self.message_user(request, _("%(count)d messages will be sent by the next drain.") % {"count": count})
