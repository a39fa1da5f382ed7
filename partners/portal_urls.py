"""Portal pages of the partners app, mounted in the ``portal`` namespace at /<lang>/partner/."""

from django.urls import path

from partners import portal_views as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("api-keys/", views.api_key_list, name="api_key_list"),
    path("api-keys/new/", views.api_key_create, name="api_key_create"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/upload/", views.customer_upload, name="customer_upload"),
    path("customers/<str:external_hash>/", views.customer_detail, name="customer_detail"),
    path("learners/", views.linked_learner_list, name="linked_learner_list"),
]
