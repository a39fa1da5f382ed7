"""Co-branded campaigns: their partners and courses, variants and holdout, budget and spend,
discount codes and redemptions, tracking links, touches, attribution of paid orders. The
nightly metric rows live in ``analytics``.

Orders live in ``commerce`` (a floor above), so an order is referenced here by its number
and id, never by a foreign key."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, index_where_set
from core.timezones import DEFAULT_ZONE, validate_time_zone

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class Campaign(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        RUNNING = "running", _("running")
        ENDED = "ended", _("ended")

    class DiscountType(models.TextChoices):
        PERCENT = "percent", _("percentage")
        FIXED = "fixed", _("fixed amount")

    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="led_campaigns",
        verbose_name=_("lead partner"),
    )
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=160)
    headline = models.CharField(_("headline"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    call_to_action = models.CharField(_("call to action"), max_length=80, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    discount_type = models.CharField(
        _("discount type"), max_length=10, choices=DiscountType.choices, default=DiscountType.PERCENT
    )
    # Percent off, 10.00 = 10 %.
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("10.00")
    )
    budget_amount = models.DecimalField(_("budget"), max_digits=12, decimal_places=2, null=True, blank=True)
    budget_currency = models.CharField(
        _("budget currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD"
    )
    attribution_window_days = models.PositiveIntegerField(_("attribution window (days)"), default=30)
    # Bundles and membership plans the campaign's offer (and its codes) discount, like its
    # courses; and a plan its partners' pushed customers may claim for free (alliances).
    bundles = models.ManyToManyField(
        "plans.Bundle", blank=True, related_name="campaigns", verbose_name=_("bundles")
    )
    plans = models.ManyToManyField(
        "plans.Plan", blank=True, related_name="campaigns", verbose_name=_("membership plans")
    )
    granted_plan = models.ForeignKey(
        "plans.Plan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("membership plan given to partner customers"),
    )
    target_languages = models.JSONField(_("target languages"), default=list, blank=True)
    target_countries = models.JSONField(_("target countries"), default=list, blank=True)
    # Metric days are local days here (IANA name); the default comes from the target market.
    reporting_time_zone = models.CharField(
        _("reporting time zone"),
        max_length=64,
        default=DEFAULT_ZONE,
        validators=[validate_time_zone],
        help_text=_("Metric days run from midnight to midnight in this time zone, e.g. Asia/Shanghai."),
    )
    # The audience (campaigns/audience.py): learner segments of the recommender, named by
    # their number in the model version recorded beside them (segments are re-clustered every
    # night; the recommender carries these numbers over to the new version), and the lead
    # partner's pushed customers, all of them or those listed in CampaignAudienceCustomer.
    audience_segments = models.JSONField(_("learner segments"), default=list, blank=True)
    audience_segments_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    audience_all_customers = models.BooleanField(
        _("all our pushed customers"),
        default=False,
        help_text=_("Every customer the partner pushed with data-sharing consent."),
    )
    # Share of visitors kept without the offer (0.1000 = 10 %) so lift can be measured.
    holdout_share = models.DecimalField(
        _("control group share"), max_digits=5, decimal_places=4, default=Decimal("0")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("co-branded campaign")
        verbose_name_plural = _("co-branded campaigns")
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="campaign_percent_0_100"
            ),
            models.CheckConstraint(
                condition=Q(holdout_share__gte=0, holdout_share__lt=1), name="campaign_holdout_0_1"
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0),
                name="campaign_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(attribution_window_days__gte=1), name="campaign_window_positive"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.slug


class CampaignAudienceCustomer(TimeStampedModel):
    """One pushed customer of the lead partner listed in the campaign's audience. A customer
    who withdraws consent stays listed (the audit trail) but is left out everywhere."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="audience_customers")
    customer = models.ForeignKey("partners.PartnerCustomer", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["campaign_id", "id"]
        verbose_name = _("audience customer")
        verbose_name_plural = _("audience customers")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="campaign_audience_customer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.customer_id}"


class CampaignFixedDiscount(TimeStampedModel):
    """The amount off per course in one currency, for ``discount_type = fixed``."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="fixed_discounts")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["campaign_id", "currency"]
        verbose_name = _("fixed discount")
        verbose_name_plural = _("fixed discounts")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "currency"], name="campaign_fixed_unique_currency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="campaign_fixed_positive"),
        ]


class CampaignPartner(TimeStampedModel):
    """A party of the campaign (the lead partner too) and its part of attributed revenue."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="campaign_partners")
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="campaign_parts")
    revenue_share = models.DecimalField(
        _("revenue share"), max_digits=5, decimal_places=4, default=Decimal("0.1000")
    )

    class Meta:
        ordering = ["campaign_id", "id"]
        verbose_name = _("campaign partner")
        verbose_name_plural = _("campaign partners")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "partner"], name="campaign_partner_unique"),
            models.CheckConstraint(
                condition=Q(revenue_share__gte=0, revenue_share__lte=1), name="campaign_partner_share_0_1"
            ),
        ]


