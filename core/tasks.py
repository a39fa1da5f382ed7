"""Celery tasks of the shared kernel: the outbox's drain, asked for by the web processes'
kicks right after commits and by beat every minute (whatever the broker lost or a handler
failed), and the delivery of one message (Celery eager: tests, benchmarks)."""

from celery import shared_task


@shared_task(name="core.tasks.outbox_deliver", ignore_result=True)
def outbox_deliver(message_id: int) -> bool:
    from .outbox import outbox_deliver_one

    return outbox_deliver_one(message_id=message_id)


@shared_task(name="core.tasks.outbox_drain", ignore_result=True)
def outbox_drain() -> int:
    from .outbox import outbox_drain as drain

    return drain()
