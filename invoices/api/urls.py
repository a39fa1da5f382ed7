"""Invoice and receipt endpoints of the storefront API (mounted by ``config.urls`` in ``api``)."""

from django.urls import path

from . import storefront

urlpatterns = [
    path("orders/<str:number>/invoice/", storefront.OrderInvoiceView.as_view(), name="order-invoice"),
    path("orders/<str:number>/invoice.pdf", storefront.OrderInvoicePdfView.as_view(), name="invoice-pdf"),
    path("orders/<str:number>/receipt.pdf", storefront.OrderReceiptPdfView.as_view(), name="receipt-pdf"),
]
