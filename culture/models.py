"""Cultural themes mined from the catalog's texts, staff decisions on the proposed tags,
review sentiment learned from the reviews and the alerts its spikes raise."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Theme(TimeStampedModel):
    """A cultural theme ("tea", "calligraphy", "feng shui"): one phrase per language, aligned
    through the courses that carry them. ``name`` is translated (modeltranslation);
    ``phrases`` keeps what was mined per language, ``rank`` its PageRank in the graph."""

    slug = models.SlugField(unique=True, max_length=120)
    name = models.CharField(_("name"), max_length=120)
    phrases = models.JSONField(default=dict, blank=True)
    rank = models.FloatField(_("rank"), default=0)

    class Meta:
        ordering = ["-rank", "slug"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name or self.slug


class ThemeProposal(TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="theme_proposals")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="proposals")
    score = models.FloatField(_("score"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course_id", "-score", "id"]
        verbose_name = _("theme proposal")
        verbose_name_plural = _("theme proposals")
        constraints = [models.UniqueConstraint(fields=["course", "theme"], name="theme_proposal_once")]
        indexes = [models.Index(fields=["theme", "status"], name="theme_proposal_by_theme")]

    def __str__(self) -> str:
        return f"{self.course_id} · {self.theme_id} ({self.status})"


class ReviewSentiment(models.Model):
    """The model's reading of one review's text; rewritten by every nightly run."""

    class Label(models.TextChoices):
        POSITIVE = "positive", _("positive")
        NEGATIVE = "negative", _("negative")

    review = models.OneToOneField(
        "courses.Review", on_delete=models.CASCADE, primary_key=True, related_name="sentiment"
    )
    label = models.CharField(max_length=8, choices=Label.choices)
    positive_probability = models.FloatField()
    scored_at = models.DateTimeField()

    class Meta:
        ordering = ["review_id"]
        verbose_name = _("review sentiment")
        verbose_name_plural = _("review sentiments")

    def __str__(self) -> str:
        return f"{self.review_id}: {self.label}"


class SentimentModelRun(TimeStampedModel):
    """One nightly training: its held-out metrics (overall and per language)."""

    n_train = models.PositiveIntegerField(default=0)
    n_test = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sentiment model run")
        verbose_name_plural = _("sentiment model runs")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.n_train}/{self.n_test})"


class SentimentAlert(TimeStampedModel):
    """A course whose share of negative reviews over the recent window rose well above its
    own baseline. One per course and spike: the nightly job skips courses alerted within
    the window, and (course, day) is unique, so reruns raise nothing twice."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="sentiment_alerts")
    day = models.DateField(_("day"))
    recent_reviews = models.PositiveIntegerField(_("recent reviews"))
    recent_negative = models.PositiveIntegerField(_("recent negative reviews"))
    recent_share = models.FloatField(_("recent negative share"))
    baseline_share = models.FloatField(_("baseline negative share"))
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("sentiment alert")
        verbose_name_plural = _("sentiment alerts")
        constraints = [models.UniqueConstraint(fields=["course", "day"], name="sentiment_alert_once_a_day")]

    def __str__(self) -> str:
        return f"{self.course_id} {self.day}"
