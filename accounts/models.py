from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.timezones import validate_time_zone


class User(AbstractUser):
    """The project's user from the first migration, so it can grow without a swap."""

    # Unread messages of the in-site inbox, kept by the notifications app with F() updates in
    # the transactions that deliver or read them: the header shows it from the row every
    # request loads anyway, at no extra query.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["id"]


class LearnerProfile(TimeStampedModel):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    # True once the learner picked a language in their profile: only then does signing in
    # switch the site to it; otherwise the language of the page they signed in on is kept.
    language_chosen = models.BooleanField(_("language chosen by the learner"), default=False)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    preferred_currency = models.CharField(
        _("currency"), max_length=3, choices=[(c, c) for c in settings.CURRENCIES], blank=True
    )
    # Category slugs; a list keeps the floor rule (accounts imports nothing of ours).
    interests = models.JSONField(_("interests"), default=list, blank=True)
    marketing_consent = models.BooleanField(_("marketing e-mails"), default=False)
    # IANA name; empty: the zone the browser reports (the ``zq_tz`` cookie), else UTC.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    marketing_consent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("learner profile")
        verbose_name_plural = _("learner profiles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(marketing_consent=True, marketing_consent_at__isnull=True),
                name="profile_consent_has_timestamp",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.username} ({self.preferred_language})"


class PhoneNumber(TimeStampedModel):
    """A learner's verified mobile number (E.164), for signing in with a text-message code.
    One number belongs to one account."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="phone_number")
    number = models.CharField(_("phone number"), max_length=20, unique=True)
    verified_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self) -> str:
        return f"{self.number} ({self.user_id})"


class PhoneCode(TimeStampedModel):
    """A one-time code sent by text message. Only its keyed hash is stored (HMAC with the
    site's secret: a database dump does not give the six digits away, and they cannot be
    brute-forced offline without the key). It expires, allows a few attempts, works once,
    and a newer code for the same number and purpose replaces it."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", "sign in"
        LINK = "link", "link to an account"

    number = models.CharField(max_length=20, db_index=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    # For ``link``: the signed-in account asking; a code sent for one account links no other.
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    replaced = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["number", "purpose", "-created_at"], name="phone_code_latest")]

    def __str__(self) -> str:
        return f"{self.number} {self.purpose}"
