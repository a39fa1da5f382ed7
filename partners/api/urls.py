"""Mounted inside the ``partner_api`` namespace at /api/partner/v1/ (no app_name here)."""

from django.urls import path

from partners.api import views

urlpatterns = [
    path("customers/", views.CustomerListView.as_view(), name="customer_list"),
    path("customers/<str:external_id>/", views.CustomerDetailView.as_view(), name="customer_detail"),
]
