"""Admin pages of the shared kernel: the translation report for staff.

The project keeps Django's default admin site (every app registers on ``admin.site``), so
the report's URL is added to that site here instead of replacing the site in ``config``."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

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
