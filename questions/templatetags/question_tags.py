"""The questions section of the lesson page. The lesson page belongs to ``courses`` (a lower
floor), so it loads this tag library by name instead of importing us."""

from django import template

from .. import selectors
from ..forms import ReportForm

register = template.Library()

# The page shows the newest questions; the API pages through all of them.
PAGE_QUESTIONS = 20


@register.inclusion_tag("questions/_lesson_questions.html", takes_context=True)
def lesson_questions(context, lesson, course, enrollment=None):
    """``enrollment`` is the page's own (already loaded): the access rule of
    ``services.participant_check`` without asking the database again."""
    request = context.get("request")
    user = getattr(request, "user", None)
    instructor_id = course.instructor.user_id
    is_instructor = instructor_id is not None and user is not None and instructor_id == user.pk
    signed_in = user is not None and user.is_authenticated
    can_take_part = signed_in and (enrollment is not None or user.is_staff or is_instructor)
    if not can_take_part:
        return {"lesson": lesson, "can_take_part": False, "questions": []}
    return {
        "csrf_token": context.get("csrf_token"),
        "lesson": lesson,
        "user": user,
        "can_take_part": True,
        "instructor_user_id": instructor_id,
        "questions": list(selectors.question_list_for_lesson(lesson=lesson, user=user)[:PAGE_QUESTIONS]),
        "report_reasons": ReportForm.base_fields["reason"].choices,
    }
