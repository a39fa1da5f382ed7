from django.utils.translation import gettext_lazy as _

from core.cldr import format_datetime
from core.exceptions import ApplicationError, Conflict, NotFound


class CourseNotFound(NotFound):
    code = "course_not_found"

    def default_message(self):
        return _("This course does not exist or is not on sale.")


class InstructorNotFound(NotFound):
    code = "instructor_not_found"

    def default_message(self):
        return _("This instructor does not exist.")


class LiveSessionNotFound(NotFound):
    code = "live_session_not_found"

    def default_message(self):
        return _("This live session does not exist.")


class SoldOut(Conflict):
    code = "sold_out"

    def default_message(self):
        return _("This live class is sold out.")


class NotEnrolled(ApplicationError):
    code = "not_enrolled"
    status_code = 403

    def default_message(self):
        return _("Only learners enrolled in this course can do this.")


class CourseNotFree(Conflict):
    code = "course_not_free"

    def default_message(self):
        return _("This course is not free: add it to your cart to buy it.")


class LessonLocked(ApplicationError):
    """A drip-released lesson before its section opens; ``opens_at`` says when."""

    code = "lesson_locked"
    status_code = 403

    def __init__(self, *, opens_at):
        self.opens_at = opens_at
        super().__init__(extra={"opens_at": opens_at.isoformat()})

    def default_message(self):
        when = format_datetime(self.opens_at)
        return _("This lesson opens on %(date)s.") % {"date": when}


class InvalidAnswers(ApplicationError):
    code = "invalid_answers"

    def default_message(self):
        return _("Answer with choices of this quiz's questions.")
