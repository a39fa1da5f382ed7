"""Reads of questions and answers. A lesson's list costs a fixed number of queries
whatever the number of questions and answers: the questions with their authors, then
every visible answer of those questions with its author and the viewer's upvote."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value

from courses.models import Lesson

from .exceptions import AnswerNotFound, LessonNotFound, QuestionNotFound
from .models import Answer, AnswerUpvote, Question


def _answers(user) -> QuerySet[Answer]:
    upvoted = (
        Exists(AnswerUpvote.objects.filter(answer_id=OuterRef("pk"), user_id=user.pk))
        if getattr(user, "is_authenticated", False)
        else Value(False)
    )
    return (
        Answer.objects.filter(is_hidden=False)
        .select_related("author")
        .annotate(viewer_upvoted=upvoted)
        .order_by("-upvote_count", "created_at", "id")
    )


def question_queryset(*, user) -> QuerySet[Question]:
    return (
        Question.objects.filter(is_hidden=False)
        .select_related("author")
        .annotate(answer_total=Count("answers", filter=Q(answers__is_hidden=False)))
        .prefetch_related(Prefetch("answers", queryset=_answers(user), to_attr="visible_answers"))
    )


def question_list_for_lesson(*, lesson: Lesson, user) -> QuerySet[Question]:
    """Newest first; hidden questions and answers are left out."""
    return question_queryset(user=user).filter(lesson=lesson).order_by("-created_at", "-id")


def question_get(*, question_id: int, user) -> Question:
    question = (
        question_queryset(user=user).select_related("course__instructor").filter(pk=question_id).first()
    )
    if question is None:
        raise QuestionNotFound()
    return question


def question_for_write(*, question_id: int) -> Question:
    question = (
        Question.objects.select_related("course__instructor").filter(pk=question_id, is_hidden=False).first()
    )
    if question is None:
        raise QuestionNotFound()
    return question


def answer_for_write(*, answer_id: int) -> Answer:
    answer = (
        Answer.objects.select_related("question__course__instructor")
        .filter(pk=answer_id, is_hidden=False, question__is_hidden=False)
        .first()
    )
    if answer is None:
        raise AnswerNotFound()
    return answer


def lesson_get(*, lesson_id: int) -> Lesson:
    lesson = Lesson.objects.select_related("section__course__instructor").filter(pk=lesson_id).first()
    if lesson is None:
        raise LessonNotFound()
    return lesson
