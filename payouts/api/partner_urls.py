"""Mounted inside the ``partner_api`` namespace at /api/partner/v1/ (no app_name here)."""

from django.urls import path

from . import partner

urlpatterns = [
    path("statements/", partner.StatementListView.as_view(), name="statement_list"),
    path("statements/<int:pk>/", partner.StatementDetailView.as_view(), name="statement_detail"),
    path("balance/", partner.BalanceView.as_view(), name="balance"),
]
