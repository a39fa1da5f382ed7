"""Cells of the fault matrix (issue 10) beside the checkout: a real Redis (cache, throttles
and Celery broker) killed during refunds, payment webhooks and the nightly jobs, and a
private PostgreSQL cluster restarted under the nightly jobs.

- No answer is a 500: a refund or webhook caught by the outage answers 2xx/3xx or a clean
  503, and retried as a client would (the refund page again, the same webhook event) it
  settles exactly once: one refund, one provider refund and one set of reversing ledger rows
  per order; one payment and one set of sale ledger rows per webhook.
- A nightly job either completes or fails with a database error its Celery task retries
  (``OperationalError``); run again, it writes the same rows as an undisturbed run: nothing
  lost, nothing doubled (metric rows per campaign and day, statements per partner and month,
  one recommender version per night).

Ports: PostgreSQL 9116 (this test's own; the other operations tests use 8590-8599); its
Redis takes a free port (tests/ops/services.py)."""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from analytics.models import CampaignDailyMetric
from analytics.tasks import compute_campaign_metrics_for_campaign
from commerce.models import LedgerEntry, Order, Refund, SandboxCharge
from commerce.payments.sandbox import SIGNATURE_HEADER, sign
from commerce.services import order_checkout, payments_reconcile
from payouts.models import PartnerStatement
from payouts.tasks import close_statements
from recommender.models import ModelVersion
from recommender.tasks import train_recommender
from tests.analytics.factories import at, campaign, partner
from tests.campaigns.factories import TouchFactory
from tests.factories import CourseFactory, UserFactory
from tests.fault_matrix import fault_record, money_counts
from tests.ops.private_postgres import PrivatePostgres
from tests.ops.services import SpareRedis, celery_broker
from tests.ops.test_redis_outage import _cache_settings
from tests.ops.workers import database_url
from tests.payouts.builders import earn
from tests.recommender.factories import planted_catalog, planted_learners

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
POSTGRES_PORT = 9116
REFUNDS, WEBHOOKS = 12, 12
WEBHOOK_URL = "/api/v1/payments/webhooks/sandbox/"
# What a database hiccup looks like to a job: the errors its Celery task retries.
RETRYABLE = ("OperationalError", "InterfaceError")


def _orders(course, token: str, n: int, prefix: str) -> list[Order]:
    return [
        order_checkout(
            user=UserFactory(username=f"{prefix}-{i}"),
            items=[{"course": course.slug}],
            currency="USD",
            payment={"provider": "sandbox", "token": token},
        ).order
        for i in range(n)
    ]


def _nightly_world() -> dict:
    """What the nightly jobs read: a running campaign touched yesterday, a partner's
    earnings last month (a statement to close), learners with enrollments (a model to
    train)."""
    bank = partner("night-bank")
    running = campaign(bank, slug="night-campaign")
    yesterday = timezone.localdate() - timedelta(days=1)
    for i in range(30):
        TouchFactory(
            campaign=running,
            visitor_id=f"00000000-0000-4000-8000-{i % 17:012d}",
            created_at=at(yesterday, 8 + i % 10),
        )
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=3)
    for amount in ("12.50", "7.25", "30.00"):
        earn(bank, running, amount, last_month)
    planted_learners(planted_catalog(per_topic=4), n_users=32)
    return {"campaign": running, "day": yesterday}


def _metric_rows() -> list[tuple]:
    return sorted(
        CampaignDailyMetric.objects.values_list(
            "campaign_id", "variant_id", "date", "unique_visitors", "clicks"
        )
    )


def _statement_rows() -> list[tuple]:
    return sorted(
        PartnerStatement.objects.values_list("partner_id", "currency", "period_start", "closing_balance")
    )


def _refund(client: Client, order: Order) -> int:
    response = client.post(
        f"/admin/commerce/order/{order.pk}/refund/", {"amount": str(order.total), "reason": "outage test"}
    )
    return response.status_code


def _webhook(client: Client, body: bytes) -> int:
    response = client.post(
        WEBHOOK_URL, data=body, content_type="application/json", headers={SIGNATURE_HEADER: sign(body)}
    )
    return response.status_code


def _event(order: Order, n: int) -> bytes:
    data = {"reference": order.payment_reference}
    return json.dumps({"id": f"evt_outage_{n}", "type": "payment.succeeded", "data": data}).encode()


def _refund_checks(orders: list[Order]) -> dict:
    lost = doubled = 0
    for order in orders:
        order.refresh_from_db()
        ok = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).count()
        provider = SandboxCharge.objects.filter(order_number=str(order.number), kind="refund").count()
        reversing = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.REFUND).count()
        lost += order.status != Order.Status.REFUNDED or ok == 0
        doubled += ok > 1 or provider > 1 or reversing != 2
    return {"lost": lost, "doubled": doubled}


