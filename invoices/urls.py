"""Storefront pages of invoices under ``/<lang>/``, beside commerce's order pages."""

from django.urls import path

from . import views

app_name = "invoices"

urlpatterns = [
    path("orders/<str:number>/invoice/", views.invoice_page, name="invoice"),
    path("orders/<str:number>/invoice.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("orders/<str:number>/receipt.pdf", views.receipt_download, name="receipt_pdf"),
]
