"""Model versions of the recommender and what each active version serves: the top-N list
per learner, similar courses per course, popular courses per category (cold start) and
learner segments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class ModelVersion(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        RETIRED = "retired", _("retired")
        REJECTED = "rejected", _("not activated")
        FAILED = "failed", _("failed")
        # Lists being written under a lease; a run whose worker died leaves its lease to
        # expire, and the next run of the same key takes the version over.
        WRITING = "writing", _("writing")

    algorithm = models.CharField(_("algorithm"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    is_active = models.BooleanField(_("active"), default=False)
    # Why a version was not activated (empty data, worse than the active version...).
    note = models.TextField(_("note"), blank=True)
    n_users = models.PositiveIntegerField(_("learners"), default=0)
    n_items = models.PositiveIntegerField(_("courses"), default=0)
    n_interactions = models.PositiveIntegerField(_("interactions"), default=0)
    duration_seconds = models.FloatField(_("duration (seconds)"), default=0)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    # The nightly task passes the day, so a rerun of the same night trains nothing new.
    run_key = models.CharField(max_length=40, blank=True, default="")
    activated_at = models.DateTimeField(null=True, blank=True)
    # When the interactions were read: enrollments after it are unknown to the model, so
    # "for you" serves the similar courses of those purchases at once (see selectors).
    data_until = models.DateTimeField(null=True, blank=True)
    # Who writes this version's lists (one attempt of a run) and until when; renewed as
    # batches are written.
    lease_token = models.CharField(max_length=32, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("recommender version")
        verbose_name_plural = _("recommender versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="recommender_one_active_version"
            ),
            models.UniqueConstraint(
                fields=["run_key"], condition=~Q(run_key=""), name="recommender_unique_run_key"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.algorithm} ({self.status})"

    @property
    def ndcg(self) -> float | None:
        value = (self.metrics or {}).get("ndcg@10")
        return float(value) if value is not None else None


class Recommendation(models.Model):
    """One course of a learner's stored top-N list, with the reason to show."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="recommendations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reason_code = models.CharField(max_length=30)
    # Titles/names per language, so the reason renders in any language without a query.
    reason_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["model_version_id", "user_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "user", "rank"], name="recommendation_unique_rank"
            )
        ]
        indexes = [models.Index(fields=["user", "model_version", "rank"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.course_id} #{self.rank}"


class CustomerRecommendation(models.Model):
    """One course of a pushed partner customer's stored list. Customers have no history with
    us, so the list comes from their declared interests (cold start), written nightly."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="customer_recommendations"
    )
    customer = models.ForeignKey("partners.PartnerCustomer", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reason_code = models.CharField(max_length=30)
    reason_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["model_version_id", "customer_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "customer", "rank"], name="customer_recommendation_unique_rank"
            )
        ]
        indexes = [models.Index(fields=["customer", "model_version", "rank"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.course_id} #{self.rank}"


class SimilarCourse(models.Model):
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="similar_courses")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    similar = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reason_code = models.CharField(max_length=30)
    reason_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["model_version_id", "course_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "course", "rank"], name="similar_course_unique_rank"
            )
        ]
        indexes = [models.Index(fields=["course", "model_version", "rank"])]

    def __str__(self) -> str:
        return f"{self.course_id} ~ {self.similar_id} #{self.rank}"


class PopularCourse(models.Model):
    """Popularity per top category: cold-start lists are assembled from these at request
    time from a learner's declared interests."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="popular_courses")
    category = models.ForeignKey("courses.Category", on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        ordering = ["model_version_id", "category_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_version", "category", "rank"], name="popular_course_unique_rank"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.course_id} #{self.rank}"


class Segment(models.Model):
    """A cluster of learners with similar portraits (category affinity)."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="segments")
    number = models.PositiveSmallIntegerField()
    size = models.PositiveIntegerField(_("learners"), default=0)
    # Top-category slug -> share of the segment's affinity, strongest first.
    profile = models.JSONField(_("portrait"), default=dict, blank=True)
    dominant_level = models.CharField(max_length=20, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["model_version_id", "number"]
        verbose_name = _("learner segment")
        verbose_name_plural = _("learner segments")
        constraints = [
            models.UniqueConstraint(fields=["model_version", "number"], name="segment_unique_number")
        ]

    def __str__(self) -> str:
        return self.description or f"#{self.number}"


class SegmentMembership(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["segment_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["segment", "user"], name="segment_membership_unique")]
        indexes = [models.Index(fields=["user", "segment"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.segment_id}"


class SegmentCourse(models.Model):
    """The courses most popular within a segment: the list a new member gets at once."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="courses")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()

    class Meta:
        ordering = ["segment_id", "rank"]
        constraints = [models.UniqueConstraint(fields=["segment", "rank"], name="segment_course_unique_rank")]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.course_id} #{self.rank}"
