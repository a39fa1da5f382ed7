"""Nightly training survives a worker killed while it writes the lists: the task is
acknowledged late, Redis redelivers it, and the redelivered attempt takes the night's
version over once the dead attempt's lease has expired. A real worker, a real SIGKILL."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from courses.models import Enrollment
from recommender.models import ModelVersion, Recommendation
from recommender.tasks import train_recommender

from .factories import planted_catalog, planted_learners

BASE_DIR = Path(__file__).resolve().parents[2]
N_LEARNERS = 160
TOP_N = 20


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(queue: str, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # Redis hands an unacknowledged task back 4 s (not an hour) after its worker died.
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "OMP_NUM_THREADS": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            # The task runs in the worker's own process, so SIGKILL stops it mid-write.
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
            "-n",
            f"{queue}-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log_path.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _wait_for(predicate, *, timeout: float, worker: subprocess.Popen, log_path: Path, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if worker.poll() is not None:
            raise AssertionError(
                f"the worker exited with {worker.returncode}:\n{log_path.read_text()[-3000:]}"
            )
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for the worker:\n{log_path.read_text()[-3000:]}")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_write_is_replaced_and_the_night_still_gets_its_model(tmp_path):
    # given: committed learners and a worker on a queue of its own
    catalog = planted_learners(planted_catalog(), n_users=N_LEARNERS)
    run_key = f"nightly-kill-{uuid.uuid4().hex[:8]}"
    queue = f"recommender-kill-{uuid.uuid4().hex[:8]}"
    log_path = tmp_path / "worker.log"
    first = _start_worker(queue, log_path)
    second = None
    try:
        # when: the night's task is sent (one learner per batch and a 3-second lease, so the
        # write takes long enough to be interrupted and the dead lease expires quickly)...
        train_recommender.apply_async(
            kwargs={"run_key": run_key, "overrides": {"batch_size": 1, "lease_seconds": 3, "top_n": TOP_N}},
            queue=queue,
        )

        # ...and the worker is killed once part of the lists is written
        def writing():
            version = ModelVersion.objects.filter(run_key=run_key, status=ModelVersion.Status.WRITING).first()
            return (
                version if version and Recommendation.objects.filter(model_version=version).exists() else None
            )

        version = _wait_for(writing, timeout=240, worker=first, log_path=log_path)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        written_at_kill = (
            Recommendation.objects.filter(model_version=version).values("user").distinct().count()
        )
        version.refresh_from_db()
        assert version.status == ModelVersion.Status.WRITING
        assert 0 < written_at_kill < N_LEARNERS

        # then: a new worker gets the unacknowledged task back and finishes the night
        second = _start_worker(queue, log_path)
        _wait_for(
            lambda: ModelVersion.objects.filter(run_key=run_key, status=ModelVersion.Status.ACTIVE).exists(),
            timeout=240,
            worker=second,
            log_path=log_path,
            interval=0.5,
        )
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)

    night = ModelVersion.objects.get(run_key=run_key)
    assert night.pk == version.pk  # the dead attempt's version was taken over, not duplicated
    assert night.is_active and night.lease_token == "" and night.lease_expires_at is None
    assert ModelVersion.objects.count() == 1
    # Complete lists: every learner, ranks 1..n without gaps or duplicates, nothing owned.
    n_items = sum(len(courses) for courses in catalog.courses.values())
    owned: dict[int, set[int]] = {}
    for user_id, course_id in Enrollment.objects.values_list("user_id", "course_id"):
        owned.setdefault(user_id, set()).add(course_id)
    lists: dict[int, list[tuple[int, int]]] = {}
    for user_id, rank, course_id in Recommendation.objects.filter(model_version=night).values_list(
        "user_id", "rank", "course_id"
    ):
        lists.setdefault(user_id, []).append((rank, course_id))
    assert set(lists) == {user.pk for user in catalog.users}
    for user_id, rows in lists.items():
        expected = min(TOP_N, n_items - len(owned[user_id]))
        assert sorted(rank for rank, _ in rows) == list(range(1, expected + 1)), user_id
        assert not owned[user_id] & {course for _, course in rows}
    assert night.metrics["stored"]["recommendations"] == Recommendation.objects.count()
    assert "takes over version" in log_path.read_text()