class CampaignCourse(TimeStampedModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="campaign_courses")
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="campaign_parts")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign_id", "position", "id"]
        verbose_name = _("campaign course")
        verbose_name_plural = _("campaign courses")
        constraints = [models.UniqueConstraint(fields=["campaign", "course"], name="campaign_course_unique")]


class Variant(TimeStampedModel):
    """A version of the landing page: its own headline and, optionally, discount depth."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(_("name"), max_length=60)
    headline = models.CharField(_("headline"), max_length=200, blank=True)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    weight = models.PositiveIntegerField(_("traffic weight"), default=1)

    class Meta:
        ordering = ["campaign_id", "id"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="variant_unique_name"),
            models.CheckConstraint(
                condition=Q(discount_percent__isnull=True)
                | Q(discount_percent__gte=0, discount_percent__lte=100),
                name="variant_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SpendEntry(TimeStampedModel):
    """Money a partner spent on the campaign, in the campaign's budget currency."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend_entries")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    date = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["campaign_id", "date", "id"]
        verbose_name = _("spend entry")
        verbose_name_plural = _("spend entries")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="spend_positive")]


class DiscountCode(TimeStampedModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("code"), max_length=40, unique=True)
    max_redemptions = models.PositiveIntegerField(_("maximum redemptions"), default=1)
    redemptions_count = models.PositiveIntegerField(_("redemptions"), default=0)
    per_customer_limit = models.PositiveIntegerField(_("limit per learner"), default=1)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # Codes generated together share a batch id, so a batch can be downloaded as one CSV.
    batch_id = models.UUIDField(null=True, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["campaign_id", "id"]
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        constraints = [
            models.CheckConstraint(
                condition=Q(redemptions_count__lte=F("max_redemptions")), name="code_redemptions_within_max"
            ),
            models.CheckConstraint(condition=Q(max_redemptions__gte=1), name="code_max_positive"),
            models.CheckConstraint(condition=Q(per_customer_limit__gte=1), name="code_per_customer_positive"),
        ]

    def __str__(self) -> str:
        return self.code


class CodeRedemption(TimeStampedModel):
    class Status(models.TextChoices):
        RESERVED = "reserved", _("reserved")
        CONFIRMED = "confirmed", _("confirmed")
        RELEASED = "released", _("released")

    # Indexed by (code, user, status), whose first column it is.
    code = models.ForeignKey(
        DiscountCode, on_delete=models.PROTECT, related_name="redemptions", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="code_redemptions",
    )
    order_ref = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RESERVED)

    class Meta:
        ordering = ["code_id", "id"]
        verbose_name = _("code redemption")
        verbose_name_plural = _("code redemptions")
        indexes = [models.Index(fields=["code", "user", "status"])]
        # A constraint, not ``unique=True``: on PostgreSQL that adds a LIKE index too,
        # which no query uses and every coded sale writes (README, issue 9).
        constraints = [models.UniqueConstraint(fields=["order_ref"], name="coderedemption_order_ref_unique")]


