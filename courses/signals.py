"""Signals other apps listen to (they never import our services to learn of an event).

``certificate_issued``: a learner earned a course's certificate (every lesson done and
every required quiz passed). Sent once per issue, after the transaction that issued it
commits, with ``sender=Enrollment`` and ``enrollment_id``. A receiver that raises does not
undo the certificate (it is sent with ``send_robust`` semantics)."""

from django.dispatch import Signal

certificate_issued = Signal()
