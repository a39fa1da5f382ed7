"""What partners earn and are paid: monthly statements closed from the revenue-share
ledger, and the payouts staff record.

A statement is a closed month of one partner in one currency: opening balance, what the
partner earned (ledger ``sale`` entries), what refunds reversed (``refund`` entries,
negative), what was paid out, and the closing balance, which opens the next month. It is
written once by ``payouts.services.statements_close_due`` and never changed: a late
correction lands in the month it is made, as in a bank statement."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# ClosedRecord lives in core: referral payout statements are closed the same way.
from core.models import ClosedRecord, TimeStampedModel, balances_add_up

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class PartnerPayout(TimeStampedModel):
    """Money sent to a partner (a bank transfer), recorded by staff."""

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="payouts")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("bank transfer reference"), max_length=120)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("partner payout")
        verbose_name_plural = _("partner payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            # One transfer is recorded once, even when two staff members enter it.
            models.UniqueConstraint(fields=["partner", "reference"], name="payout_unique_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.amount} {self.currency} ({self.reference})"


class PartnerStatement(ClosedRecord):
    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="statements")
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    opening_balance = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    earned = models.DecimalField(_("earned"), max_digits=14, decimal_places=2)
    reversed = models.DecimalField(_("reversed by refunds"), max_digits=14, decimal_places=2)
    paid_out = models.DecimalField(_("paid out"), max_digits=14, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2)
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "currency"]
        verbose_name = _("partner statement")
        verbose_name_plural = _("partner statements")
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "currency", "period_start"], name="statement_one_per_partner_month"
            ),
            balances_add_up("statement_balances_add_up"),
            models.CheckConstraint(
                condition=Q(earned__gte=0, reversed__lte=0, paid_out__gte=0), name="statement_signs"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.period_start:%Y-%m} {self.currency}"


class StatementLine(ClosedRecord):
    """One campaign's part of a statement (``campaign`` empty: orders without one)."""

    statement = models.ForeignKey(PartnerStatement, on_delete=models.PROTECT, related_name="lines")
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The campaign's name when the month closed: a statement reads the same forever.
    campaign_name = models.CharField(_("campaign"), max_length=200, blank=True)
    earned = models.DecimalField(_("earned"), max_digits=14, decimal_places=2)
    reversed = models.DecimalField(_("reversed by refunds"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["statement_id", "campaign_name", "id"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [
            models.UniqueConstraint(fields=["statement", "campaign"], name="statement_line_one_per_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.campaign_name or '-'}"
