from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


# Closing is one transaction: a lost connection rolls it back whole, and the retry closes
# the month once (a month is never closed twice).
@shared_task(
    name="payouts.nightly_close_statements",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def close_statements() -> int:
    """Close every complete month (idempotent: a month is closed once)."""
    return services.statements_close_due()
