"""Mounted inside the ``partner_api`` namespace at /api/partner/v1/ (no app_name here)."""

from django.urls import path

from partners.api import views, webhooks

urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="customer_list"),
    path("customers/<str:external_id>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("webhooks/", webhooks.EndpointListView.as_view(), name="webhook_list"),
    path("webhooks/<int:pk>/", webhooks.EndpointDetailView.as_view(), name="webhook_detail"),
    path("webhooks/<int:pk>/ping/", webhooks.PingView.as_view(), name="webhook_ping"),
    path("webhooks/<int:pk>/deliveries/", webhooks.DeliveryListView.as_view(), name="webhook_deliveries"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/redeliver/",
        webhooks.RedeliverView.as_view(),
        name="webhook_redeliver",
    ),
]
