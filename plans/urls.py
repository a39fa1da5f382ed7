"""Storefront pages of the plans app under ``/<lang>/``."""

from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("plans/", views.index, name="index"),
    path("plans/<slug:slug>/", views.plan_detail, name="detail"),
    path("bundles/<slug:slug>/", views.bundle_detail, name="bundle"),
]
