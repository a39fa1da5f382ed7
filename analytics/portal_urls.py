"""Portal metrics pages (one per campaign; the old analytics URL redirects to it), mounted
in the ``portal`` namespace at /<lang>/partner/."""

from django.urls import path

from . import views

urlpatterns = [
    path("campaigns/<int:pk>/metrics/", views.campaign_metrics, name="campaign_metrics"),
    path("campaigns/<int:pk>/analytics/", views.campaign_analytics, name="campaign_analytics"),
    path("campaigns/<int:pk>/analytics.csv", views.campaign_analytics_csv, name="campaign_analytics_csv"),
]
