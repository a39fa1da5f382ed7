"""Questions and answers on lessons (互动问答): enrolled learners ask, learners, the
instructor and staff answer, the asker or the instructor marks the best answer, everyone
who may take part upvotes answers once, and reports go to staff in the admin."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from courses.models import Course, Lesson

TITLE_MAX = 200
BODY_MAX = 5000


class Question(TimeStampedModel):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="questions")
    # Kept beside the lesson so access checks and the instructor's inbox need no joins.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="questions")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("question"), blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    is_hidden = models.BooleanField(_("hidden"), default=False, db_index=True)
    best_answer = models.ForeignKey(
        "Answer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("best answer"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["lesson", "-created_at"], name="question_lesson_recent")]

    def __str__(self) -> str:
        return self.title


class Answer(TimeStampedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answers")
    body = models.TextField(_("answer"))
    is_hidden = models.BooleanField(_("hidden"), default=False, db_index=True)
    # Kept equal to the number of upvote rows by the services (F() updates in the same
    # transaction as the insert or delete of the row).
    upvote_count = models.PositiveIntegerField(_("upvotes"), default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return self.body[:60]


class AnswerUpvote(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="upvotes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["answer", "user"], name="answer_upvote_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} ▲ {self.answer_id}"


class Report(TimeStampedModel):
    class Reason(models.TextChoices):
        SPAM = "spam", _("spam or advertising")
        OFFENSIVE = "offensive", _("rude or offensive")
        OFF_TOPIC = "off_topic", _("not about this lesson")
        WRONG = "wrong", _("wrong or misleading")
        OTHER = "other", _("something else")

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, answer__isnull=True)
                | Q(question__isnull=True, answer__isnull=False),
                name="report_names_one_item",
            ),
            models.UniqueConstraint(
                fields=["reporter", "question"],
                condition=Q(question__isnull=False),
                name="report_question_once",
            ),
            models.UniqueConstraint(
                fields=["reporter", "answer"], condition=Q(answer__isnull=False), name="report_answer_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} #{self.pk}"
