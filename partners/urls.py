"""A learner's data-sharing consents; to be mounted at /<lang>/account/partners/."""

from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("", views.consent_list, name="consent_list"),
    path("<slug:slug>/link/", views.consent_grant, name="consent_grant"),
    path("<slug:slug>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
