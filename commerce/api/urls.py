from django.urls import path

from . import storefront

urlpatterns = [
    path("checkout/", storefront.CheckoutView.as_view(), name="checkout"),
    path("payments/methods/", storefront.PaymentMethodsView.as_view(), name="payment-methods"),
    path("orders/", storefront.OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", storefront.OrderDetailView.as_view(), name="order-detail"),
    path("me/subscriptions/", storefront.SubscriptionListView.as_view(), name="subscription-list"),
    path(
        "me/subscriptions/<int:pk>/cancel/",
        storefront.SubscriptionCancelView.as_view(),
        name="subscription-cancel",
    ),
    path(
        "me/subscriptions/<int:pk>/resume/",
        storefront.SubscriptionResumeView.as_view(),
        name="subscription-resume",
    ),
    path(
        "payments/webhooks/<str:provider>/",
        storefront.PaymentWebhookView.as_view(),
        name="payment-webhook",
    ),
]
