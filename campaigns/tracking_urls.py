"""Tracking links, mounted at ``/t/`` (outside the language prefix: printed and sent as-is)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>", views.tracking_redirect, name="tracking_link"),
]
