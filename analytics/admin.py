"""Read-only admin of the nightly metric rows (the staff dashboards are ``analytics.views``)."""

from django.contrib import admin

from campaigns.admin import ReadOnlyAdmin

from .models import CampaignDailyMetric


@admin.register(CampaignDailyMetric)
class CampaignDailyMetricAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "campaign",
        "variant",
        "language",
        "unique_visitors",
        "clicks",
        "orders",
        "revenue",
    ]
    list_filter = ["campaign"]
    list_select_related = ["campaign", "variant"]
    date_hierarchy = "date"
