"""The referral program in the storefront API: ``me/referral/`` (join, code, link, poster,
earnings), the commission and withdrawal lists, withdrawal requests, code claims and the
poster PNG."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.schema import ApiErrorSerializer
from core.money import format_money

from .. import selectors, services
from ..exceptions import NotAReferrer
from ..models import Commission, Withdrawal
from ..poster import poster_png
from ..requests import address, device_id

COURSE_PARAM = OpenApiParameter(
    "course", str, OpenApiParameter.QUERY, required=False, description=_("Course slug: its link and poster")
)
PLAN_PARAM = OpenApiParameter(
    "plan",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description=_("Membership plan slug: its link and poster (not together with course)"),
)


def _product_slugs(request) -> tuple[str | None, str | None]:
    """``(course, plan)`` slugs named by the query, at most one of them: both at once is a
    400, checked before any lookup."""
    course_slug, plan_slug = request.query_params.get("course"), request.query_params.get("plan")
    if course_slug and plan_slug:
        raise serializers.ValidationError({"plan": [_("Name a course or a plan, not both.")]})
    return course_slug, plan_slug


def _product(slugs: tuple[str | None, str | None]):
    """The course and plan of the slugs; an unknown one is a 404 (``course_not_found``,
    ``plan_not_found``)."""
    return services.course_for_link(slug=slugs[0]), services.plan_for_link(slug=slugs[1])


def _referrer(request):
    referrer = selectors.referrer_for_user(user=request.user)
    if referrer is None:
        raise NotAReferrer()
    return referrer


class MoneyByCurrency(serializers.DictField):
    child = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class EarningsSerializer(serializers.Serializer):
    pending = MoneyByCurrency(help_text=_("Held until the refund window has passed, per currency"))
    available = MoneyByCurrency(help_text=_("Can be withdrawn, per currency"))
    paid = MoneyByCurrency(help_text=_("Paid out, per currency"))
    requested = MoneyByCurrency(help_text=_("Withdrawals waiting for staff, per currency"))


class ReferralSerializer(serializers.Serializer):
    code = serializers.CharField()
    url = serializers.URLField()
    poster_url = serializers.CharField()
    course = serializers.CharField(allow_null=True)
    plan = serializers.CharField(allow_null=True)
    invited_by = serializers.CharField(allow_null=True)
    earnings = EarningsSerializer()


def _referral_payload(request, referrer, course, plan=None) -> dict:
    earnings = selectors.earnings_for(referrer=referrer)
    return {
        "code": referrer.code,
        "url": selectors.link_url(referrer=referrer, course=course, plan=plan),
        "poster_url": request.build_absolute_uri(selectors.poster_path(course=course, plan=plan)),
        "course": course.slug if course is not None else None,
        "plan": plan.slug if plan is not None else None,
        "invited_by": referrer.parent.code if referrer.parent_id else None,
        "earnings": {
            key: {currency: row[key] for currency, row in earnings.items()}
            for key in ("pending", "available", "paid", "requested")
        },
    }


# The caller has not joined the program (code ``not_a_referrer``), or ``?course=`` names no
# course on sale (``course_not_found``), or ``?plan=`` no plan on sale (``plan_not_found``).
NOT_A_REFERRER = OpenApiResponse(
    ApiErrorSerializer, description="Not a referrer, or no such course or membership plan."
)
BOTH_PRODUCTS = OpenApiResponse(ApiErrorSerializer, description="Both `course` and `plan` were given.")


class MyReferralView(APIView):
    """``GET``: the caller's referral code, link and poster (of ``?course=`` or ``?plan=``
    when given) and earnings; 404 ``not_a_referrer`` before joining. ``POST``: join (again:
    the same code)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[COURSE_PARAM, PLAN_PARAM],
        responses={200: ReferralSerializer, 400: BOTH_PRODUCTS, 404: NOT_A_REFERRER},
    )
    def get(self, request):
        slugs = _product_slugs(request)
        referrer = _referrer(request)
        course, plan = _product(slugs)
        services.device_remember(referrer=referrer, visitor_id=device_id(request))
        return Response(ReferralSerializer(_referral_payload(request, referrer, course, plan)).data)

    @extend_schema(request=None, responses={201: ReferralSerializer, 200: ReferralSerializer})
    def post(self, request):
        _ = request.data  # a form body is refused (415) like everywhere else
        existed = selectors.referrer_for_user(user=request.user) is not None
        referrer = services.referrer_join(user=request.user, visitor_id=device_id(request))
        return Response(
            ReferralSerializer(_referral_payload(request, referrer, None)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class CommissionSerializer(serializers.ModelSerializer):
    # A commission is on a course line or on a plan line: the other pair is null.
    course = serializers.CharField(source="order_line.course.slug", allow_null=True)
    course_title = serializers.CharField(source="order_line.course.title", allow_null=True)
    plan = serializers.CharField(source="order_line.plan.slug", allow_null=True)
    plan_title = serializers.CharField(source="order_line.plan.title", allow_null=True)
    order_paid_at = serializers.DateTimeField(source="referral.order.paid_at")
    net = serializers.DecimalField(max_digits=12, decimal_places=2)
    display = serializers.SerializerMethodField()

    class Meta:
        model = Commission
        fields = [
            "id",
            "level",
            "course",
            "course_title",
            "plan",
            "plan_title",
            "order_paid_at",
            "currency",
            "rate",
            "amount",
            "reversed_amount",
            "net",
            "display",
            "status",
            "flag",
            "hold_until",
            "released_at",
        ]

    def get_display(self, commission: Commission) -> str:
        return format_money(commission.net, commission.currency)


class MyCommissionListView(generics.ListAPIView):
    """The caller's commissions, newest first (``status``: pending, available, reversed,
    flagged; ``level`` 1 direct, 2 indirect)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = CommissionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Commission.objects.none()
        return selectors.commissions_for(referrer=_referrer(self.request))


class WithdrawalSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    statement_url = serializers.SerializerMethodField()

    class Meta:
        model = Withdrawal
        fields = [
            "number",
            "currency",
            "amount",
            "status",
            "reference",
            "created_at",
            "decided_at",
            "statement_url",
        ]
        read_only_fields = ["number", "status", "reference", "created_at", "decided_at"]

    def get_statement_url(self, withdrawal: Withdrawal) -> str | None:
        if withdrawal.status != Withdrawal.Status.PAID:
            return None
        return reverse("referrals:statement", kwargs={"number": withdrawal.number})


class WithdrawalRequestSerializer(serializers.Serializer):
    # One of the site's currencies: a malformed request is a 400 before any balance is read.
    currency = serializers.ChoiceField(choices=[(code, code) for code in settings.CURRENCIES])
    amount = serializers.CharField(
        max_length=20, help_text=_("A positive amount in the currency's minor units")
    )


class MyWithdrawalListView(generics.ListCreateAPIView):
    """``GET``: the caller's withdrawals. ``POST {"currency", "amount"}``: ask for part of
    the available balance (409 ``withdrawal_exceeds_balance`` when it is more)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = WithdrawalSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Withdrawal.objects.none()
        return selectors.withdrawals_for(referrer=_referrer(self.request))

    @extend_schema(request=WithdrawalRequestSerializer, responses={201: WithdrawalSerializer})
    def post(self, request):
        data = WithdrawalRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        withdrawal = services.withdrawal_request(
            referrer=_referrer(request),
            amount=data.validated_data["amount"],
            currency=data.validated_data["currency"].upper(),
        )
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)


class ClaimSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)


class MyReferralClaimView(APIView):
    """``POST {"code"}``: the caller was referred by this code. It beats any referral link
    for purchases inside the attribution window."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ClaimSerializer, responses={201: ClaimSerializer})
    def post(self, request):
        data = ClaimSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.code_claim(
            user=request.user, code=data.validated_data["code"], address=address(request)
        )
        return Response({"code": claim.referrer.code}, status=status.HTTP_201_CREATED)


class MyReferralPosterView(APIView):
    """The share poster as a PNG, in the course's language (``?course=``), or of a
    membership plan (``?plan=``) in the caller's language; without either, a poster of the
    general link."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[COURSE_PARAM, PLAN_PARAM],
        responses={
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description=_("PNG poster")),
            400: BOTH_PRODUCTS,
            404: NOT_A_REFERRER,
        },
    )
    def get(self, request):
        slugs = _product_slugs(request)
        referrer = _referrer(request)
        course, plan = _product(slugs)
        user = request.user
        png = poster_png(
            course=course,
            plan=plan,
            name=user.get_full_name() or user.get_username(),
            code=referrer.code,
            url=selectors.link_url(referrer=referrer, course=course, plan=plan),
            language=course.language if course is not None else request.LANGUAGE_CODE,
        )
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=300"
        return response
