from celery import shared_task

from . import services


@shared_task(name="payouts.nightly_close_statements")
def close_statements() -> int:
    """Close every complete month (idempotent: a month is closed once)."""
    return services.statements_close_due()
