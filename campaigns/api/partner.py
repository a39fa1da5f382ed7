"""Partner API: campaigns and their codes (their metrics: ``analytics.api.partner``). Every
object is scoped to the key's partner (lead or co-partner); another partner's campaign
answers 404. Only the lead partner changes a campaign, and only while it is a draft."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import ApplicationError, NotFound, PermissionDenied
from core.timezones import INVALID_ZONE_MESSAGE, zone_is_valid
from courses.models import Course
from partners.api.auth import PartnerApiMixin
from partners.models import ApiKey, Partner

from .. import selectors, services
from ..models import Campaign

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
TRANSLATED = ("name", "headline", "body", "call_to_action")
MAX_API_CODES = 1000

ERRORS = {
    400: OpenApiResponse(
        description='`{"code", "detail"}`: invalid input (`invalid`, `campaign_incomplete`...).'
    ),
    401: OpenApiResponse(description="Missing, invalid or revoked API key."),
    403: OpenApiResponse(description="The key lacks the scope, or the partner is not the campaign's lead."),
    404: OpenApiResponse(description="No such campaign for this partner."),
    409: OpenApiResponse(description="`campaign_not_editable`: only drafts can be changed."),
}


def _suffix(code: str) -> str:
    return code.replace("-", "_")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {"type": "object", "additionalProperties": {"type": "string"}, "example": {"en": "…", "es": "…"}},
        ]
    }
)
class TranslatedTextField(serializers.Field):
    """A text in several languages: ``"Spring offer"`` (English) or
    ``{"en": "Spring offer", "es": "Oferta de primavera"}``."""

    default_error_messages = {"invalid": _("Give a text, or an object of language code to text.")}

    def __init__(self, *, max_length: int, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> dict[str, str]:
        if isinstance(data, str):
            data = {"en": data}
        if not isinstance(data, dict) or not all(isinstance(v, str | type(None)) for v in data.values()):
            self.fail("invalid")
        unknown = set(data) - set(LANGUAGE_CODES)
        if unknown:
            raise serializers.ValidationError(_("Unknown language: %(lang)s") % {"lang": sorted(unknown)[0]})
        if any(len(v or "") > self.max_length for v in data.values()):
            raise serializers.ValidationError(_("At most %(n)s characters.") % {"n": self.max_length})
        return {lang: (value or "").strip() for lang, value in data.items()}

    def to_representation(self, value):
        return value


class CoPartnerSerializer(serializers.Serializer):
    partner = serializers.SlugField()
    revenue_share = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1)


class VariantInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    headline = TranslatedTextField(max_length=200, required=False)
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    weight = serializers.IntegerField(min_value=1, max_value=100, required=False)


class CampaignWriteSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=80, required=False)
    name = TranslatedTextField(max_length=160, required=False)
    headline = TranslatedTextField(max_length=200, required=False)
    body = TranslatedTextField(max_length=5000, required=False)
    call_to_action = TranslatedTextField(max_length=80, required=False)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    discount_type = serializers.ChoiceField(choices=Campaign.DiscountType.choices, required=False)
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    fixed_amounts = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0), required=False
    )
    budget_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    budget_currency = serializers.ChoiceField(choices=settings.CURRENCIES, required=False)
    attribution_window_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    target_languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CODES), required=False, max_length=10
    )
    target_countries = serializers.ListField(
        child=serializers.RegexField(r"^[A-Za-z]{2}$"), required=False, max_length=250
    )
    holdout_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=Decimal("0.5"), required=False
    )
    reporting_time_zone = serializers.CharField(
        max_length=64,
        required=False,
        help_text="IANA name (`Asia/Shanghai`); metric days are local days there. "
        "Default: the zone of the first target country.",
    )
    courses = serializers.ListField(child=serializers.SlugField(), required=False, max_length=50)
    revenue_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False
    )
    co_partners = CoPartnerSerializer(many=True, required=False, max_length=10)
    variants = VariantInSerializer(many=True, required=False, max_length=services.MAX_VARIANTS)

    def validate_reporting_time_zone(self, value: str) -> str:
        if not zone_is_valid(value):
            raise serializers.ValidationError(INVALID_ZONE_MESSAGE)
        return value

    def validate_courses(self, slugs: list[str]) -> list[int]:
        slugs = list(dict.fromkeys(slugs))
        ids = dict(Course.objects.filter(slug__in=slugs, is_published=True).values_list("slug", "pk"))
        missing = [slug for slug in slugs if slug not in ids]
        if missing:
            raise serializers.ValidationError(_("Unknown course: %(slug)s") % {"slug": missing[0]})
        return [ids[slug] for slug in slugs]

    def validate_co_partners(self, rows: list[dict]) -> dict[int, object]:
        slugs = [row["partner"] for row in rows]
        ids = dict(
            Partner.objects.filter(slug__in=slugs, status=Partner.Status.ACTIVE).values_list("slug", "pk")
        )
        missing = [slug for slug in slugs if slug not in ids]
        if missing:
            raise serializers.ValidationError(_("Unknown partner: %(slug)s") % {"slug": missing[0]})
        return {ids[row["partner"]]: row["revenue_share"] for row in rows}

    def service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        fields: dict = {}
        for name in TRANSLATED:
            for lang, value in (data.pop(name, None) or {}).items():
                fields[f"{name}_{_suffix(lang)}"] = value
        for name in services.PLAIN_FIELDS:
            if name in data:
                fields[name] = data.pop(name)
        variants = data.pop("variants", None)
        if variants is not None:
            variants = [
                {
                    "name": v["name"],
                    "discount_percent": v.get("discount_percent"),
                    "weight": v.get("weight", 1),
                    **{f"headline_{_suffix(lang)}": text for lang, text in (v.get("headline") or {}).items()},
                }
                for v in variants
            ]
        return {
            "fields": fields,
            "course_ids": data.pop("courses", None),
            "fixed_amounts": data.pop("fixed_amounts", None),
            "lead_share": data.pop("revenue_share", None),
            "co_partners": data.pop("co_partners", None),
            "variants": variants,
        }


def _translations(obj, name: str) -> dict[str, str]:
    return {code: getattr(obj, f"{name}_{_suffix(code)}") or "" for code in LANGUAGE_CODES}


class CampaignSerializer(serializers.Serializer):
    """A campaign as the partner sees it; ``name``/``headline``/``body``/``call_to_action``
    are in the request's language, ``translations`` has every language."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    rejection_reason = serializers.CharField()
    lead_partner = serializers.CharField(source="partner.slug")
    courses = serializers.SerializerMethodField()
    partners = serializers.SerializerMethodField()
    headline = serializers.CharField()
    body = serializers.CharField()
    call_to_action = serializers.CharField()
    translations = serializers.SerializerMethodField()
    # A draft may have no dates and no budget yet.
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    discount_type = serializers.CharField()
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    fixed_amounts = serializers.SerializerMethodField()
    budget_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    budget_currency = serializers.CharField()
    attribution_window_days = serializers.IntegerField()
    target_languages = serializers.ListField(child=serializers.CharField())
    target_countries = serializers.ListField(child=serializers.CharField())
    holdout_share = serializers.DecimalField(max_digits=5, decimal_places=4)
    reporting_time_zone = serializers.CharField(help_text="Metric days are local days in this IANA zone.")
    variants = serializers.SerializerMethodField()
    offers = serializers.SerializerMethodField(
        help_text="What the campaign takes off each course for a visitor of each variant "
        "(`variant` null: visitors without one), per currency: the price the landing page shows "
        "and the cart charges with any of the campaign's codes."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_courses(self, obj: Campaign) -> list[str]:
        return [cc.course.slug for cc in obj.campaign_courses.all()]

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_partners(self, obj: Campaign) -> list[dict]:
        return [
            {
                "partner": cp.partner.slug,
                "revenue_share": f"{cp.revenue_share}",
                "lead": cp.partner_id == obj.partner_id,
            }
            for cp in obj.campaign_partners.all()
        ]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_translations(self, obj: Campaign) -> dict:
        return {name: _translations(obj, name) for name in TRANSLATED}

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_fixed_amounts(self, obj: Campaign) -> dict[str, str]:
        return {row.currency: f"{row.amount}" for row in obj.fixed_discounts.all()}

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_variants(self, obj: Campaign) -> list[dict]:
        return [
            {
                "id": v.pk,
                "name": v.name,
                "headline": _translations(v, "headline"),
                "discount_percent": None if v.discount_percent is None else f"{v.discount_percent}",
                "weight": v.weight,
            }
            for v in obj.variants.all()
        ]

    @extend_schema_field(
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "variant": {"type": "integer", "nullable": True},
                    "currency": {"type": "string"},
                    "percent": {"type": "string", "nullable": True},
                    "amount_off": {"type": "string", "nullable": True},
                },
            },
        }
    )
    def get_offers(self, obj: Campaign) -> list[dict]:
        return [
            {
                "variant": offer.variant_id,
                "currency": offer.currency,
                "percent": None if offer.percent is None else f"{offer.percent}",
                "amount_off": None if offer.amount is None else f"{offer.amount}",
            }
            for offer in services.campaign_offers(campaign=obj)
        ]


class CodesRequestSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=MAX_API_CODES)
    max_redemptions = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    per_customer_limit = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    max_redemptions = serializers.IntegerField()
    per_customer_limit = serializers.IntegerField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null: the code never expires.")


class CodesResponseSerializer(serializers.Serializer):
    batch_id = serializers.UUIDField()
    codes = CodeSerializer(many=True)


def _campaign_or_404(request, pk: int) -> Campaign:
    campaign = selectors.campaign_get_for_partner(partner=request.partner, pk=pk)
    if campaign is None:
        raise NotFound(_("No such campaign."))
    return campaign


def _lead_only(request, campaign: Campaign) -> None:
    if campaign.partner_id != request.partner.pk:
        raise PermissionDenied(_("Only the lead partner can change this campaign."), code="lead_partner_only")


def _reload(campaign_id: int) -> Campaign:
    return selectors.campaign_get(pk=campaign_id)


class CampaignListView(PartnerApiMixin, generics.GenericAPIView):
    required_scopes = {"POST": ApiKey.Scope.MANAGE_CAMPAIGNS}
    serializer_class = CampaignSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Campaign.objects.none()
        return selectors.campaign_list_for_partner(partner=self.request.partner)

    @extend_schema(
        tags=["partner: campaigns"],
        summary="List campaigns",
        description="Campaigns your partner leads or takes part in, newest first.",
        responses={200: CampaignSerializer(many=True), 401: ERRORS[401]},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CampaignSerializer(page, many=True).data)

    @extend_schema(
        tags=["partner: campaigns"],
        summary="Create a draft campaign",
        description="Texts take a string (English) or `{lang: text}`; `courses` is a list of course slugs.",
        request=CampaignWriteSerializer,
        responses={201: CampaignSerializer, **{k: ERRORS[k] for k in (400, 401, 403)}},
    )
    def post(self, request):
        serializer = CampaignWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kwargs = serializer.service_kwargs()
        campaign = services.campaign_create(
            partner=request.partner, slug=serializer.validated_data.get("slug", ""), **kwargs
        )
        return Response(CampaignSerializer(_reload(campaign.pk)).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(PartnerApiMixin, APIView):
    required_scopes = {"PATCH": ApiKey.Scope.MANAGE_CAMPAIGNS}
    serializer_class = CampaignSerializer

    @extend_schema(
        tags=["partner: campaigns"],
        summary="One campaign",
        responses={200: CampaignSerializer, 404: ERRORS[404]},
    )
    def get(self, request, pk: int):
        return Response(CampaignSerializer(_campaign_or_404(request, pk)).data)

    @extend_schema(
        tags=["partner: campaigns"],
        summary="Change a draft",
        description="Only drafts can be changed (409 `campaign_not_editable` otherwise); lists replace.",
        request=CampaignWriteSerializer,
        responses={200: CampaignSerializer, **ERRORS},
    )
    def patch(self, request, pk: int):
        campaign = _campaign_or_404(request, pk)
        _lead_only(request, campaign)
        serializer = CampaignWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "slug" in serializer.validated_data:
            raise ApplicationError(_("The slug cannot change."), code="invalid")
        services.campaign_update(campaign=campaign, **serializer.service_kwargs())
        return Response(CampaignSerializer(_reload(campaign.pk)).data)


class CampaignSubmitView(PartnerApiMixin, APIView):
    required_scope = ApiKey.Scope.MANAGE_CAMPAIGNS

    @extend_schema(
        tags=["partner: campaigns"],
        summary="Submit a draft for review",
        request=None,
        responses={200: CampaignSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        campaign = _campaign_or_404(request, pk)
        _lead_only(request, campaign)
        services.campaign_submit(campaign=campaign)
        return Response(CampaignSerializer(_reload(campaign.pk)).data)


class CampaignCodesView(PartnerApiMixin, APIView):
    required_scope = ApiKey.Scope.MANAGE_CAMPAIGNS

    @extend_schema(
        tags=["partner: campaigns"],
        summary="Generate discount codes",
        description="A batch of unguessable codes; this answer is the only place listing them in bulk.",
        request=CodesRequestSerializer,
        responses={201: CodesResponseSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        campaign = _campaign_or_404(request, pk)
        _lead_only(request, campaign)
        serializer = CodesRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        codes = services.discount_codes_generate(
            campaign=campaign,
            count=data["count"],
            max_redemptions=data["max_redemptions"],
            per_customer_limit=data["per_customer_limit"],
            expires_at=data.get("expires_at"),
        )
        body = {"batch_id": codes[0].batch_id, "codes": CodeSerializer(codes, many=True).data}
        return Response(CodesResponseSerializer(body).data, status=status.HTTP_201_CREATED)
