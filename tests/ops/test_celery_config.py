"""Celery's configuration: queues by task name, and the embedded broker's files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _queue(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        # someone is waiting for these
        ("commerce.tasks.send_order_receipt", "interactive"),
        ("commerce.tasks.release_expired_seat_holds", "interactive"),
        ("campaigns.advance_schedule", "interactive"),
        # names other branches use or may use land in the right queue without a new route
        ("core.outbox.drain", "interactive"),
        ("commerce.tasks.reconcile_pending_payments", "interactive"),
        ("partners.tasks.deliver_webhook", "interactive"),
        # one statement a minute: the catalog's learner counts stay a minute behind at most
        ("courses.tasks.fold_enrollment_counts", "interactive"),
        # long jobs
        ("recommender.tasks.train_recommender", "nightly"),
        ("campaigns.analytics.compute_campaign_metrics_for_day", "nightly"),
        ("campaigns.analytics.compute_campaign_metrics_for_campaign", "nightly"),
        ("campaigns.analytics.compute_audience_overlap", "nightly"),
        ("analytics.tasks.compute_campaign_metrics_for_day", "nightly"),
        ("search.tasks.nightly_reindex", "nightly"),
    ],
)
def test_tasks_are_routed_by_name(task_name, queue):
    assert _queue(task_name) == queue


def test_every_registered_task_has_one_of_the_two_queues():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]

    assert ours
    assert {_queue(name) for name in ours} == {"interactive", "nightly"}


def test_nightly_jobs_are_handed_back_when_their_worker_dies():
    app.loader.import_default_modules()
    for name in (
        "campaigns.analytics.compute_campaign_metrics_for_day",
        "campaigns.analytics.compute_campaign_metrics_for_campaign",
        "commerce.tasks.release_expired_seat_holds",
    ):
        task = app.tasks[name]
        assert (task.acks_late, task.reject_on_worker_lost) == (True, True), name


def test_embedded_broker_writes_nothing_into_the_working_directory(tmp_path):
    # given no Redis: kombu's filesystem transport under CELERY_BROKER_DIR
    broker_dir = tmp_path / "broker"
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CELERY_BROKER_DIR"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_BROKER_DIR=str(broker_dir),
        PYTHONPATH=str(ROOT),
        DATABASE_URL="sqlite:///:memory:",
    )
    code = (
        "import django; django.setup(); from config.celery import app; "
        "app.send_task('commerce.tasks.release_expired_seat_holds')"
    )

    # when a task is sent
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True, timeout=60
    )

    # then its exchange table is under the broker folder, and nothing is in the working dir
    assert result.returncode == 0, result.stderr
    assert [path.name for path in (broker_dir / "control").iterdir()] == ["interactive.exchange"]
    assert list(workdir.iterdir()) == []
    assert len(list((broker_dir / "queue").iterdir())) == 1
