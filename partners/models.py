"""Partner brands, their members, API keys, pushed customers and learners' consents."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.images import RasterImageField
from core.models import TimeStampedModel

# Brand colours are written into CSS on co-branded pages: only "#rrggbb" may get there.
hex_color = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb."), code="invalid_color")


class Partner(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused")
        ARCHIVED = "archived", _("archived")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(unique=True, max_length=60)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    industry = models.CharField(_("industry"), max_length=60)
    logo = RasterImageField(_("logo"), upload_to="partners/", blank=True)
    # Brand colours become CSS variables on co-branded pages.
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#1f4e79", validators=[hex_color]
    )
    secondary_color = models.CharField(
        _("secondary colour"), max_length=7, default="#f2c14e", validators=[hex_color]
    )
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Per-partner secret that re-hashes the pseudonymous customer ids partners push, so a
    # leaked table cannot be joined with another partner's or with raw contact data.
    customer_id_secret = models.CharField(max_length=64, editable=False, blank=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name or self.slug


class PartnerMember(TimeStampedModel):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        ANALYST = "analyst", _("analyst")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.OWNER)

    class Meta:
        ordering = ["partner_id", "id"]
        verbose_name = _("partner admin")
        verbose_name_plural = _("partner admins")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.partner_id} ({self.role})"


class ApiKey(TimeStampedModel):
    class Scope(models.TextChoices):
        READ_METRICS = "metrics:read", _("read metrics")
        MANAGE_CAMPAIGNS = "campaigns:write", _("manage campaigns")
        PUSH_CUSTOMERS = "customers:write", _("push customers")
        READ_STATEMENTS = "statements:read", _("read statements and balances")
        MANAGE_WEBHOOKS = "webhooks:write", _("manage webhooks")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=80)
    # The first characters of the key, shown so a partner can tell keys apart.
    prefix = models.CharField(max_length=16, unique=True)
    # SHA-256 of the whole key: keys are long random strings, so a fast hash is safe and
    # lets authentication find the row by an indexed lookup.
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partner_id", "-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.partner_id})"


class PartnerCustomer(TimeStampedModel):
    """A partner's own customer, pushed with consent. ``external_hash`` is the partner's
    pseudonymous id hashed again with the partner's secret; no contact data is stored."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="customers")
    external_hash = models.CharField(max_length=64)
    interests = models.JSONField(default=list, blank=True)
    country = models.CharField(max_length=2, blank=True)
    language = models.CharField(max_length=10, blank=True)
    consent_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["partner_id", "id"]
        verbose_name = _("partner customer")
        verbose_name_plural = _("partner customers")
        constraints = [
            models.UniqueConstraint(fields=["partner", "external_hash"], name="partner_customer_unique")
        ]


class ConsentText(TimeStampedModel):
    """A versioned data-sharing consent text (translated). Learners agree to one version."""

    version = models.PositiveIntegerField(unique=True)
    body = models.TextField(_("consent text"))
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("data-sharing consent text")
        verbose_name_plural = _("data-sharing consent texts")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_consent_text"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class PartnerConsent(TimeStampedModel):
    """A learner's data-sharing consent with one partner. Withdrawal keeps the row for the
    audit trail and hides the learner from the partner everywhere but in aggregates."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_consents"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="consents")
    consent_text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    language = models.CharField(max_length=10, default="en")
    granted_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "id"]
        verbose_name = _("data-sharing consent")
        verbose_name_plural = _("data-sharing consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partner"], condition=Q(withdrawn_at__isnull=True), name="one_active_consent"
            )
        ]


class PartnerApplication(TimeStampedModel):
    """A brand asking to become a partner through the public form; staff approve or
    reject it in the admin. Approval creates the partner and invites the contact as owner."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    company = models.CharField(_("company"), max_length=120)
    industry = models.CharField(_("industry"), max_length=60)
    website = models.URLField(_("website"), blank=True)
    country = models.CharField(_("country"), max_length=2)
    contact_name = models.CharField(_("contact name"), max_length=120)
    contact_email = models.EmailField(_("contact e-mail"))
    message = models.TextField(_("what you want to do with us"), max_length=2000)
    # The page's language: the invitation is written in it.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        constraints = [
            # A double submit (or a second tab) cannot queue the same request twice.
            models.UniqueConstraint(
                fields=["contact_email"],
                condition=models.Q(status="pending"),
                name="partner_application_one_pending_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.status})"


class PartnerInvitation(TimeStampedModel):
    """An invitation to act for a partner, sent by e-mail with a one-time link. Only the
    SHA-256 of the token is stored; the link works until it is used, revoked or expires."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=10, choices=PartnerMember.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the e-mail with the link is handed to the mail server (the token is made then).
    sent_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("partner invitation")
        verbose_name_plural = _("partner invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.partner_id} ({self.role})"


class WebhookEndpoint(TimeStampedModel):
    """A partner's URL that receives events, signed with its own secret (HMAC-SHA256)."""

    class Event(models.TextChoices):
        ATTRIBUTION_CREATED = "attribution.created", _("an order was attributed to a campaign")
        CODE_REDEEMED = "code.redeemed", _("a discount code was redeemed")
        ORDER_REFUNDED = "order.refunded", _("an attributed order was refunded")
        ENROLLMENT_COMPLETED = "enrollment.completed", _("a learner completed an attributed course")
        CAMPAIGN_STATUS_CHANGED = "campaign.status_changed", _("a campaign's status changed")
        METRICS_DAILY_READY = "metrics.daily_ready", _("a day's campaign metrics are ready")
        CUSTOMER_CONSENT_WITHDRAWN = "customer.consent_withdrawn", _("a customer withdrew consent")
        PING = "ping", _("a test event")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Failed attempts in a row (any delivery); a success resets it. Too many disable the endpoint.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["partner_id", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.url}"


class WebhookDelivery(TimeStampedModel):
    """One event for one endpoint, with its attempts. ``event_id`` stays the same on every
    attempt and redelivery, so the receiver can drop duplicates."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    # Retries stop a day after the event (the receiver can still ask for a redelivery).
    give_up_at = models.DateTimeField()
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once")]
        indexes = [models.Index(fields=["endpoint", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.endpoint_id} ({self.status})"
