"""Storefront API of commerce: checkout, the learner's orders, payment webhooks."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.client_address import client_ip

from ..discounts import cart_code_forget, cart_code_get
from ..exceptions import CurrencyNotAvailable
from ..models import Order, OrderLine, Subscription
from ..payment_methods import is_mobile, is_wechat_browser, methods_for
from ..payments import get_provider
from ..payments.registry import PROVIDER_CLASSES
from ..selectors import order_get, order_list, subscription_list
from ..services import order_checkout, order_checkout_redirect, payment_webhook_process
from ..services.checkout import MAX_ITEMS
from ..services.renewal_modes import subscription_renewable_now
from ..services.subscriptions import subscription_cancel, subscription_resume
from ..wechat_payer import payer_openid

VISITOR_COOKIE = "zq_vid"


class OrderLineSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    course_title = serializers.CharField(source="course.title", read_only=True, default=None, allow_null=True)
    bundle = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    title = serializers.CharField(read_only=True)
    live_session_starts_at = serializers.DateTimeField(
        source="live_session.starts_at", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "course",
            "course_title",
            "bundle",
            "plan",
            "title",
            "live_session",
            "live_session_starts_at",
            "currency",
            "unit_price",
            "discount",
            "total",
            "amount_refunded",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "currency",
            "subtotal",
            "discount",
            "total",
            "amount_refunded",
            "discount_code",
            "created_at",
            "paid_at",
            "lines",
        ]
        read_only_fields = fields


class CheckoutItemSerializer(serializers.Serializer):
    """One of ``course`` (with ``live_session`` for a live class), ``bundle`` or ``plan``."""

    course = serializers.CharField(max_length=120, required=False)
    bundle = serializers.SlugField(max_length=80, required=False)
    plan = serializers.SlugField(max_length=80, required=False)
    live_session = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)

    def validate(self, attrs):
        if sum(bool(attrs.get(kind)) for kind in ("course", "bundle", "plan")) != 1:
            raise serializers.ValidationError(_("Each item names one course, bundle or membership plan."))
        return attrs


CHANNELS = ["native", "h5", "jsapi", "page", "wap"]


class CheckoutPaymentSerializer(serializers.Serializer):
    provider = serializers.CharField(required=False, allow_blank=True, max_length=20)
    token = serializers.CharField(required=False, allow_blank=True, max_length=255)
    channel = serializers.ChoiceField(
        choices=CHANNELS,
        required=False,
        allow_blank=True,
        help_text=(
            "WeChat Pay: native (a QR code to scan), h5 (phone browsers) or jsapi (inside WeChat, "
            "for a learner signed in with WeChat; h5 without a WeChat sign-in); Alipay: page or wap. "
            "Default: by the request's User-Agent (see GET payments/methods/)."
        ),
    )


class PaymentActionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["qr", "redirect", "jsapi"],
        help_text=(
            "qr: show `url` as a QR code to scan; redirect: open `url`; jsapi: inside WeChat, call "
            "WeixinJSBridge.invoke('getBrandWCPayRequest', params) (`url` is empty)."
        ),
    )
    url = serializers.CharField(allow_blank=True)
    params = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="jsapi only: appId, timeStamp, nonceStr, package, signType (RSA) and paySign.",
    )


class CheckoutResponseSerializer(serializers.Serializer):
    order = OrderSerializer()
    payment_action = PaymentActionSerializer(
        allow_null=True,
        help_text=(
            "For WeChat Pay and Alipay: what the client does to pay. The order stays pending "
            "until the provider's notification (or the reconciler) confirms the payment."
        ),
    )


class PaymentMethodSerializer(serializers.Serializer):
    provider = serializers.CharField()
    channel = serializers.CharField(help_text="Empty for card providers.")
    kind = serializers.ChoiceField(choices=["card", "qr", "redirect", "jsapi"])
    label = serializers.CharField(help_text="The method's name in the request's language.")


class CheckoutSerializer(serializers.Serializer):
    items = CheckoutItemSerializer(many=True, required=False, allow_null=True, max_length=MAX_ITEMS)
    currency = serializers.CharField(max_length=3)
    discount_code = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    payment = CheckoutPaymentSerializer(required=False, default=dict)

    def validate_items(self, items):
        # A nested serializer lets a bare ``null`` through as an item.
        if items is not None and any(not isinstance(item, dict) for item in items):
            raise serializers.ValidationError(_("Each item names one course, bundle or membership plan."))
        return items


class CheckoutView(APIView):
    """Turn ``items`` (or the learner's cart when absent) into an order and pay it.

    Send an ``Idempotency-Key`` header: a retry with the same key and body returns the
    same order (header ``Idempotent-Replayed: true``) and never charges twice."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CheckoutSerializer,
        responses={201: CheckoutResponseSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        serializer = CheckoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = data.get("items")
        discount_code = data.get("discount_code", "")
        # Campaigns integration: a checkout of the session's cart that names no code uses the
        # one kept with the cart (the landing page's "buy now" form).
        code_from_cart = items is None and "discount_code" not in request.data
        if code_from_cart:
            discount_code = cart_code_get(session=getattr(request, "session", None))
        payment = dict(data.get("payment") or {})
        items = None if items is None else [dict(item) for item in items]
        provider = get_provider(payment.get("provider") or None)
        action = None
        if provider.redirect_only:
            # WeChat Pay and Alipay take no token: the learner pays on their side.
            channel = payment.get("channel") or provider.channels.get(
                "mobile" if is_mobile(request.headers.get("User-Agent", "")) else "desktop", ""
            )
            # JSAPI pays as the learner's WeChat openid (from the WeChat sign-in).
            payer = payer_openid(user=request.user) if channel == "jsapi" else ""
            result = order_checkout_redirect(
                user=request.user,
                items=items,
                currency=data["currency"],
                discount_code=discount_code,
                idempotency_key=request.headers.get("Idempotency-Key"),
                visitor_id=request.COOKIES.get(VISITOR_COOKIE, ""),
                return_urls=_return_urls(request),
                provider_name=provider.name,
                channel=channel,
                client_ip=client_ip(request),
                payer=payer,
            )
            action = {"kind": result.kind, "url": result.url} if result.url else None
            if result.params:
                action = {"kind": result.kind, "url": "", "params": result.params}
            created = result.created
        else:
            checkout = order_checkout(
                user=request.user,
                items=items,
                currency=data["currency"],
                discount_code=discount_code,
                payment=payment,
                idempotency_key=request.headers.get("Idempotency-Key"),
                visitor_id=request.COOKIES.get(VISITOR_COOKIE, ""),
            )
            result, created = checkout, checkout.created
        if code_from_cart:
            cart_code_forget(session=getattr(request, "session", None))
        order = order_get(user=request.user, number=result.order.number)
        response = Response(
            {"order": OrderSerializer(order).data, "payment_action": action}, status=status.HTTP_201_CREATED
        )
        if not created:
            response["Idempotent-Replayed"] = "true"
        return response


def _return_urls(request):
    """Where the provider sends the learner back: the order's page in the request's language."""

    def urls(number: str) -> tuple[str, str]:
        page = request.build_absolute_uri(reverse("commerce:order_detail", args=[number]))
        return f"{page}?paid=1", f"{page}?cancelled=1"

    return urls


class PaymentMethodsView(APIView):
    """The payment methods offered for ``currency`` on the caller's device (by
    ``User-Agent``, or ``device=mobile|desktop``): the enabled providers that take the
    currency, each with its channel (WeChat Pay Native QR on desktops, H5 on phones, JSAPI
    inside WeChat for a learner signed in with WeChat;
    Alipay page or wap pay). Send ``payment.provider`` and ``payment.channel`` to checkout."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: PaymentMethodSerializer(many=True)},
        parameters=[
            OpenApiParameter("currency", str, required=True, enum=list(settings.CURRENCIES)),
            OpenApiParameter("device", str, required=False, enum=["desktop", "mobile"]),
        ],
    )
    def get(self, request):
        currency = (request.query_params.get("currency") or "").upper()
        if currency not in settings.CURRENCIES:
            raise CurrencyNotAvailable()
        device = request.query_params.get("device") or ""
        if device not in ("", "desktop", "mobile"):
            raise serializers.ValidationError({"device": [_("Choose desktop or mobile.")]})
        agent = {"mobile": "Mobile", "desktop": "Desktop"}.get(device) or request.headers.get(
            "User-Agent", ""
        )
        # Inside WeChat, a learner signed in with WeChat is offered JSAPI pay.
        openid = payer_openid(user=request.user) if is_wechat_browser(agent) else ""
        methods = methods_for(currency=currency, user_agent=agent, wechat_openid=openid)
        return Response(
            PaymentMethodSerializer([{**m, "label": str(m["label"])} for m in methods], many=True).data
        )


class OrderListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    # For the schema generator, which calls get_queryset() without a user.
    queryset = Order.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return order_list(user=self.request.user)


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OrderSerializer})
    def get(self, request, number: str):
        return Response(OrderSerializer(order_get(user=request.user, number=number)).data)


class SubscriptionSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    plan_title = serializers.CharField(source="plan.title", read_only=True)
    interval = serializers.CharField(source="plan.interval", read_only=True)
    # The app shows "Renew now" (a checkout of the plan) when this is true.
    renewable_now = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = [
            "id",
            "plan",
            "plan_title",
            "interval",
            "status",
            "renewal",
            "renewable_now",
            "currency",
            "amount",
            "current_period_start",
            "current_period_end",
            "cancel_at_period_end",
            "next_retry_at",
            "grace_until",
            "ended_at",
        ]
        read_only_fields = fields

    def get_renewable_now(self, subscription: Subscription) -> bool:
        return subscription_renewable_now(subscription=subscription)


class SubscriptionListView(generics.ListAPIView):
    """The learner's memberships, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = SubscriptionSerializer
    queryset = Subscription.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return subscription_list(user=self.request.user)


class SubscriptionCancelView(APIView):
    """Cancel at the end of the paid period (an overdue membership ends now); the same
    call again changes nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: SubscriptionSerializer})
    def post(self, request, pk: int):
        subscription = subscription_cancel(user=request.user, subscription_id=pk)
        return Response(SubscriptionSerializer(subscription).data)


class SubscriptionResumeView(APIView):
    """Undo a cancellation before the period ends."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: SubscriptionSerializer})
    def post(self, request, pk: int):
        subscription = subscription_resume(user=request.user, subscription_id=pk)
        return Response(SubscriptionSerializer(subscription).data)


class PaymentWebhookView(APIView):
    """Provider callbacks: no session or token, the signature is the authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={200: None})
    def post(self, request, provider: str):
        if provider not in PROVIDER_CLASSES:
            return Response({"code": "not_found", "detail": str(_("Unknown payment provider."))}, status=404)
        result = payment_webhook_process(provider_name=provider, body=request.body, headers=request.headers)
        if result.ack is not None:
            # Alipay wants the plain text "success", or it delivers the notification again.
            content_type, text = result.ack
            return HttpResponse(text, content_type=content_type)
        return Response({"received": True, "duplicate": result.duplicate, "outcome": result.outcome})
