from django.urls import path

from . import storefront

urlpatterns = [
    path("plans/", storefront.ProductListView.as_view(), name="plan-list"),
    path("plans/<slug:slug>/", storefront.ProductDetailView.as_view(), name="plan-detail"),
]
