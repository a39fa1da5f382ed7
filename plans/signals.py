"""Questions the plans pages ask the apps above them, which plans cannot import."""

from django.dispatch import Signal

# A signed-in learner looks at a plan's page: a receiver that knows the learner's
# membership of it (commerce) answers a dict the page shows: ``member`` (a live
# membership), ``renewable_now`` (the learner renews it by paying, and it is due).
# Arguments: ``user``, ``slug``.
plan_membership_asked = Signal()
