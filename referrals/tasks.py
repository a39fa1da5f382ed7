from celery import shared_task

from . import services


@shared_task(name="referrals.release_commissions")
def release_commissions() -> int:
    """Make commissions whose hold has passed available (idempotent: a state guard)."""
    return services.commissions_release_due()
