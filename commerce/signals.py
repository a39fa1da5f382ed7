"""Events of commerce for apps on higher floors (notifications). Sent inside the
transaction of the change."""

from django.dispatch import Signal

# The receipt of a paid order is due (claimed once, in the outbox handler's transaction).
# Arguments: ``order``, ``lines``. A receiver that sends it returns True; with none, commerce
# sends its own e-mail.
receipt_due = Signal()
# A refund went through at the provider and was applied. Arguments: ``refund``.
refund_succeeded = Signal()
# Something the learner must hear about their membership happened. Arguments:
# ``subscription``, ``event`` (``payment_failed``: a renewal was declined, with the retry
# and grace dates on the subscription; ``ended``), ``number`` (the attempt, for the key).
subscription_notice = Signal()
