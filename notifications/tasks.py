"""Celery tasks of notifications. Messages themselves leave through the core outbox
(``core.tasks.outbox_drain``, kicked after each commit); this is the beat job that finds due reminders."""

from celery import shared_task


@shared_task(name="notifications.tasks.send_live_reminders", ignore_result=True)
def send_live_reminders() -> int:
    from .services import live_reminders_send

    return live_reminders_send()
