"""Nightly retraining. The task is keyed by the day, so a rerun of the same night (a retry,
a second beat) returns the version already trained instead of training again."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="recommender.tasks.train_recommender")
def train_recommender(run_key: str | None = None) -> dict:
    # Imported here: the services pull in numpy, scipy and scikit-learn, which web
    # processes (they import every tasks module to enqueue) must not pay for.
    from .services import recommender_train

    key = run_key if run_key is not None else f"nightly-{timezone.localdate():%Y-%m-%d}"
    version = recommender_train(run_key=key)
    return {"version": version.pk, "status": version.status, "note": version.note, "metrics": version.metrics}
