"""Referral links, mounted at ``/r/`` (outside the language prefix: printed on posters)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:code>/", views.referral_redirect, name="referral_link"),
    path(
        "<str:code>/plans/<slug:slug>/", views.referral_redirect, {"kind": "plan"}, name="referral_plan_link"
    ),
    path("<str:code>/<slug:slug>/", views.referral_redirect, name="referral_course_link"),
]
