"""Nightly retraining. The task is keyed by the day, so a rerun of the same night (a retry,
a second beat, a redelivery after a worker died) produces that night's one version.

``acks_late`` with ``reject_on_worker_lost``: the message is acknowledged only when the task
has finished, so a worker killed mid-write leaves it with the broker, which redelivers it
(for Redis after the transport's ``visibility_timeout``). The redelivered attempt takes the
night's version over once the dead attempt's lease has expired; while a live attempt holds
the lease it retries later instead of training twice at once."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

# Enough retries to outlast a lease (RECOMMENDER_LEASE_SECONDS, 10 minutes by default)
# renewed by a live attempt for a long write.
MAX_RETRIES = 48


@shared_task(
    bind=True,
    name="recommender.tasks.train_recommender",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    # A lost database connection mid-run (a restart, a failover) raises out of the service
    # with nothing recorded under the night's key: retried with backoff.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
)
def train_recommender(self, run_key: str | None = None, overrides: dict | None = None) -> dict:
    # Imported here: the services pull in numpy, scipy and scikit-learn, which web
    # processes (they import every tasks module to enqueue) must not pay for.
    from .services import RunInProgress, recommender_train

    key = run_key if run_key is not None else f"nightly-{timezone.localdate():%Y-%m-%d}"
    try:
        version = recommender_train(run_key=key, **(overrides or {}))
    except RunInProgress as exc:
        raise self.retry(countdown=min(max(exc.retry_after, 1.0), 300.0)) from exc
    return {"version": version.pk, "status": version.status, "note": version.note, "metrics": version.metrics}
