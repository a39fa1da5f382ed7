from django.urls import path

from .partner import CampaignAudienceView, CustomerRecommendationsView

urlpatterns = [
    path("campaigns/<int:pk>/audience/", CampaignAudienceView.as_view(), name="campaign-audience"),
    path(
        "customers/<str:external_id>/recommendations/",
        CustomerRecommendationsView.as_view(),
        name="customer-recommendations",
    ),
]