def _webhook_checks(orders: list[Order]) -> dict:
    lost = doubled = 0
    for order in orders:
        order.refresh_from_db()
        sales = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.SALE).count()
        lost += order.status != Order.Status.PAID
        doubled += sales != 2
    return {"lost": lost, "doubled": doubled}


def test_killing_redis_during_refunds_and_webhooks_loses_and_doubles_nothing(tmp_path, settings):
    # given paid orders to refund, pending orders waiting for their webhook, a staff member
    course = CourseFactory(slug="outage-refund-course")
    paid = _orders(course, "tok_success", REFUNDS, "refundee")
    pending = _orders(course, "tok_pending", WEBHOOKS, "waiter")
    events = {order.pk: _event(order, n) for n, order in enumerate(pending)}
    staff = UserFactory(username="outage-staff", is_staff=True, is_superuser=True)
    before = money_counts()
    seen: dict[str, Counter] = {"refund": Counter(), "webhook": Counter()}
    redis_server = SpareRedis(tmp_path)
    redis_server.start()
    try:
        with celery_broker(redis_server.url):
            settings.CACHES = _cache_settings(redis_server.url)
            client = Client(raise_request_exception=False)
            client.force_login(staff)
            # when Redis dies half-way through each flow
            for n, (order, hooked) in enumerate(zip(paid, pending, strict=True)):
                if n == REFUNDS // 2:
                    redis_server.kill()
                seen["refund"][_refund(client, order)] += 1
                seen["webhook"][_webhook(client, events[hooked.pk])] += 1
            print("answers with Redis killed half-way:", {k: dict(v) for k, v in seen.items()})
            # then nothing answered 500
            for flow, statuses in seen.items():
                assert {s for s in statuses if s >= 500} <= {503}, (flow, statuses)

            # and once Redis is back, each request retried settles exactly once
            redis_server.start()
            retried: dict[str, Counter] = {"refund": Counter(), "webhook": Counter()}
            for order in paid:
                # a refund that went through answers 200 with "nothing left to refund"
                retried["refund"][_refund(client, order)] += 1
            for order in pending:
                retried["webhook"][_webhook(client, events[order.pk])] += 1
            assert set(retried["refund"]) <= {200, 302}, retried
            assert set(retried["webhook"]) == {200}, retried
    finally:
        redis_server.kill()

    after = money_counts()
    checks = {"refund": _refund_checks(paid), "webhook": _webhook_checks(pending)}
    for flow, label in (("refund", "refund (staff page, retried)"), ("webhook", "webhook (retried)")):
        fault_record(
            fault="Redis killed (cache + broker)",
            flow=label,
            statuses=seen[flow] + retried[flow],
            before=before,
            after=after,
            lost=checks[flow]["lost"],
            doubled=checks[flow]["doubled"],
            note="half the requests with Redis down, then each one again",
        )
    assert checks == {"refund": {"lost": 0, "doubled": 0}, "webhook": {"lost": 0, "doubled": 0}}
    assert after["provider_refunds"] - before["provider_refunds"] == REFUNDS
    assert after["paid_orders"] - before["paid_orders"] == WEBHOOKS - REFUNDS


def _run_jobs(world: dict, run_key: str) -> dict:
    """The nightly jobs as their Celery tasks run them (in this process); a job that
    raises is reported by the name of its error."""
    jobs = {
        "metrics": lambda: compute_campaign_metrics_for_campaign(
            world["campaign"].pk, world["day"].isoformat()
        ),
        "statements": close_statements,
        "recommender": lambda: train_recommender(run_key=run_key),
        "reconciler": payments_reconcile,
    }
    outcome = {}
    for name, job in jobs.items():
        try:
            job()
            outcome[name] = "completed"
        except Exception as exc:  # reported, and asserted on by the caller
            outcome[name] = type(exc).__name__
    return outcome


def test_killing_redis_under_the_nightly_jobs_changes_nothing_they_write(tmp_path, settings):
    world = _nightly_world()
    before = money_counts()
    redis_server = SpareRedis(tmp_path)
    redis_server.start()
    try:
        with celery_broker(redis_server.url):
            settings.CACHES = _cache_settings(redis_server.url)
            redis_server.kill()
            started = time.monotonic()
            # when every nightly job runs with Redis (cache and broker) dead
            down = _run_jobs(world, "night-redis-down")
            down_seconds = time.monotonic() - started
            rows_down = (_metric_rows(), _statement_rows())
            redis_server.start()
            # and runs again once it is back (a retry, or the next night's beat)
            again = _run_jobs(world, "night-redis-down")
    finally:
        redis_server.kill()
    print("Redis down:", down, f"{down_seconds:.1f}s; again:", again)

    # then every job completed without Redis: none of them needs it to write its rows
    assert down == dict.fromkeys(down, "completed"), down
    assert again == dict.fromkeys(again, "completed"), again
    # and the rerun wrote nothing twice
    assert rows_down == (_metric_rows(), _statement_rows())
    assert len(rows_down[0]) >= 1 and len(rows_down[1]) == 1
    assert ModelVersion.objects.filter(run_key="night-redis-down").count() == 1
    assert ModelVersion.objects.get(run_key="night-redis-down").status == ModelVersion.Status.ACTIVE
    after = money_counts()
    fault_record(
        fault="Redis killed (cache + broker)",
        flow="nightly jobs (metrics, statements, training, reconciler)",
        statuses={},
        before=before,
        after=after,
        lost=0 if rows_down[0] and rows_down[1] else 1,
        doubled=0,
        note=f"all completed with Redis down ({down_seconds:.1f}s), rerun wrote the same rows",
    )


