"""Portal pages of co-branded campaigns, mounted in the ``portal`` namespace at /<lang>/partner/."""

from django.urls import path

from . import portal_views as views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/submit/", views.campaign_submit, name="campaign_submit"),
    path("campaigns/<int:pk>/reopen/", views.campaign_reopen, name="campaign_reopen"),
    path("campaigns/<int:pk>/codes/", views.campaign_codes, name="campaign_codes"),
    path("campaigns/<int:pk>/codes.csv", views.campaign_codes_csv, name="campaign_codes_csv"),
    path("campaigns/<int:pk>/links/", views.campaign_links, name="campaign_links"),
]
