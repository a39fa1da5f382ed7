"""The nightly tasks: eagerly in-process, and in a real Celery worker against Redis and
PostgreSQL."""

import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from analytics import tasks
from analytics.models import CampaignDailyMetric, CampaignMarketMetric
from config.celery import app
from tests.analytics import dataset
from tests.analytics.dataset import D

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def eager():
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def _totals(campaign):
    row = CampaignDailyMetric.objects.get(campaign=campaign, date=D, variant=None, language=None)
    return (row.unique_visitors, row.orders, row.revenue, row.refunds, row.net_revenue, row.spend)


EXPECTED = (5, 2, Decimal("154.00"), Decimal("30.00"), Decimal("124.00"), Decimal("40.00"))


@pytest.mark.django_db
def test_day_task_fans_out_per_campaign_and_is_idempotent(eager):
    data = dataset.build()

    result = tasks.compute_campaign_metrics_for_day.delay(D.isoformat()).get()
    first = list(CampaignDailyMetric.objects.order_by("id").values())
    tasks.compute_campaign_metrics_for_day.delay(D.isoformat()).get()

    assert result == {"day": "2025-03-10", "campaigns": 1}
    assert _totals(data.campaign) == EXPECTED
    assert list(CampaignDailyMetric.objects.order_by("id").values()) == first


@pytest.mark.django_db
def test_weight_and_overlap_tasks_run(eager):
    dataset.build()
    assert tasks.update_variant_weights.delay().get() == {"campaigns": 1}
    assert tasks.compute_audience_overlap.delay(D.isoformat()).get() == {"day": "2025-03-10", "partners": 2}


def test_chunk_task_retries_on_operational_errors():
    assert tasks.compute_campaign_metrics_for_campaign.autoretry_for == (
        __import__("django.db", fromlist=["OperationalError"]).OperationalError,
    )
    assert tasks.compute_campaign_metrics_for_campaign.time_limit == 660
    assert tasks.compute_campaign_metrics_for_campaign.soft_time_limit == 600


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    registered = set(app.tasks)
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registered, entry["task"]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(predicate, timeout: float, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.poll() is not None:
            raise AssertionError(f"the worker exited with {worker.returncode}")
        time.sleep(0.3)
    raise AssertionError("timed out waiting for the worker")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_nightly_tasks_in_a_real_worker(tmp_path):
    # given the data set committed in the test database and a worker on a queue of its own
    data = dataset.build()
    queue = f"analytics-test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
            "-n",
            f"{queue}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # when the nightly tasks are sent to it
        tasks.compute_campaign_metrics_for_day.apply_async(args=[D.isoformat()], queue=queue)
        tasks.compute_audience_overlap.apply_async(args=[D.isoformat()], queue=queue)

        # then the rows it wrote hold the hand-computed figures
        _wait_for(
            lambda: (
                CampaignDailyMetric.objects.filter(campaign=data.campaign, date=D).count() == 10
                and CampaignMarketMetric.objects.filter(campaign=data.campaign, date=D).count() == 4
            ),
            timeout=90,
            worker=worker,
        )
        assert _totals(data.campaign) == EXPECTED
        from analytics.models import AudienceOverlap

        _wait_for(lambda: AudienceOverlap.objects.filter(date=D).count() == 2, timeout=60, worker=worker)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