# --- PostgreSQL restarted under the nightly jobs --------------------------------------------

JOB_COMMANDS = {
    "metrics": ["compute_campaign_metrics", "--date", "{day}"],
    "statements": ["close_partner_statements"],
    "recommender": ["train_recommender", "--run-key", "night-restart"],
}


def _job(name: str, url: str, day: date) -> subprocess.Popen:
    command = [part.format(day=day.isoformat()) for part in JOB_COMMANDS[name]]
    return subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": url,
            "REDIS_URL": django_settings.REDIS_URL,
        },
    )


def _connected(url: str, database: str) -> bool:
    """Whether a job holds a connection to ``database`` (it is past its start-up)."""
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
            return (
                db.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [database],
                ).fetchone()[0]
                > 0
            )
    except psycopg.OperationalError:
        return False


def _rows(url: str) -> dict:
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        return {
            "metrics": db.execute(
                "SELECT campaign_id, variant_id, language, date, unique_visitors, clicks"
                " FROM campaigns_campaigndailymetric ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST, 4"
            ).fetchall(),
            "statements": db.execute(
                "SELECT partner_id, currency, period_start, closing_balance"
                " FROM payouts_partnerstatement ORDER BY 1, 2, 3"
            ).fetchall(),
            "versions": db.execute(
                "SELECT status, is_active FROM recommender_modelversion WHERE run_key = 'night-restart'"
            ).fetchall(),
        }


def test_postgres_restart_under_the_nightly_jobs_is_retried_safely():
    # given the nightly jobs' data, and what an undisturbed night writes from it
    world = _nightly_world()
    connection.close()
    admin = "postgres"
    cluster = PrivatePostgres(port=POSTGRES_PORT)
    outcomes: dict[str, dict] = {}
    try:
        cluster.start()
        cluster.copy_database(source_url=database_url(), name="zq_night_calm")
        cluster.copy_database(source_url=database_url(), name="zq_night_restart")
        calm, restarted = cluster.url("zq_night_calm"), cluster.url("zq_night_restart")
        for name in JOB_COMMANDS:
            assert _job(name, calm, world["day"]).wait(timeout=600) == 0, name
        expected = _rows(calm)
        monitor = cluster.url(admin)

        # when the cluster restarts while each job runs (fast, then a crash for the next)
        for n, name in enumerate(JOB_COMMANDS):
            process = _job(name, restarted, world["day"])
            deadline = time.monotonic() + 120
            while process.poll() is None and not _connected(monitor, "zq_night_restart"):
                assert time.monotonic() < deadline, f"{name} never connected"
                time.sleep(0.02)
            hit = process.poll() is None
            cluster.restart("fast" if n % 2 == 0 else "immediate")
            _out, err = process.communicate(timeout=600)
            first = process.returncode
            # then the job either finished or failed on the lost connection (a retryable
            # database error), never on anything else
            assert first == 0 or any(kind in err for kind in RETRYABLE), err[-3000:]
            # and run again, as its task's retry does, it completes
            retry = _job(name, restarted, world["day"])
            _retry_out, retry_err = retry.communicate(timeout=600)
            assert retry.returncode == 0, retry_err[-3000:]
            outcomes[name] = {
                "hit": hit,
                "first": "completed" if first == 0 else "database error",
                "retry": "completed",
            }
        got = _rows(restarted)
    finally:
        cluster.stop()
    print("nightly jobs under a restart:", outcomes)

    # and nothing is lost or doubled: the same rows as the undisturbed night
    assert got["metrics"] == expected["metrics"] and got["metrics"]
    assert got["statements"] == expected["statements"] and len(got["statements"]) == 1
    assert got["versions"] == [("active", True)], got["versions"]
    statements_total = sum((row[3] for row in got["statements"]), Decimal("0"))
    assert statements_total == Decimal("49.75")
    for name, outcome in outcomes.items():
        fault_record(
            fault="PostgreSQL restarted (fast / immediate)",
            flow=f"nightly job: {name}",
            statuses={},
            before={"rows": len(expected[{"recommender": "versions"}.get(name, name)])},
            after={"rows": len(got[{"recommender": "versions"}.get(name, name)])},
            lost=0,
            doubled=0,
            note=f"restart during the run: {outcome['hit']}; first run: {outcome['first']}; retry: completed",
        )
