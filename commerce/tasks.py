"""Thin, idempotent Celery wrappers around commerce services."""

from celery import shared_task


@shared_task(
    name="commerce.tasks.send_order_receipt", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_order_receipt(order_id: int) -> bool:
    from .services import order_send_receipt

    return order_send_receipt(order_id=order_id)


# Idempotent (state guards on every order and refund), so a task lost with its worker is
# simply delivered again.
@shared_task(name="commerce.tasks.reconcile_payments", acks_late=True, reject_on_worker_lost=True)
def reconcile_payments() -> dict:
    """Beat, every minute: settle pending orders and refunds against the provider."""
    from .services import payments_reconcile

    return payments_reconcile()


# A rerun releases nothing twice (it only touches holds still pending and expired), so a
# task lost with its worker is simply delivered again.
@shared_task(name="commerce.tasks.release_expired_seat_holds", acks_late=True, reject_on_worker_lost=True)
def release_expired_seat_holds() -> int:
    from .services import order_release_expired_holds

    return order_release_expired_holds()
