"""The money tasks hold a lease: a run that finds another one working skips instead of
working beside it; the lease is a PostgreSQL advisory lock of the worker's session, so it
ends with that session (a killed worker's lease does not outlive its connection)."""

import time
import zlib

import psycopg
import pytest
from django.db import connection

from commerce.tasks import reconcile_payments, release_expired_seat_holds
from tests.ops.workers import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.mark.parametrize(
    ("task", "name", "skipped"),
    [
        (reconcile_payments, "reconcile_payments", {"skipped": 1}),
        (release_expired_seat_holds, "release_expired_seat_holds", 0),
    ],
)
def test_a_run_skips_while_another_holds_the_lease(task, name, skipped):
    key = zlib.crc32(f"commerce.lease.{name}".encode())
    other = psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [key])
        assert task() == skipped
    finally:
        # the holder's session ends: so does its lease (the server notices a moment later)
        other.close()
    deadline = time.monotonic() + 10
    while not _free(key) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert task() == ({} if name == "reconcile_payments" else 0)


def _free(key: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    return True


def test_behind_a_transaction_pooler_there_is_no_session_lease(settings):
    # pgbouncer in transaction mode could run the unlock on another server session and
    # leave the lock held for good: runs then simply proceed (their row locks keep them safe)
    from commerce.tasks import task_lease

    key = zlib.crc32(b"commerce.lease.pooled")
    other = psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=True)
    previous = connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS", False)
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [key])
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
        with task_lease("pooled") as held:
            assert held is True
    finally:
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = previous
        other.close()
