"""Mounted inside the ``partner_api`` namespace at /api/partner/v1/ (no app_name here)."""

from django.urls import path

from . import partner

urlpatterns = [
    path("campaigns/", partner.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/<int:pk>/", partner.CampaignDetailView.as_view(), name="campaign_detail"),
    path("campaigns/<int:pk>/submit/", partner.CampaignSubmitView.as_view(), name="campaign_submit"),
    path("campaigns/<int:pk>/codes/", partner.CampaignCodesView.as_view(), name="campaign_codes"),
]
