"""Products beyond a single course: bundles (several courses, one price per currency) and
membership plans (a set of courses or categories for a period), and the entitlements that
plans give.

What is sold here is defined here; how it is paid (orders, subscriptions, renewals,
dunning) lives in commerce, one floor up, and campaigns discount these products through
their one pricing rule. An entitlement is the reason an enrollment exists for a plan: the
enrollment ends when the learner's last entitlement to the course ends, unless the
learner bought the course on its own."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class Bundle(TimeStampedModel):
    slug = models.SlugField(unique=True, max_length=80)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    courses = models.ManyToManyField("courses.Course", related_name="bundles", verbose_name=_("courses"))
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("bundle")
        verbose_name_plural = _("bundles")

    def __str__(self) -> str:
        return self.title or self.slug


class BundlePrice(TimeStampedModel):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["bundle_id", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "currency"], name="bundle_price_unique_currency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bundle_price_positive"),
        ]


class Plan(TimeStampedModel):
    """A membership: the courses it names plus every published course of its categories,
    for one period at a time. ``renews`` tells a subscription (renewed automatically until
    cancelled) from a one-off membership of one period."""

    class Interval(models.TextChoices):
        MONTH = "month", _("monthly")
        YEAR = "year", _("yearly")

    slug = models.SlugField(unique=True, max_length=80)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    interval = models.CharField(_("billing period"), max_length=5, choices=Interval.choices)
    renews = models.BooleanField(_("renews automatically"), default=True)
    courses = models.ManyToManyField(
        "courses.Course", blank=True, related_name="plans", verbose_name=_("courses")
    )
    categories = models.ManyToManyField(
        "courses.Category", blank=True, related_name="plans", verbose_name=_("categories")
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("membership plan")
        verbose_name_plural = _("membership plans")

    def __str__(self) -> str:
        return self.title or self.slug

    @property
    def kind(self) -> str:
        return "subscription" if self.renews else "membership"


class PlanPrice(TimeStampedModel):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["plan_id", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "currency"], name="plan_price_unique_currency"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_price_positive"),
        ]


class Entitlement(TimeStampedModel):
    """A learner's right to a plan's courses from ``starts_at`` until ``ends_at``. ``source``
    names what gave it, once: ``subscription:<id>`` (extended period by period) or
    ``campaign:<id>:customer:<id>`` (an alliance grant); the unique pair makes every grant
    idempotent. ``ended_at`` is set when its enrollments were ended."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entitlements")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="entitlements")
    source = models.CharField(max_length=80)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-ends_at", "id"]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        constraints = [
            models.UniqueConstraint(fields=["user", "source"], name="entitlement_unique_user_source"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="entitlement_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.plan_id} until {self.ends_at:%Y-%m-%d}"
