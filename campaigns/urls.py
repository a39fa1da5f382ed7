"""Co-branded landing pages, mounted at ``/<lang>/c/``."""

from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("<slug:slug>/", views.landing, name="landing"),
]
