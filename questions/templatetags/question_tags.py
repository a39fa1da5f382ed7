"""The questions section of the lesson page. The lesson page belongs to ``courses`` (a lower
floor), so it loads this tag library by name instead of importing us."""

from django import template

from core.exceptions import ApplicationError

from .. import selectors, services
from ..forms import AnswerForm, QuestionForm, ReportForm

register = template.Library()

# The page shows the newest questions; the API pages through all of them.
PAGE_QUESTIONS = 20


@register.inclusion_tag("questions/_lesson_questions.html", takes_context=True)
def lesson_questions(context, lesson, course):
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        services.participant_check(user=user, course=course)
    except ApplicationError:
        return {"lesson": lesson, "can_take_part": False, "questions": []}
    questions = list(selectors.question_list_for_lesson(lesson=lesson, user=user)[:PAGE_QUESTIONS])
    instructor_id = course.instructor.user_id
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "lesson": lesson,
        "user": user,
        "can_take_part": True,
        "instructor_user_id": instructor_id,
        "questions": questions,
        "question_form": QuestionForm(),
        "answer_form": AnswerForm(),
        "report_reasons": ReportForm.base_fields["reason"].choices,
    }
