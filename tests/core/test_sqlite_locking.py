"""The embedded SQLite database (``make run``'s default) is shared by the web process, a
Celery worker and beat: a transaction that reads and then writes must wait for another
writer instead of failing with "database is locked" (config/settings/base.py)."""

import pytest

from tests.sqlite_run import run_on_sqlite

# Two transactions on two connections: the first reads, pauses, then writes; the second
# reads and writes in the first one's pause. Under SQLite's default (deferred) transactions
# the first one's write then fails at once, whatever the busy timeout.
RACE = """
import json, threading, time
from django.db import OperationalError, connection, connections, transaction

if not KEEP_MODE:
    connections.settings["default"]["OPTIONS"].pop("transaction_mode", None)
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE race (n integer)")
read, errors = threading.Event(), []

def write(n, pause):
    try:
        if n == 2:
            read.wait(5)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM race")
                if n == 1:
                    read.set()
                time.sleep(pause)
                cursor.execute("INSERT INTO race VALUES (%s)", [n])
    except OperationalError as exc:
        errors.append(str(exc))
    finally:
        read.set()
        connection.close()

threads = [threading.Thread(target=write, args=(1, 0.5)), threading.Thread(target=write, args=(2, 0))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM race ORDER BY n")
    rows = [n for (n,) in cursor.fetchall()]
print(json.dumps({"errors": errors, "rows": rows}))
"""


@pytest.mark.parametrize("keep_mode", [True, False], ids=["as configured", "deferred"])
def test_a_read_then_write_transaction_waits_for_another_writer(tmp_path, keep_mode):
    result = run_on_sqlite(f"KEEP_MODE = {keep_mode}\n{RACE}", tmp_path / "db.sqlite3")

    if keep_mode:
        assert result == {"errors": [], "rows": [1, 2]}
    else:  # what the setting prevents: SQLite refuses one of the two at once
        assert result["errors"] == ["database is locked"]
        assert len(result["rows"]) == 1
