"""Staff dashboards at /admin/analytics/ (mounted before the admin's own URLs); every view
goes through ``admin.site.admin_view``, so only active staff get in."""

from django.contrib import admin
from django.urls import path

from . import views

app_name = "analytics_admin"

urlpatterns = [
    path("", admin.site.admin_view(views.staff_dashboard), name="dashboard"),
    path("alliance/", admin.site.admin_view(views.staff_alliance), name="alliance"),
    path("trends/", admin.site.admin_view(views.staff_trends), name="trends"),
    path("markets/", admin.site.admin_view(views.staff_markets), name="markets"),
]
