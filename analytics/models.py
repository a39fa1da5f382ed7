"""The nightly metric rows: one campaign's day per variant and language, its markets, and each
partner's audience overlap. Written only by ``analytics.metrics`` and ``analytics.overlap``.

These models moved here from ``campaigns``; their tables keep their old names
(``campaigns_*``) so the move copied no data (see migration 0001)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class CampaignDailyMetric(models.Model):
    """One campaign's day, per variant (empty: all variants together) and language (empty:
    all languages). Filled by the nightly ``compute_campaign_metrics`` job; amounts are in
    ``currency`` (the campaign's budget currency)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="daily_metrics")
    variant = models.ForeignKey(
        "campaigns.Variant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()
    language = models.CharField(max_length=10, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    unique_visitors = models.PositiveIntegerField(default=0)
    landing_views = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    signups = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    refunds = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    discount_cost = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    spend = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    holdout_visitors = models.PositiveIntegerField(default=0)
    holdout_orders = models.PositiveIntegerField(default=0)
    # --- Analytics columns (analytics/metrics.py fills them; see its docstring) ---
    clicks_email = models.PositiveIntegerField(default=0)
    clicks_social = models.PositiveIntegerField(default=0)
    clicks_sms = models.PositiveIntegerField(default=0)
    clicks_partner_app = models.PositiveIntegerField(default=0)
    clicks_offline_qr = models.PositiveIntegerField(default=0)
    clicks_other = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)
    new_customers = models.PositiveIntegerField(default=0)
    returning_customers = models.PositiveIntegerField(default=0)
    net_revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    partner_shares = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    reviews = models.PositiveIntegerField(default=0)
    positive_reviews = models.PositiveIntegerField(default=0)
    enrollments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps the name it had under campaigns (moved without copying data).
        db_table = "campaigns_campaigndailymetric"
        ordering = ["campaign_id", "date", "id"]
        verbose_name = _("daily campaign metric")
        verbose_name_plural = _("daily campaign metrics")
        indexes = [models.Index(fields=["campaign", "date"], name="campaigns_c_campaig_69d3a6_idx")]
        constraints = [
            # Empty variant/language mean "all": NULLs must collide like values do.
            models.UniqueConstraint(
                F("campaign"),
                Coalesce(F("variant"), Value(0)),
                F("date"),
                Coalesce(F("language"), Value("")),
                name="daily_metric_unique_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.date} {self.variant_id or '*'} {self.language or '*'}"


class CampaignMarketMetric(models.Model):
    """One campaign's day in one market (language and country, all variants together):
    the "international satisfaction" rows. Filled by the nightly job beside the daily rows."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="market_metrics"
    )
    date = models.DateField()
    language = models.CharField(max_length=10)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES, default="USD")
    unique_visitors = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    net_revenue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    reviews = models.PositiveIntegerField(default=0)
    positive_reviews = models.PositiveIntegerField(default=0)
    enrollments = models.PositiveIntegerField(default=0)
    completions = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps the name it had under campaigns (moved without copying data).
        db_table = "campaigns_campaignmarketmetric"
        ordering = ["campaign_id", "date", "language", "country"]
        verbose_name = _("campaign market metric")
        verbose_name_plural = _("campaign market metrics")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "date", "language", "country"], name="market_metric_unique_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.date} {self.language}-{self.country}"


class AudienceOverlap(models.Model):
    """How many of a partner's pushed customers are also our learners, matched on hashed
    ids only (see analytics/overlap.py), one row per partner and day."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    pushed_customers = models.PositiveIntegerField(default=0)
    linked_learners = models.PositiveIntegerField(default=0)
    overlap = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table keeps the name it had under campaigns (moved without copying data).
        db_table = "campaigns_audienceoverlap"
        ordering = ["partner_id", "date"]
        verbose_name = _("audience overlap")
        verbose_name_plural = _("audience overlaps")
        constraints = [
            models.UniqueConstraint(fields=["partner", "date"], name="audience_overlap_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.date}: {self.overlap}"
