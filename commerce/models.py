"""Carts, orders, payments, refunds, webhook events and the revenue-share ledger.

Amounts are ``Decimal`` with an ISO 4217 code beside them; nothing here is a float.
The database holds what it can: unique idempotency keys per user, unique processed
webhook events per provider, non-negative amounts, refunds never above the total."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, index_where_set

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]
MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0")}


class Cart(TimeStampedModel):
    """A signed-in learner's cart. Anonymous visitors keep theirs in the session; it is
    merged into this one when they sign in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart")

    class Meta:
        ordering = ["id"]
        verbose_name = _("cart")
        verbose_name_plural = _("carts")

    def __str__(self) -> str:
        return f"cart of {self.user_id}"


class CartLine(TimeStampedModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    live_session = models.ForeignKey(
        "courses.LiveSession", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["cart", "course"], name="cart_line_unique_course")]


class Order(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting payment")
        PAID = "paid", _("paid")
        FAILED = "failed", _("payment failed")
        CANCELLED = "cancelled", _("cancelled")
        REFUNDED = "refunded", _("refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("partially refunded")

    # The number leaves the system (URLs, e-mails, the API), so it is a random UUID.
    number = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    subtotal = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    amount_refunded = models.DecimalField(**MONEY)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    discount_code = models.CharField(max_length=64, blank=True)
    # The anonymous visitor cookie (``zq_vid``) at checkout, for campaign attribution.
    visitor_id = models.CharField(max_length=64, blank=True)
    # Set by attribution when the order is paid; an integer, not a foreign key, so
    # commerce stays one floor above campaigns without a schema dependency.
    campaign_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    provider = models.CharField(max_length=20, blank=True)
    payment_reference = models.CharField(max_length=128, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # The saved payment method a plan's renewals are charged with (the sandbox token or a
    # Stripe PaymentMethod id: a reference, never card data); empty for other orders.
    payment_method = models.CharField(max_length=128, blank=True)
    # The plan period this order pays (every attempt of a renewal; the first period's
    # checkout order once it is paid).
    subscription_period = models.ForeignKey(
        "SubscriptionPeriod",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        # Declared here rather than with ``db_index=True``: on PostgreSQL that adds a
        # second, ``varchar_pattern_ops`` index for LIKE 'x%', which no query of these
        # columns makes, and every index is written again at each sale (README, issue 9).
        indexes = [
            models.Index(fields=["status"], name="order_status_idx"),
            models.Index(fields=["payment_reference"], name="order_payment_reference_idx"),
            index_where_set("subscription_period", "order_subscription_period_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0, discount__gte=0, total__gte=0, amount_refunded__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("total")), name="order_refund_within_total"
            ),
        ]

    def __str__(self) -> str:
        return str(self.number)

    @property
    def refundable(self) -> Decimal:
        return self.total - self.amount_refunded


class OrderLine(TimeStampedModel):
    """One thing bought: a course (alone or as part of a bundle, ``bundle`` set) or a
    period of a membership plan (``plan`` set, no course)."""

    class Seat(models.TextChoices):
        NONE = "none", _("no seat")
        HELD = "held", _("seat held")
        TAKEN = "taken", _("seat taken")
        RELEASED = "released", _("seat released")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    live_session = models.ForeignKey(
        "courses.LiveSession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    bundle = models.ForeignKey(
        "plans.Bundle", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    plan = models.ForeignKey(
        "plans.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    unit_price = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    amount_refunded = models.DecimalField(**MONEY)
    seat = models.CharField(max_length=10, choices=Seat.choices, default=Seat.NONE)
    seat_hold_expires_at = models.DateTimeField(null=True, blank=True)
    # Extra revenue-share parties as data: [{"party": "partner:<id>", "share": "0.1000"}].
    # The instructor and the platform are implied; see commerce/ledger.py.
    revenue_split = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["order_id", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        # Most lines sell a course alone: these are empty, and indexed only where set.
        indexes = [
            index_where_set("live_session", "orderline_live_session_idx"),
            index_where_set("bundle", "orderline_bundle_idx"),
            index_where_set("plan", "orderline_plan_idx"),
            index_where_set("seat_hold_expires_at", "orderline_seat_hold_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, discount__gte=0, total__gte=0, amount_refunded__gte=0),
                name="order_line_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("total")), name="order_line_refund_within_total"
            ),
            # A line sells a course or a plan period, never both and never nothing.
            models.CheckConstraint(
                condition=Q(course__isnull=False, plan__isnull=True)
                | Q(course__isnull=True, plan__isnull=False),
                name="order_line_course_or_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.course_id or self.plan_id}"

    @property
    def title(self) -> str:
        """What the line sold, for receipts and order pages (the relations are loaded by
        the caller)."""
        if self.plan_id:
            return str(self.plan.title)
        return str(self.course.title)


class IdempotencyKey(TimeStampedModel):
    """One row per (user, key): concurrent duplicates collide on the unique constraint
    and wait for the first request's transaction, then replay its order."""

    # Indexed by the unique (user, key) constraint, whose first column it is.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_user")]


class Payment(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=128, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_code = models.CharField(max_length=64, blank=True)
    # The provider's fingerprint of the paying card or account (``ChargeResult.payer``).
    payer = models.CharField(max_length=128, blank=True)
    # What the provider knows this charge by: derived from the order, so every retry of
    # the same checkout (and the reconciler) asks about the same charge and never makes
    # a second one.
    idempotency_key = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        # Not ``db_index=True``, which adds an unused LIKE index to each (see Order).
        indexes = [
            models.Index(fields=["reference"], name="payment_reference_idx"),
            models.Index(fields=["payer"], name="payment_payer_idx"),
        ]


class Refund(TimeStampedModel):
    class Status(models.TextChoices):
        # Written before the provider is asked: its amount is reserved, so two refunds
        # never give back more than was paid, even while one waits for the provider.
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUCCEEDED, db_index=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    reason = models.TextField(_("reason"))
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider_reference = models.CharField(max_length=128, blank=True)
    # {"<order line id>": "<amount>"}: how the refund was spread over the lines.
    allocation = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]


class WebhookEvent(TimeStampedModel):
    """Processed provider events: the unique key makes a redelivered event a no-op."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=64)
    reference = models.CharField(max_length=128, blank=True)
    outcome = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique_provider_id")
        ]


class LedgerEntry(TimeStampedModel):
    """One party's part of one paid order line (``sale``, positive) or of one refund
    (``refund``, negative). The entries of a line sum exactly to what it netted."""

    class Kind(models.TextChoices):
        SALE = "sale", _("sale")
        REFUND = "refund", _("refund")
        # A plan period's revenue moved from the platform to the instructors whose lessons
        # the learner completed in the period (entries of one settlement sum to zero).
        SETTLEMENT = "settlement", _("settlement")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="ledger_entries")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="ledger_entries")
    refund = models.ForeignKey(
        Refund,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # "platform", "instructor:<id>", "partner:<id>", ...: open-ended by design. Indexed
    # by (party, currency, created_at), whose first column it is.
    party = models.CharField(max_length=64)
    share = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["party", "currency", "created_at"]),
            index_where_set("refund", "ledger_refund_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "party"],
                condition=Q(kind="sale"),
                name="ledger_one_sale_entry_per_party_line",
            ),
            models.UniqueConstraint(
                fields=["order_line", "party"],
                condition=Q(kind="settlement"),
                name="ledger_one_settlement_entry_per_party_line",
            ),
        ]


class SandboxCharge(TimeStampedModel):
    """The sandbox provider's own books: it stands for a remote provider, so it writes
    outside our transactions and answers the same key with the same result, like Stripe's
    idempotency keys. Not used by any other provider."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "charge"
        REFUND = "refund", "refund"

    idempotency_key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    order_number = models.CharField(max_length=64, blank=True, db_index=True)
    reference = models.CharField(max_length=128)
    status = models.CharField(max_length=10)
    failure_code = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)

    class Meta:
        ordering = ["id"]


class Subscription(TimeStampedModel):
    """A learner's membership plan, paid period by period. Renewals, retries and the end
    are decided by ``commerce.services.subscriptions`` under this row's lock."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PAST_DUE = "past_due", _("payment overdue")
        CANCELLED = "cancelled", _("cancelled")
        EXPIRED = "expired", _("ended")

    class Renewal(models.TextChoices):
        AUTOMATIC = "automatic", _("automatic")
        MANUAL = "manual", _("manual")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    provider = models.CharField(max_length=20)
    payment_method = models.CharField(max_length=128, blank=True)
    # The provider's customer the payment method was saved to at the first payment
    # (a Stripe Customer id): renewals are charged off-session to it. Empty for providers
    # that keep no customers (the sandbox).
    provider_customer = models.CharField(max_length=128, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField(db_index=True)
    cancel_at_period_end = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Dunning: failed renewals so far, when to try again, and until when the learner keeps
    # the plan's courses while the payment is overdue.
    retry_count = models.PositiveSmallIntegerField(default=0)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    # How the next period is paid: charged off-session to the saved method (automatic), or
    # by the learner, reminded before the end (manual: WeChat Pay and Alipay have no saved
    # method, nor do Stripe memberships bought before methods were saved). Decided from the
    # provider and what the first payment saved, and again at each renewal the learner pays.
    renewal = models.CharField(
        max_length=10, choices=Renewal.choices, default=Renewal.AUTOMATIC, verbose_name=_("renewal")
    )
    # The period end the renewal reminder was sent for (manual renewal): one per period.
    renewal_reminded_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "plan"],
                condition=Q(status__in=["active", "past_due"]),
                name="subscription_one_live_per_plan",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="subscription_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.plan_id} ({self.status})"

    @property
    def entitlement_source(self) -> str:
        return f"subscription:{self.pk}"


class ProviderCustomer(TimeStampedModel):
    """A learner's customer record at a provider (a Stripe Customer), made once at the
    first payment whose method is saved for renewals and reused for every later one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=128)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="provider_customer_one_per_learner"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.reference}"


class SubscriptionPeriod(TimeStampedModel):
    """One paid (or being paid) period. ``(subscription, number)`` is unique, so however
    many renewals or webhooks race, a period exists once; a failed attempt keeps the row
    and a retry attaches its new order to it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting payment")
        PAID = "paid", _("paid")
        FAILED = "failed", _("payment failed")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The order of the latest attempt (earlier attempts keep pointing here through
    # ``Order.subscription_period``).
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=1)
    # When the period's revenue was shared with the instructors (see ledger_settle_plan_line).
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["subscription_id", "number"]
        verbose_name = _("subscription period")
        verbose_name_plural = _("subscription periods")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "number"], name="subscription_period_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="subscription_period_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} #{self.number}"
