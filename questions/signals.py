"""Events of questions and answers for apps on higher floors (notifications), sent inside
the transaction of the change."""

from django.dispatch import Signal

# A learner asked a question on a lesson. Arguments: ``question``.
question_asked = Signal()
