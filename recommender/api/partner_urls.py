from django.urls import path

from .partner import CustomerRecommendationsView

urlpatterns = [
    path(
        "customers/<str:external_id>/recommendations/",
        CustomerRecommendationsView.as_view(),
        name="customer-recommendations",
    ),
]
