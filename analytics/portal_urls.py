"""Portal analytics pages, mounted in the ``portal`` namespace at /<lang>/partner/."""

from django.urls import path

from . import views

urlpatterns = [
    path("campaigns/<int:pk>/analytics/", views.campaign_analytics, name="campaign_analytics"),
    path("campaigns/<int:pk>/analytics.csv", views.campaign_analytics_csv, name="campaign_analytics_csv"),
]
