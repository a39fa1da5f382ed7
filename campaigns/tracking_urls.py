"""Tracking links, mounted at ``/t/`` (outside the language prefix: printed and sent as-is)."""

from django.urls import path

from . import views

urlpatterns = [
    # Before the redirect: a token never contains a dot (secrets.token_urlsafe).
    path("<str:token>.svg", views.tracking_link_qr, name="tracking_link_qr"),
    path("<str:token>.png", views.tracking_link_qr_png, name="tracking_link_qr_png"),
    path("<str:token>", views.tracking_redirect, name="tracking_link"),
]
