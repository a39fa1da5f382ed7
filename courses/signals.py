"""Events of the learning side, for apps on higher floors to subscribe to (notifications).
Sent inside the transaction of the change, so a receiver that writes an outbox message
commits or rolls back with it."""

from django.dispatch import Signal

# A learner finished every lesson of a course: the certificate exists from now on.
# Arguments: ``enrollment``.
certificate_issued = Signal()
