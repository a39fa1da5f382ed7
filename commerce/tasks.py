"""Thin, idempotent Celery wrappers around commerce services.

The reconciler and the seat-hold release are acknowledged late (``acks_late``,
``reject_on_worker_lost``): a run lost with its worker is delivered again (with Redis,
after ``CELERY_VISIBILITY_TIMEOUT``). Each run holds a lease, a PostgreSQL advisory lock of
its worker's database session (not behind a transaction pooler, see ``task_lease``), so
two runs (a redelivered one and beat's next) never work side by side; the lease expires
with the session, so a killed worker's lease ends with its
connection. Exactly once is kept by the services themselves: every order is settled in its
own transaction under its row lock and a state guard, so what the dead run committed is
never done again and what it had not committed is done by the next run."""

import contextlib
import zlib

from celery import shared_task
from django.db import DatabaseError, connection


@contextlib.contextmanager
def task_lease(name: str):
    """Yields whether this run holds the lease ``name`` (always true off PostgreSQL, and
    behind a transaction pooler: pgbouncer in transaction mode, which the project marks
    with ``DISABLE_SERVER_SIDE_CURSORS``, may give the unlock another server session than
    the lock, and a lock left on a pooled session would stop every later run. There the
    runs may overlap, which the services' row locks and state guards make harmless)."""
    pooled = connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS", False)
    if connection.vendor != "postgresql" or pooled:
        yield True
        return
    key = zlib.crc32(f"commerce.lease.{name}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            # A connection lost meanwhile took the lock with it.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


@shared_task(
    name="commerce.tasks.send_order_receipt", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_order_receipt(order_id: int) -> bool:
    from .services import order_send_receipt

    return order_send_receipt(order_id=order_id)


@shared_task(name="commerce.tasks.reconcile_payments", acks_late=True, reject_on_worker_lost=True)
def reconcile_payments() -> dict:
    """Beat, every minute: settle pending orders and refunds against the provider."""
    from .services import payments_reconcile

    with task_lease("reconcile_payments") as held:
        return payments_reconcile() if held else {"skipped": 1}


@shared_task(name="commerce.tasks.release_expired_seat_holds", acks_late=True, reject_on_worker_lost=True)
def release_expired_seat_holds() -> int:
    """Cancel pending orders whose seat hold ran out (the provider is asked first)."""
    from .services import order_release_expired_holds

    with task_lease("release_expired_seat_holds") as held:
        return order_release_expired_holds() if held else 0


@shared_task(name="commerce.tasks.advance_subscriptions", acks_late=True, reject_on_worker_lost=True)
def advance_subscriptions() -> dict:
    """Beat, every five minutes: renew due subscriptions, retry declined renewals, end
    cancelled and overdue ones, and share finished periods with the instructors."""
    from .services.subscriptions import subscriptions_advance

    with task_lease("advance_subscriptions") as held:
        return subscriptions_advance() if held else {"skipped": 1}


@shared_task(name="commerce.tasks.renew_subscription")
def renew_subscription(subscription_id: int) -> str:
    """One subscription now (staff's "renew now", tests): the service decides what is due."""
    from .services.subscriptions import subscription_renew

    return subscription_renew(subscription_id=subscription_id)
