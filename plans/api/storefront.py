"""Storefront API of the plans app: bundles and membership plans on sale."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..exceptions import ProductNotAvailable
from ..models import Plan
from ..selectors import product_get, products_for_sale


class PriceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)

    def to_representation(self, instance):
        currency, amount = instance
        return super().to_representation({"currency": currency, "amount": amount})


class ProductSerializer(serializers.Serializer):
    slug = serializers.CharField()
    kind = serializers.ChoiceField(choices=["bundle", "membership", "subscription"])
    title = serializers.CharField()
    description = serializers.CharField()
    interval = serializers.ChoiceField(
        choices=["", "month", "year"], help_text="The billing period of a plan; empty for a bundle."
    )
    prices = PriceSerializer(many=True)
    courses = serializers.SerializerMethodField()

    def get_courses(self, product) -> list[str]:
        return [course.slug for course in product.courses]


class ProductListView(generics.ListAPIView):
    """Membership plans and bundles on sale (``kind``: ``subscription`` renews every
    ``interval``, ``membership`` is one period, ``bundle`` is bought once). Buy one with
    ``POST checkout/`` and an item ``{"plan": "<slug>"}`` or ``{"bundle": "<slug>"}``."""

    permission_classes = [AllowAny]
    serializer_class = ProductSerializer
    # For the schema generator, which calls get_queryset() without a request.
    queryset = Plan.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return products_for_sale()


class ProductDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: ProductSerializer})
    def get(self, request, slug: str):
        product = product_get(kind="plan", slug=slug) or product_get(kind="bundle", slug=slug)
        if product is None:
            raise ProductNotAvailable()
        return Response(ProductSerializer(product).data)
