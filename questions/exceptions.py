from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError, NotFound, PermissionDenied


class QuestionNotFound(NotFound):
    code = "question_not_found"

    def default_message(self):
        return _("This question does not exist.")


class AnswerNotFound(NotFound):
    code = "answer_not_found"

    def default_message(self):
        return _("This answer does not exist.")


class LessonNotFound(NotFound):
    code = "lesson_not_found"

    def default_message(self):
        return _("This lesson does not exist.")


class NotAParticipant(PermissionDenied):
    code = "not_enrolled"

    def default_message(self):
        return _("Only learners enrolled in this course, its instructor and staff can take part.")


class CannotMarkBest(PermissionDenied):
    code = "cannot_mark_best"

    def default_message(self):
        return _("Only the person who asked and the instructor can choose the best answer.")


class OwnAnswerUpvote(ApplicationError):
    code = "own_answer"

    def default_message(self):
        return _("You cannot upvote your own answer.")


class InvalidQuestionInput(ApplicationError):
    code = "invalid"
