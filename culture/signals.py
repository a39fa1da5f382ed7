"""Events of this app for the floors above (notifications tells staff)."""

from django.dispatch import Signal

# Sent inside the nightly job's transaction, once per new alert, with ``alert``.
sentiment_spike_raised = Signal()
