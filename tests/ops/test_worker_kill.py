"""Nightly work survives a killed worker, and never delays interactive work.

Two real workers, one per queue, on a Redis of the test's own with a 3-second visibility
timeout. The nightly metrics task is caught mid-write (its INSERT waits on a table lock the
test holds); meanwhile a receipt, routed to the interactive queue, is sent at once. Then
the nightly worker is killed with SIGKILL, a replacement starts, and the redelivered task
writes the day's rows with the hand-computed figures.
"""

import time

import psycopg
import pytest
from celery.result import allow_join_result
from django.conf import settings
from django.db import connection

from analytics import tasks as analytics_tasks
from analytics.models import CampaignDailyMetric, CampaignMarketMetric
from commerce.models import Order
from commerce.tasks import send_order_receipt
from tests.analytics import dataset
from tests.analytics.dataset import D
from tests.analytics.test_tasks import EXPECTED, _totals
from tests.ops.services import celery_broker, spare_redis
from tests.ops.workers import Worker, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

METRIC_TABLES = (CampaignDailyMetric._meta.db_table, CampaignMarketMetric._meta.db_table)


def _lock_waiters(cursor) -> list[int]:
    # Inside a transaction pg_stat_activity is a snapshot taken at first use: drop it.
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    return [row[0] for row in cursor.fetchall()]


def test_killed_nightly_worker_redelivers_the_metrics_and_receipts_never_wait(tmp_path):
    # given the day's data, a paid order whose receipt is not sent yet, and one worker per queue
    data = dataset.build()
    order = Order.objects.filter(status=Order.Status.PAID).select_related("user").order_by("pk").first()
    order.user.email = "receipt@example.com"
    order.user.save(update_fields=["email"])
    Order.objects.filter(pk=order.pk).update(receipt_sent_at=None)

    with spare_redis(tmp_path) as redis_server, celery_broker(redis_server.url):
        env = {
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_server.url,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
            "CELERY_VISIBILITY_TIMEOUT": "3",
        }
        interactive = Worker("interactive", "interactive", tmp_path / "interactive.log", env)
        nightly = Worker("nightly", "nightly", tmp_path / "nightly.log", env)
        replacement = None
        locker = psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=False)
        try:
            interactive.wait_ready()
            nightly.wait_ready()
            with locker.cursor() as cursor:
                # Reads go on; writes to the metric tables wait until this transaction ends.
                cursor.execute(f"LOCK TABLE {', '.join(METRIC_TABLES)} IN SHARE MODE")

                # when the metrics task is caught in the middle of writing the day
                analytics_tasks.compute_campaign_metrics_for_campaign.delay(data.campaign.pk, D.isoformat())
                nightly.wait_for(lambda: _lock_waiters(locker.cursor()), 60, "the metrics task to block")

                # then a receipt goes out at once on the interactive queue
                started = time.monotonic()
                # Celery keeps "joining would block" in one process-wide flag that eager tasks
                # set and restore; eager tasks run in threads by earlier tests can leave it set
                # (their save/restore interleave). This test process is no worker: joining is fine.
                with allow_join_result():
                    assert send_order_receipt.delay(order.pk).get(timeout=30) is True
                receipt_seconds = time.monotonic() - started
                assert Order.objects.get(pk=order.pk).receipt_sent_at is not None
                waiting = _lock_waiters(cursor)
                assert waiting, "the nightly task should still be waiting"

                # when the nightly worker dies mid-write (its database session dies with it,
                # as it would with the machine)
                nightly.kill()
                cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [waiting])
            locker.rollback()
            assert CampaignDailyMetric.objects.filter(date=D).count() == 0

            # then the task comes back to a replacement worker and writes the day's rows
            replacement = Worker("nightly-2", "nightly", tmp_path / "nightly-2.log", env)
            replacement.wait_ready()
            replacement.wait_for(
                lambda: (
                    CampaignDailyMetric.objects.filter(campaign=data.campaign, date=D).count() == 10
                    and CampaignMarketMetric.objects.filter(campaign=data.campaign, date=D).count() == 4
                ),
                90,
                "the redelivered metrics task",
            )
            assert _totals(data.campaign) == EXPECTED
            assert "compute_campaign_metrics_for_campaign" in replacement.text()
            print(f"receipt sent in {receipt_seconds:.2f} s while the nightly task was blocked")
        finally:
            locker.close()
            for worker in (interactive, nightly, replacement):
                if worker is not None:
                    worker.stop()
    connection.close()
