"""Storefront pages of commerce under ``/<lang>/``."""

from django.urls import path

from . import views

app_name = "commerce"

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add_view, name="cart_add"),
    path("cart/remove/", views.cart_remove_view, name="cart_remove"),
    path("cart/code/", views.cart_code_apply_view, name="cart_code_apply"),
    path("cart/code/remove/", views.cart_code_remove_view, name="cart_code_remove"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/product/", views.product_checkout, name="product_checkout"),
    path("checkout/wechat/authorized/", views.wechat_authorized, name="wechat_authorized"),
    path("me/membership/", views.membership, name="membership"),
    path("orders/", views.orders, name="orders"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/pay/", views.order_pay, name="order_pay"),
    path("orders/<str:number>/status/", views.order_status, name="order_status"),
]
