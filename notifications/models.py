"""The messages we send to people (e-mail and the in-site inbox) and what they chose to
receive."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Kind(models.TextChoices):
    RECEIPT = "receipt", _("Receipts")
    REFUND = "refund", _("Refunds")
    LIVE_REMINDER = "live_reminder", _("Live class reminders")
    CERTIFICATE = "certificate", _("Certificates")
    CAMPAIGN_REVIEWED = "campaign_reviewed", _("Campaign reviews")
    BUDGET_ALERT = "budget_alert", _("Budget alerts")
    QUESTION_ASKED = "question_asked", _("New questions on my lessons")
    SENTIMENT_ALERT = "sentiment_alert", _("Negative review alerts")
    MEMBERSHIP = "membership", _("Membership payments")


# Mail about money the person moved always goes; the rest can be turned off.
TRANSACTIONAL = frozenset({Kind.RECEIPT, Kind.REFUND, Kind.MEMBERSHIP})


class Notification(TimeStampedModel):
    """One message to one person. ``key`` names the event (``receipt:<order>``,
    ``live:<session>:24h``...): the unique pair (user, key) is what makes every sender
    idempotent, a rerun or a concurrent sender inserts nothing. The text is rendered once,
    in the recipient's language, when the message is delivered."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=10, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_event")]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(delivered_at__isnull=False),
                name="notification_inbox",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id} ({self.key})"


class NotificationPreference(TimeStampedModel):
    """E-mail for one kind turned on or off; no row means on. The inbox always gets it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        ordering = ["user_id", "kind"]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email}"
