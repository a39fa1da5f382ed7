"""Mounted inside the ``partner_api`` namespace at /api/partner/v1/ (no app_name here)."""

from django.urls import path

from . import partner

urlpatterns = [
    path("campaigns/<int:pk>/metrics/", partner.CampaignMetricsView.as_view(), name="campaign_metrics"),
]
