"""The reconciler and the seat-hold release survive a worker killed mid-run (issue 10).

A real Celery worker on a Redis of the test's own (3-second visibility timeout) takes the
task; the test holds the row lock of one order in the middle of the batch, so the task is
caught after settling the orders before it and while waiting on that one. The worker is
killed with SIGKILL (its waiting database session dies with it, as with a lost machine),
a replacement starts, and the redelivered task (``acks_late``) finishes the batch. Each
seat is released once and each order settled once: the seats of other, paid orders are
still taken, the ledger has one sale per share of each order, one receipt each."""

import time
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from commerce.models import LedgerEntry, Order, OrderLine, Payment, SandboxCharge
from commerce.services import order_checkout
from commerce.services.receipts import RECEIPT_TOPIC
from commerce.tasks import reconcile_payments, release_expired_seat_holds
from core.models import OutboxMessage
from courses.models import Enrollment, LiveSession
from courses.services import course_enrollment_counts_fold
from tests.factories import LiveSessionFactory, UserFactory
from tests.fault_matrix import fault_record
from tests.ops.services import celery_broker, spare_redis
from tests.ops.test_worker_kill import _lock_waiters
from tests.ops.workers import Worker, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PENDING, PAID = 12, 4
CAUGHT_AT = 5  # the task is caught on the sixth order of its batch


def _buy(n: int, session: LiveSession, token: str) -> Order:
    return order_checkout(
        user=UserFactory(username=f"kill-{token}-{n}"),
        items=[{"course": session.course.slug, "live_session": session.pk}],
        currency="USD",
        payment={"provider": "sandbox", "token": token},
    ).order


def _money() -> dict:
    return {
        "orders": Order.objects.count(),
        "paid_orders": Order.objects.filter(status=Order.Status.PAID).count(),
        "charges": SandboxCharge.objects.filter(kind="charge").count(),
        "ledger": LedgerEntry.objects.count(),
        "seats_taken": LiveSession.objects.get().seats_taken,
        "receipts": OutboxMessage.objects.filter(topic=RECEIPT_TOPIC).count(),
    }


def _kill_mid_run(tmp_path, task, orders: list[Order], done) -> Worker:
    """Start a worker, send ``task``, catch it on ``orders[CAUGHT_AT]``, kill the worker,
    and let a replacement finish; returns the replacement (stopped by the caller)."""
    with spare_redis(tmp_path) as redis_server, celery_broker(redis_server.url):
        env = {
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_server.url,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
            "CELERY_VISIBILITY_TIMEOUT": "3",
        }
        worker = Worker("money", "interactive", tmp_path / "money.log", env)
        replacement = None
        locker = psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=False)
        try:
            worker.wait_ready()
            with locker.cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM commerce_order WHERE id = %s FOR UPDATE", [orders[CAUGHT_AT].pk]
                )
                task.delay()
                worker.wait_for(
                    lambda: _lock_waiters(locker.cursor()), 60, "the task to reach the locked order"
                )
                # the orders before it are settled and committed, one transaction each
                assert sum(done(o) for o in orders) == CAUGHT_AT
                waiting = _lock_waiters(cursor)
                worker.kill()
                cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [waiting])
            locker.rollback()
            assert sum(done(o) for o in orders) == CAUGHT_AT

            replacement = Worker("money-2", "interactive", tmp_path / "money-2.log", env)
            replacement.wait_ready()
            replacement.wait_for(lambda: all(done(o) for o in orders), 90, "the redelivered task")
            # a moment for a second, wrong delivery to show itself
            time.sleep(1.0)
            assert task.name in replacement.text()
        finally:
            locker.close()
            for w in (worker, replacement):
                if w is not None:
                    w.stop()
    connection.close()
    return replacement


def test_killed_seat_hold_release_frees_every_seat_once(tmp_path):
    # given a class with 4 seats sold and 12 held by pending orders whose hold ran out
    session = LiveSessionFactory(capacity=PENDING + PAID)
    for n in range(PAID):
        assert _buy(n, session, "tok_success").status == Order.Status.PAID
    pending = [_buy(n, session, "tok_pending") for n in range(PENDING)]
    OrderLine.objects.filter(order__in=pending).update(
        seat_hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    before = _money()
    assert before["seats_taken"] == PENDING + PAID

    # when the release task dies mid-batch and is delivered again
    def cancelled(order: Order) -> bool:
        return Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED

    _kill_mid_run(tmp_path, release_expired_seat_holds, pending, cancelled)

    # then every held seat is released once: the sold seats are still taken
    after = _money()
    lines = OrderLine.objects.filter(order__in=pending)
    assert after["seats_taken"] == PAID, after
    assert set(lines.values_list("seat", flat=True)) == {OrderLine.Seat.RELEASED}
    assert Payment.objects.filter(order__in=pending, status=Payment.Status.FAILED).count() == PENDING
    assert after["ledger"] == before["ledger"]
    fault_record(
        fault="worker killed (SIGKILL) mid-run",
        flow="nightly jobs: seat-hold release",
        statuses={},
        before=before,
        after=after,
        lost=PENDING - sum(cancelled(o) for o in pending),
        doubled=PAID - after["seats_taken"],
        note=f"{PENDING} expired holds, task caught on the {CAUGHT_AT + 1}th",
    )


def test_killed_reconciler_settles_every_charged_order_once(tmp_path):
    # given orders the provider charged while their checkout died before marking them paid
    session = LiveSessionFactory(capacity=PENDING + PAID)
    pending = [_buy(n, session, "tok_pending") for n in range(PENDING)]
    SandboxCharge.objects.filter(order_number__in=[str(o.number) for o in pending]).update(status="succeeded")
    Order.objects.filter(pk__in=[o.pk for o in pending]).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    before = _money()

    # when the reconciler dies mid-batch and is delivered again
    def paid(order: Order) -> bool:
        return Order.objects.get(pk=order.pk).status == Order.Status.PAID

    _kill_mid_run(tmp_path, reconcile_payments, pending, paid)

    # then each order is paid once: one enrollment, one sale per share, one receipt, no
    # new charge, its seat taken once
    after = _money()
    sales = [LedgerEntry.objects.filter(order=o, kind="sale").count() for o in pending]
    assert sales == [2] * PENDING, sales
    assert Enrollment.objects.filter(course=session.course).count() == PENDING
    course_enrollment_counts_fold()
    assert session.course.__class__.objects.get(pk=session.course_id).enrollment_count == PENDING
    assert after["charges"] == before["charges"]
    assert after["seats_taken"] == before["seats_taken"] == PENDING
    assert after["receipts"] - before["receipts"] == PENDING
    fault_record(
        fault="worker killed (SIGKILL) mid-run",
        flow="nightly jobs: reconciler",
        statuses={},
        before=before,
        after=after,
        lost=PENDING - sum(paid(o) for o in pending),
        doubled=sum(1 for s in sales if s > 2) + (after["charges"] - before["charges"]),
        note=f"{PENDING} charged-but-pending orders, task caught on the {CAUGHT_AT + 1}th",
    )
