"""Thin, idempotent Celery wrappers around the plans services."""

from celery import shared_task


@shared_task(name="plans.tasks.end_due_entitlements")
def end_due_entitlements() -> int:
    """Beat: end the entitlements whose time ran out (alliance grants, memberships that
    were not renewed) and the enrollments only they gave."""
    from .services import entitlements_end_due

    return entitlements_end_due()
