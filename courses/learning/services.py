"""Learning writes of the player and the quizzes: where a learner stands in a lesson's
media (resume) and how much of it was really played (completion), and quiz attempts.
Lesson completion, drip and certificates are shared with the lesson page through
``courses.services``."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import services
from ..exceptions import InvalidAnswers, LessonLocked
from ..models import Lesson, LessonProgress, Quiz, QuizAttempt, Section

# The player offers up to 2x; a save may cover at most this much media per second of wall
# time, plus some slack for timers and network. Seeking ahead is resume, not watching.
MAX_PLAYBACK_RATE = 2.0
SLACK_SECONDS = 5.0


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


@transaction.atomic
def lesson_position_save(
    *, user, lesson: Lesson, position: float, duration: float | None = None
) -> LessonProgress:
    """Store the player's position for resume and add the stretch played since the last
    save to ``watched_seconds``; at ``LESSON_COMPLETION_SHARE`` of the media the lesson
    completes itself (and may complete the course). Enrolled learners only; a locked
    (drip) lesson is refused."""
    section = Section.objects.only("course_id", "release_after_days", "release_at").get(pk=lesson.section_id)
    enrollment = services._active_enrollment_for_update(user=user, course_id=section.course_id)
    services.lesson_check_open(lesson=lesson, section=section, enrollment=enrollment)
    progress, created = LessonProgress.objects.select_for_update().get_or_create(user=user, lesson=lesson)
    # The length the admin entered wins; otherwise the player's (the browser read it from the file).
    length = float(lesson.media_seconds or duration or progress.media_seconds or 0)
    position = _clamp(position, 0.0, length) if length else max(position, 0.0)
    now = timezone.now()
    if not created:
        elapsed = max((now - progress.updated_at).total_seconds(), 0.0)
        played = position - progress.position_seconds
        if 0 < played <= elapsed * MAX_PLAYBACK_RATE + SLACK_SECONDS:
            progress.watched_seconds += played
    if length:
        progress.watched_seconds = min(progress.watched_seconds, length)
    progress.position_seconds = position
    progress.media_seconds = length
    progress.save(update_fields=["position_seconds", "watched_seconds", "media_seconds", "updated_at"])
    if (
        length
        and not progress.completed
        and progress.watched_seconds >= settings.LESSON_COMPLETION_SHARE * length
    ):
        services.lesson_progress_set(user=user, lesson=lesson, completed=True)
        progress.completed = True
    return progress


def _answer_sets(answers) -> dict[int, set[int]]:
    """``{"<question id>": [<choice id>, ...]}`` (a single id stands for a one-item list)
    as integer sets; anything else is refused."""
    if not isinstance(answers, dict):
        raise InvalidAnswers()
    out: dict[int, set[int]] = {}
    for key, value in answers.items():
        try:
            question_id = int(key)
        except (TypeError, ValueError) as exc:
            raise InvalidAnswers() from exc
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, int) and not isinstance(item, bool) for item in values):
            raise InvalidAnswers()
        out[question_id] = set(values)
    return out


@transaction.atomic
def quiz_attempt_submit(*, user, quiz: Quiz, answers) -> QuizAttempt:
    """Score one attempt: a question counts when exactly its correct choices are picked;
    the score is the share of questions right, in whole percent. A passing attempt may
    complete the course (its certificate). Questions left out count as wrong; a question or
    choice of another quiz is refused and nothing is stored."""
    enrollment = services._active_enrollment_for_update(user=user, course_id=quiz.course_id)
    if quiz.section_id:
        # The quiz of a section opens with the section (drip).
        opens = services.section_opens_at(section=quiz.section, enrollment=enrollment)
        if opens is not None:
            raise LessonLocked(opens_at=opens)
    chosen = _answer_sets(answers)
    questions = list(quiz.questions.prefetch_related("choices"))
    by_id = {question.pk: question for question in questions}
    if not questions or not set(chosen) <= set(by_id):
        raise InvalidAnswers()
    right = 0
    for question in questions:
        choice_ids = {choice.pk for choice in question.choices.all()}
        picked = chosen.get(question.pk, set())
        if not picked <= choice_ids:
            raise InvalidAnswers()
        correct = {choice.pk for choice in question.choices.all() if choice.is_correct}
        right += bool(picked) and picked == correct
    score = round(100 * right / len(questions))
    attempt = QuizAttempt.objects.create(
        user=user,
        quiz=quiz,
        score=score,
        passed=score >= quiz.pass_mark,
        answers={str(key): sorted(value) for key, value in chosen.items()},
    )
    if attempt.passed:
        services.enrollment_refresh_completion(enrollment=enrollment)
    return attempt
