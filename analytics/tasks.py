"""Nightly analytics tasks: thin, idempotent wrappers around the analytics services.

``compute_campaign_metrics_for_day`` fans out one ``compute_campaign_metrics_for_campaign``
per campaign with a Celery group, so more workers finish the night sooner; each chunk is an
upsert of one campaign's day, safe to retry or rerun. Database hiccups
(``OperationalError``: a dropped connection, a serialization failure) are retried with
backoff; anything else is a bug and fails loudly.

The task names keep their ``campaigns.analytics.`` prefix from before the app moved out of
``campaigns``: beat entries stored by django-celery-beat and queue routes refer to them.
"""

from datetime import date, timedelta

from celery import group, shared_task
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.models import Campaign, Touch
from campaigns.webhook_events import campaign_event_emit
from core.timezones import local_today
from partners.models import Partner

from .bandit import variant_weights_update
from .metrics import campaign_metrics_compute, campaign_zones, day_bounds
from .overlap import audience_overlap_compute

RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
    # Acknowledged only when done, and handed back if the worker process dies mid-task (a
    # SIGKILL, the OOM killer): every task here is an upsert of one day, so running it again
    # is the repair. Without these a killed worker loses the night's rows.
    "acks_late": True,
    "reject_on_worker_lost": True,
}
# Campaigns that never went live have no traffic worth a row.
LIVE_STATUSES = (Campaign.Status.APPROVED, Campaign.Status.RUNNING, Campaign.Status.ENDED)


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate() - timedelta(days=1)


# The earliest and latest offsets from UTC of any zone: a local day lies between them.
EARLIEST_ZONE, LATEST_ZONE = "Etc/GMT-14", "Etc/GMT+12"


def _same_queue(task) -> dict:
    """Chunks go to the queue the parent came from (a dedicated worker keeps its work)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


def campaigns_for_day(day: date) -> list[int]:
    """Campaigns with a row to compute for their local day ``day``: live ones, and any
    touched on that day in some time zone (a superset: a campaign without events that day
    simply gets no rows)."""
    start, end = day_bounds(day, EARLIEST_ZONE)[0], day_bounds(day, LATEST_ZONE)[1]
    touched = Touch.objects.filter(created_at__gte=start, created_at__lt=end).values("campaign_id")
    return list(
        Campaign.objects.filter(Q(status__in=LIVE_STATUSES) | Q(pk__in=touched))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@shared_task(
    name="campaigns.analytics.compute_campaign_metrics_for_campaign",
    soft_time_limit=600,
    time_limit=660,
    **RETRY,
)
def compute_campaign_metrics_for_campaign(campaign_id: int, day: str) -> dict:
    result = campaign_metrics_compute(day=date.fromisoformat(day), campaign_ids=[campaign_id])
    with transaction.atomic():
        # Partners hear that the day is ready; a rerun of the night announces nothing twice.
        campaign_event_emit(
            campaign_id, "metrics.daily_ready", {"date": day}, dedupe_key=f"metrics:{campaign_id}:{day}"
        )
    return {
        "campaign": campaign_id,
        "day": day,
        "daily_rows": result.daily_rows,
        "market_rows": result.market_rows,
    }


@shared_task(
    name="campaigns.analytics.compute_campaign_metrics_for_day",
    bind=True,
    soft_time_limit=120,
    time_limit=180,
    **RETRY,
)
def compute_campaign_metrics_for_day(self, day: str | None = None) -> dict:
    """``day`` for every campaign; without it, each campaign's last complete local day
    (yesterday in its reporting time zone)."""
    if day:
        days = {date.fromisoformat(day): None}
    else:
        days = {}
        for zone, ids in campaign_zones().items():
            days.setdefault(local_today(zone) - timedelta(days=1), set()).update(ids)
    chunks = []
    for target, in_zone in sorted(days.items()):
        chunks += [
            (pk, target.isoformat()) for pk in campaigns_for_day(target) if in_zone is None or pk in in_zone
        ]
    options = _same_queue(self)
    if chunks:
        group(
            compute_campaign_metrics_for_campaign.si(pk, target).set(**options) for pk, target in chunks
        ).apply_async()
    if day:
        return {"day": day, "campaigns": len(chunks)}
    return {"days": sorted({target for _pk, target in chunks}), "campaigns": len(chunks)}


@shared_task(
    name="campaigns.analytics.update_campaign_variant_weights", soft_time_limit=120, time_limit=180, **RETRY
)
def update_campaign_variant_weights(campaign_id: int) -> dict:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    allocations = variant_weights_update(campaign=campaign) if campaign is not None else None
    return {
        "campaign": campaign_id,
        "updated": allocations is not None,
        "weights": {str(a.variant_id): a.weight for a in allocations or []},
    }


@shared_task(
    name="campaigns.analytics.update_variant_weights", bind=True, soft_time_limit=120, time_limit=180, **RETRY
)
def update_variant_weights(self) -> dict:
    ids = list(
        Campaign.objects.filter(status=Campaign.Status.RUNNING).order_by("pk").values_list("pk", flat=True)
    )
    options = _same_queue(self)
    if ids:
        group(update_campaign_variant_weights.si(pk).set(**options) for pk in ids).apply_async()
    return {"campaigns": len(ids)}


@shared_task(
    name="campaigns.analytics.compute_audience_overlap", soft_time_limit=900, time_limit=960, **RETRY
)
def compute_audience_overlap(day: str | None = None) -> dict:
    target = _day(day)
    partners = Partner.objects.filter(status=Partner.Status.ACTIVE).order_by("pk")
    rows = [audience_overlap_compute(partner=partner, day=target) for partner in partners]
    return {"day": target.isoformat(), "partners": len(rows)}
