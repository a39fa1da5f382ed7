"""Celery tasks of campaigns: thin, idempotent wrappers around services."""

from celery import shared_task

from . import services, touch_buffer
from .models import Campaign


@shared_task(name="campaigns.advance_schedule")
def campaigns_advance_schedule() -> dict[str, int]:
    """Start approved campaigns whose start has come and end those past their end (and
    whose budget is used up). Safe to run every few minutes."""
    result = services.campaigns_advance_schedule()
    ended_by_budget = sum(
        services.budget_check(campaign=campaign)
        for campaign in Campaign.objects.filter(status=Campaign.Status.RUNNING, budget_amount__isnull=False)
    )
    return {**result, "ended_by_budget": ended_by_budget}


@shared_task(name="campaigns.flush_touches", ignore_result=True)
def flush_touches() -> int:
    """Write the touches buffered in Redis in bulk (every few seconds, and when the buffer
    is long). Idempotent: a repeated or concurrent run writes nothing twice."""
    return touch_buffer.touch_buffer_flush()


from campaigns.analytics import tasks as analytics_tasks  # noqa: E402,F401  (Celery autodiscovery)
