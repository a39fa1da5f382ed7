"""Learner referrals (推广员): referrers, their link visits and codes, the referral of a paid
order, its commissions (at most two levels), withdrawals and payout statements.

Commissions are ledger parties (``referrer:<id>``, see ``commerce.ledger``): a commission's
``amount`` and ``reversed_amount`` are the ledger's own sale and refund entries for that
party and line, so the two agree to the cent. The rows here only add what the ledger does
not know: the hold until the refund window has passed, the level, and fraud flags."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import ClosedRecord, TimeStampedModel, balances_add_up

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]
MONEY = {"max_digits": 12, "decimal_places": 2}
PARTY_PREFIX = "referrer:"


class Referrer(TimeStampedModel):
    """A learner who opted in. ``parent`` is the referrer who brought this learner: the only
    upline ever paid (level 2). Nobody above the parent is looked at, so a chain of any
    length pays two levels at most (Chinese rules on multi-level selling)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referrer")
    code = models.CharField(_("referral code"), max_length=16, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recruits",
        verbose_name=_("invited by"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referrer")
        verbose_name_plural = _("referrers")
        constraints = [models.CheckConstraint(condition=~Q(parent=F("id")), name="referrer_not_own_parent")]

    def __str__(self) -> str:
        return f"{self.code} ({self.user_id})"

    @property
    def party(self) -> str:
        return f"{PARTY_PREFIX}{self.pk}"


class CommissionRate(TimeStampedModel):
    """The commission of a product: a course or a membership plan, exactly one of them
    (one rate per product; rates are read per order line, so a plan line is paid by its
    plan's rate like a course line by its course's)."""

    course = models.OneToOneField(
        "courses.Course",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("course"),
    )
    plan = models.OneToOneField(
        "plans.Plan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("membership plan"),
    )
    direct_rate = models.DecimalField(_("direct commission"), max_digits=5, decimal_places=4)
    indirect_rate = models.DecimalField(_("indirect commission"), max_digits=5, decimal_places=4, default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(course__isnull=False, plan__isnull=True)
                | Q(course__isnull=True, plan__isnull=False),
                name="commission_rate_course_or_plan",
            ),
            models.CheckConstraint(
                condition=Q(
                    direct_rate__gte=0, indirect_rate__gte=0, direct_rate__lte=1, indirect_rate__lte=1
                ),
                name="commission_rate_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        target = f"course {self.course_id}" if self.course_id else f"plan {self.plan_id}"
        return f"{target}: {self.direct_rate} / {self.indirect_rate}"


class Device(TimeStampedModel):
    """A visitor id (the ``zq_vid`` cookie) seen with a signed-in referrer: an order from
    it is the referrer buying through their own link."""

    referrer = models.ForeignKey(Referrer, on_delete=models.CASCADE, related_name="devices")
    visitor_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["referrer", "visitor_id"], name="referral_device_unique")
        ]
        indexes = [models.Index(fields=["visitor_id"])]


class Visit(TimeStampedModel):
    """A click on a referral link: the "cookie" side of attribution."""

    referrer = models.ForeignKey(Referrer, on_delete=models.CASCADE, related_name="visits")
    course = models.ForeignKey(
        "courses.Course", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan = models.ForeignKey("plans.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visitor_id = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # ``core.client_address.rate_ident`` of the client address, for the burst rule.
    address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["visitor_id", "created_at"]),
            models.Index(fields=["user", "created_at"]),
        ]


class CodeClaim(TimeStampedModel):
    """A learner typed a referrer's code: the "code" side of attribution, which beats the
    cookie inside the attribution window."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    referrer = models.ForeignKey(Referrer, on_delete=models.CASCADE, related_name="claims")
    address = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"])]


class Referral(TimeStampedModel):
    """The decision for one paid order: who referred it, why, and what looked wrong."""

    class Reason(models.TextChoices):
        # The same words as campaign attribution (campaigns.models.OrderAttribution.Reason).
        CODE = "code", _("referral code")
        LAST_TOUCH = "last_touch", _("referral link")

    class Flag(models.TextChoices):
        SELF_PURCHASE = "self_purchase", _("bought through own link")
        SAME_DEVICE = "same_device", _("same device as the referrer")
        SAME_PAYMENT = "same_payment", _("same payment as the referrer")
        BURST = "burst", _("burst of orders from one address")

    order = models.OneToOneField("commerce.Order", on_delete=models.PROTECT, related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, related_name="referrals")
    upline = models.ForeignKey(Referrer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claim = models.ForeignKey(CodeClaim, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.CharField(max_length=64, blank=True)
    flags = models.JSONField(default=list, blank=True)
    is_flagged = models.BooleanField(_("flagged"), default=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["referrer", "address", "created_at"])]

    def __str__(self) -> str:
        return f"{self.referrer_id} -> {self.order_id}"


class Commission(TimeStampedModel):
    class Status(models.TextChoices):
        # "pending" alone is an order's state in the catalogues; a commission's waits for
        # the refund window, which reads differently in Chinese and Japanese.
        PENDING = "pending", pgettext_lazy("commission", "pending")
        AVAILABLE = "available", _("available")
        REVERSED = "reversed", _("reversed")
        # Not written to the ledger and never paid; kept for staff to see.
        FLAGGED = "flagged", _("flagged")

    class Level(models.IntegerChoices):
        DIRECT = 1, _("direct")
        INDIRECT = 2, _("indirect")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="commissions")
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, related_name="commissions")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    order_line = models.ForeignKey("commerce.OrderLine", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(_("rate"), max_digits=5, decimal_places=4)
    amount = models.DecimalField(_("amount"), **MONEY)
    reversed_amount = models.DecimalField(_("reversed by refunds"), default=0, **MONEY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, db_index=True)
    flag = models.CharField(_("flag"), max_length=20, choices=Referral.Flag.choices, blank=True)
    hold_until = models.DateTimeField(_("held until"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        indexes = [
            models.Index(fields=["referrer", "status", "currency"]),
            models.Index(fields=["status", "hold_until"], name="commission_due_release"),
        ]
        constraints = [
            # Direct and one indirect level, never a third (multi-level selling rules).
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="commission_two_levels_at_most"),
            models.UniqueConstraint(fields=["order_line", "level"], name="commission_one_per_line_level"),
            models.CheckConstraint(
                condition=Q(amount__gte=0, reversed_amount__gte=0, reversed_amount__lte=F("amount")),
                name="commission_reversal_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} L{self.level} {self.amount} {self.currency} ({self.status})"

    @property
    def net(self):
        return self.amount - self.reversed_amount


class Withdrawal(TimeStampedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        PAID = "paid", _("paid")
        REJECTED = "rejected", _("rejected")

    number = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, related_name="withdrawals")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    reference = models.CharField(_("bank transfer reference"), max_length=120, blank=True)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_amount_positive")]

    def __str__(self) -> str:
        return f"{self.referrer_id} {self.amount} {self.currency} ({self.status})"


class PayoutStatement(ClosedRecord):
    """Written once when staff pay a withdrawal, from the ledger like partner statements
    (``payouts``): since the previous statement of this referrer and currency, what was
    earned, what refunds reversed, what this payout took, and the closing balance."""

    withdrawal = models.OneToOneField(Withdrawal, on_delete=models.PROTECT, related_name="statement")
    referrer = models.ForeignKey(Referrer, on_delete=models.PROTECT, related_name="statements")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("to"))
    opening_balance = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    earned = models.DecimalField(_("earned"), max_digits=14, decimal_places=2)
    reversed = models.DecimalField(_("reversed by refunds"), max_digits=14, decimal_places=2)
    paid_out = models.DecimalField(_("paid out"), max_digits=14, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("payout statement")
        verbose_name_plural = _("payout statements")
        constraints = [
            balances_add_up("referral_statement_balances_add_up"),
            models.CheckConstraint(
                condition=Q(earned__gte=0, reversed__lte=0, paid_out__gt=0), name="referral_statement_signs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} {self.period_end:%Y-%m-%d} {self.currency}"
