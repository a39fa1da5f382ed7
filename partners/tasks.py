from celery import shared_task

from . import webhooks


@shared_task(name="partners.deliver_webhooks")
def deliver_webhooks() -> int:
    """Deliver every due webhook (the oldest of each endpoint first); idempotent."""
    return webhooks.webhook_deliver_due()
