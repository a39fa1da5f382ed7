"""Invoices and receipts in the storefront API:

- ``GET orders/<number>/invoice/`` the order's invoice (404 ``invoice_not_found``);
  ``POST`` requests one (201), ``PATCH`` corrects a request not issued yet;
- ``GET orders/<number>/invoice.pdf`` the issued invoice, ``GET orders/<number>/receipt.pdf``
  the receipt, in the order's language."""

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from commerce.selectors import order_get
from core.api.schema import ApiErrorSerializer

from ..exceptions import InvoiceNotFound
from ..models import Invoice
from ..receipt_pdf import receipt_pdf
from ..selectors import invoice_order_get, order_invoice
from ..services import invoice_request, invoice_update


class InvoiceSerializer(serializers.ModelSerializer):
    order = serializers.UUIDField(source="order.number", read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "order",
            "status",
            "title_kind",
            "title",
            "tax_number",
            "email",
            "amount",
            "currency",
            "invoice_number",
            "issued_at",
            "reversal_flagged_at",
            "reversed_at",
            "cancelled_at",
            "pdf_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_pdf_url(self, invoice: Invoice) -> str | None:
        if invoice.status != Invoice.Status.ISSUED:
            return None
        return reverse("api:invoice-pdf", args=[invoice.order.number])


class InvoiceRequestSerializer(serializers.Serializer):
    title_kind = serializers.ChoiceField(choices=Invoice.TitleKind.choices)
    title = serializers.CharField(max_length=150)
    tax_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField()


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    serializer = InvoiceRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


REQUEST_CONFLICT = OpenApiResponse(
    ApiErrorSerializer,
    description="`invoice_exists`, `invoice_issued`, `order_refunded`, `order_not_paid`",
)


class OrderInvoiceView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: InvoiceSerializer})
    def get(self, request, number: str):
        invoice = order_invoice(invoice_order_get(user=request.user, number=number))
        if invoice is None:
            raise InvoiceNotFound()
        return Response(InvoiceSerializer(invoice).data)

    @extend_schema(
        request=InvoiceRequestSerializer, responses={201: InvoiceSerializer, 409: REQUEST_CONFLICT}
    )
    def post(self, request, number: str):
        """One invoice per paid order: a second request answers 409 ``invoice_exists``;
        a refunded order 409 ``order_refunded``; a bad code 400 ``invalid_tax_number``."""
        invoice = invoice_request(user=request.user, order_number=number, **_body(request))
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=InvoiceRequestSerializer, responses={200: InvoiceSerializer, 409: REQUEST_CONFLICT}
    )
    def patch(self, request, number: str):
        """Correct the request; an issued invoice answers 409 ``invoice_issued``."""
        invoice = invoice_update(user=request.user, order_number=number, **_body(request))
        return Response(InvoiceSerializer(invoice).data)


PDF_RESPONSE = {(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}


class OrderInvoicePdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PDF_RESPONSE)
    def get(self, request, number: str):
        invoice = order_invoice(invoice_order_get(user=request.user, number=number))
        if invoice is None or invoice.status != Invoice.Status.ISSUED:
            raise InvoiceNotFound()
        return FileResponse(
            invoice.pdf.open("rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"invoice-{str(invoice.order.number)[:8]}.pdf",
        )


class OrderReceiptPdfView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            **PDF_RESPONSE,
            409: OpenApiResponse(ApiErrorSerializer, description="`receipt_not_available`"),
        }
    )
    def get(self, request, number: str):
        """The receipt of a paid (or since refunded) order; 409 ``receipt_not_available``
        for an order that was never paid."""
        order = order_get(user=request.user, number=number)
        response = HttpResponse(receipt_pdf(order=order), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="receipt-{str(order.number)[:8]}.pdf"'
        return response
