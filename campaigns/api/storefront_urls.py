from django.urls import path

from . import storefront

urlpatterns = [
    path(
        "campaigns/<slug:slug>/plan-grant/",
        storefront.CampaignPlanGrantView.as_view(),
        name="campaign-plan-grant",
    ),
]
