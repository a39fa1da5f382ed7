"""Writes of questions and answers. Who may take part: staff, the course's instructor and
learners with an active enrollment in the course. Every input is checked before anything
is written; a refused call changes nothing."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from courses.models import Enrollment, Lesson

from .exceptions import (
    AnswerNotFound,
    CannotMarkBest,
    InvalidQuestionInput,
    NotAParticipant,
    OwnAnswerUpvote,
    QuestionNotFound,
)
from .models import BODY_MAX, TITLE_MAX, Answer, AnswerUpvote, Question, Report
from .signals import question_asked


def _is_instructor(user, course) -> bool:
    return course.instructor.user_id is not None and course.instructor.user_id == user.pk


def participant_check(*, user, course) -> None:
    """Raises ``NotAParticipant`` unless ``user`` may read and write the course's Q&A."""
    if not getattr(user, "is_authenticated", False):
        raise NotAParticipant()
    if user.is_staff or _is_instructor(user, course):
        return
    if not Enrollment.objects.filter(user=user, course_id=course.pk, is_active=True).exists():
        raise NotAParticipant()


def has_noncharacters(value: str) -> bool:
    """Unicode noncharacters (U+FDD0..U+FDEF and the last two code points of every plane)
    are never text a person typed: a forged or broken client."""
    return any(0xFDD0 <= ord(c) <= 0xFDEF or (ord(c) & 0xFFFE) == 0xFFFE for c in value)


def _clean_text(value, *, field: str, max_length: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or has_noncharacters(value):
        raise InvalidQuestionInput(_("%(field)s must be text.") % {"field": field})
    value = value.strip()
    if required and not value:
        raise InvalidQuestionInput(_("%(field)s cannot be empty.") % {"field": field})
    if len(value) > max_length:
        raise InvalidQuestionInput(
            _("%(field)s can be at most %(max)d characters long.") % {"field": field, "max": max_length}
        )
    return value


@transaction.atomic
def question_ask(*, user, lesson: Lesson, title: str, body: str = "") -> Question:
    course = lesson.section.course
    participant_check(user=user, course=course)
    title = _clean_text(title, field=_("The title"), max_length=TITLE_MAX)
    body = _clean_text(body, field=_("The question"), max_length=BODY_MAX, required=False)
    question = Question.objects.create(
        lesson=lesson,
        course=course,
        author=user,
        title=title,
        body=body,
        language=translation.get_language() or "en",
    )
    question_asked.send(sender=Question, question=question)
    return question


@transaction.atomic
def answer_post(*, user, question: Question, body: str) -> Answer:
    if question.is_hidden:
        raise QuestionNotFound()
    participant_check(user=user, course=question.course)
    body = _clean_text(body, field=_("The answer"), max_length=BODY_MAX)
    return Answer.objects.create(question=question, author=user, body=body)


@transaction.atomic
def answer_mark_best(*, user, answer: Answer) -> Question:
    """The asker, the instructor or staff choose the best answer (a later choice replaces
    it). The question row is locked, so two choices made at once end with one of them."""
    question = (
        Question.objects.select_for_update().select_related("course__instructor").get(pk=answer.question_id)
    )
    if not (user.is_staff or user.pk == question.author_id or _is_instructor(user, question.course)):
        raise CannotMarkBest()
    if answer.is_hidden:
        raise AnswerNotFound()
    if question.best_answer_id != answer.pk:
        question.best_answer = answer
        question.save(update_fields=["best_answer", "updated_at"])
    return question


def answer_upvote(*, user, answer: Answer) -> Answer:
    """One upvote per user and answer, whatever the number of concurrent clicks: the unique
    constraint decides, and the counter moves only with the row that was inserted."""
    participant_check(user=user, course=answer.question.course)
    if answer.author_id == user.pk:
        raise OwnAnswerUpvote()
    try:
        with transaction.atomic():
            AnswerUpvote.objects.create(answer=answer, user=user)
            Answer.objects.filter(pk=answer.pk).update(upvote_count=F("upvote_count") + 1)
    except IntegrityError:
        pass  # already upvoted: nothing changes
    answer.refresh_from_db(fields=["upvote_count"])
    return answer


@transaction.atomic
def answer_unvote(*, user, answer: Answer) -> Answer:
    deleted, _rows = AnswerUpvote.objects.filter(answer=answer, user=user).delete()
    if deleted:
        Answer.objects.filter(pk=answer.pk).update(upvote_count=F("upvote_count") - deleted)
    answer.refresh_from_db(fields=["upvote_count"])
    return answer


def report_clean_reason(value) -> str:
    if not isinstance(value, str) or value not in Report.Reason.values:
        raise InvalidQuestionInput(_("Choose one of the reasons for the report."), code="invalid_reason")
    return value


def content_report(
    *, user, reason: str, note: str = "", question: Question | None = None, answer: Answer | None = None
) -> Report:
    """Report a question or an answer to staff; a second report of the same item by the
    same person returns the first."""
    reason = report_clean_reason(reason)
    note = _clean_text(note, field=_("The note"), max_length=500, required=False)
    course = question.course if question is not None else answer.question.course
    participant_check(user=user, course=course)
    lookup = (
        {"reporter": user, "question": question}
        if question is not None
        else {"reporter": user, "answer": answer}
    )
    try:
        with transaction.atomic():
            return Report.objects.create(reason=reason, note=note, **lookup)
    except IntegrityError:
        return Report.objects.get(**lookup)


def questions_set_hidden(*, question_ids, hidden: bool) -> int:
    return Question.objects.filter(pk__in=list(question_ids)).update(
        is_hidden=hidden, updated_at=timezone.now()
    )


def answers_set_hidden(*, answer_ids, hidden: bool) -> int:
    return Answer.objects.filter(pk__in=list(answer_ids)).update(is_hidden=hidden, updated_at=timezone.now())


def reports_resolve(*, report_ids) -> int:
    return Report.objects.filter(pk__in=list(report_ids), resolved_at__isnull=True).update(
        resolved_at=timezone.now(), updated_at=timezone.now()
    )
