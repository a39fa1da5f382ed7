"""Public onboarding pages, mounted at /<lang>/partners/ in the ``partner_onboarding``
namespace."""

from django.urls import path

from . import onboarding_views

app_name = "partner_onboarding"

urlpatterns = [
    path("apply/", onboarding_views.apply, name="apply"),
    path("invitations/<str:token>/", onboarding_views.invitation, name="invitation"),
]