class TrackingLink(TimeStampedModel):
    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SOCIAL = "social", _("social media")
        SMS = "sms", _("SMS")
        PARTNER_APP = "partner_app", _("partner app")
        OFFLINE_QR = "offline_qr", _("offline QR code")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    token = models.CharField(max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    utm_source = models.CharField(max_length=80, blank=True)
    utm_medium = models.CharField(max_length=80, blank=True)
    utm_campaign = models.CharField(max_length=80, blank=True)
    utm_content = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["campaign_id", "id"]
        verbose_name = _("tracking link")
        verbose_name_plural = _("tracking links")

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.channel}/{self.token}"


class Touch(models.Model):
    """A recorded visit, click or landing-page view. Append-only and high-volume, so it has
    no ``updated_at``."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("visit")
        CLICK = "click", _("click")
        LANDING_VIEW = "landing_view", _("landing-page view")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="touches")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    link = models.ForeignKey(
        TrackingLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    visitor_id = models.CharField(max_length=36, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    channel = models.CharField(max_length=12, blank=True)
    language = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, blank=True)
    utm_source = models.CharField(max_length=80, blank=True)
    utm_medium = models.CharField(max_length=80, blank=True)
    utm_campaign = models.CharField(max_length=80, blank=True)
    utm_content = models.CharField(max_length=80, blank=True)
    is_holdout = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("touch")
        verbose_name_plural = _("touches")
        indexes = [
            # The nightly metrics group one campaign's day by kind, variant and language.
            models.Index(fields=["campaign", "created_at", "kind"]),
            # Attribution looks up a visitor's or a learner's latest touch.
            models.Index(fields=["visitor_id", "-created_at"]),
            models.Index(fields=["user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.campaign_id} {self.created_at:%Y-%m-%d %H:%M}"


class VisitorAssignment(TimeStampedModel):
    """Which variant (or the control group) a visitor sees, kept so it never changes."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    visitor_id = models.CharField(max_length=36)
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_holdout = models.BooleanField(default=False)

    class Meta:
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "visitor_id"], name="assignment_unique_visitor")
        ]


class OrderAttribution(TimeStampedModel):
    class Reason(models.TextChoices):
        CODE = "code", _("discount code")
        LAST_TOUCH = "last_touch", _("last visit or click")

    order_ref = models.CharField(max_length=64)
    order_id = models.BigIntegerField(db_index=True)
    # Indexed by (campaign, paid_at), whose first column it is.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="attributions", db_index=False
    )
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    touch = models.ForeignKey(
        Touch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    code = models.ForeignKey(DiscountCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A partner member bought with their own partner's campaign: shown, and left out of
    # partner payouts by the ledger's rules.
    is_self_purchase = models.BooleanField(default=False)
    is_holdout = models.BooleanField(default=False)
    paid_at = models.DateTimeField(db_index=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["-paid_at", "-id"]
        verbose_name = _("order attribution")
        verbose_name_plural = _("order attributions")
        indexes = [
            models.Index(fields=["campaign", "paid_at"]),
            # Most orders come through no experiment and many through no touch.
            index_where_set("variant", "attribution_variant_idx"),
            index_where_set("touch", "attribution_touch_idx"),
        ]
        constraints = [
            # Not ``unique=True``, for the reason of CodeRedemption.order_ref.
            models.UniqueConstraint(fields=["order_ref"], name="attribution_order_ref_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="attribution_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("amount")),
                name="attribution_refund_within_amount",
            ),
        ]


class PlanGrant(TimeStampedModel):
    """A partner gave its campaign's plan (``Campaign.granted_plan``) to one of its own
    pushed customers, from the partner portal. A pushed customer is not an account here:
    when the customer's learner account is already known (they claimed a grant of this
    partner before, with their data-sharing consent still active) the entitlement is made
    at once; otherwise the customer claims it with the reference the partner gave them
    (``campaigns.services.grants.campaign_plan_grant``). One grant per campaign and customer."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="plan_grants")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("partners.PartnerCustomer", on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("membership grant")
        verbose_name_plural = _("membership grants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="plan_grant_once_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: customer {self.customer_id}"

    @property
    def entitlement_source(self) -> str:
        # The source the learner's claim writes too (``campaign_plan_grant``).
        return f"campaign:{self.campaign_id}:customer:{self.customer_id}"
