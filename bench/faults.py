"""The fault matrix of the money paths (issue 10), from running the fault tests.

Runs the tests that inject each fault (they assert zero lost and zero doubled money
themselves) with ``FAULT_MATRIX_FILE`` set, so each writes the row it measured; then prints
the rows as one table: requests tried, 5xx seen (502 payment_outcome_unknown and 503
service_unavailable are the documented answers to a fault; any other 5xx is a bug), orders,
provider charges and ledger rows before -> after, and the lost and doubled ones counted.

Faults x flows:
- provider timeout before / after the charge, provider 5xx before / after it
  x checkout (API), refund (staff page), webhook, nightly reconciler
  (tests/commerce/test_fault_matrix.py, the fake Stripe server on 127.0.0.1);
- worker killed (SIGKILL) mid-run x seat-hold release, reconciler (tests/ops/test_money_task_kill.py);
- Redis killed x checkout under load (tests/ops/test_redis_outage.py);
- Redis killed x refund (staff page), webhook, and the nightly jobs (metrics, statements,
  training, reconciler); PostgreSQL restarted (a private cluster on port 9116) x the nightly
  jobs, each retried (tests/ops/test_nightly_faults.py, Redis on a free port);
- broker down x checkout, refund, webhook: the outbox (tests/ops/test_outbox_broker_outage.py);
- PostgreSQL restarted (pg_ctl restart -m fast, then -m immediate, a private cluster on
  port 8597) x checkout, webhook, refund through gunicorn (tests/ops/test_postgres_restart.py).

Run (PostgreSQL and Redis as for the tests; the ops tests use ports 8590-8599 and 9116, and
free ports in 20000-29999 for spare Redis servers;
about 15 minutes on a loaded 2-core machine, ``--quick`` runs only the provider matrix, ~2 min):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zq_money REDIS_URL=redis://127.0.0.1:6379/3 \\
    REQUIRE_SERVICES=1 .venv/bin/python bench/faults.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PROVIDER = ["tests/commerce/test_fault_matrix.py"]
OPERATIONS = [
    "tests/ops/test_money_task_kill.py",
    "tests/ops/test_redis_outage.py",
    "tests/ops/test_outbox_broker_outage.py",
    "tests/ops/test_postgres_restart.py",
    "tests/ops/test_nightly_faults.py",
]


def _pair(row: dict, name: str) -> str:
    before, after = row["before"].get(name), row["after"].get(name)
    return "-" if before is None else f"{before} -> {after}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="only the provider faults (no worker, Redis, PostgreSQL)"
    )
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        rows_file = handle.name
    tests = PROVIDER if args.quick else PROVIDER + OPERATIONS
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *tests, "-q", "-p", "no:cacheprovider"],
        cwd=BASE_DIR,
        env={**os.environ, "FAULT_MATRIX_FILE": rows_file},
    )
    rows = [json.loads(line) for line in Path(rows_file).read_text().splitlines() if line.strip()]
    os.unlink(rows_file)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nFault matrix ({len(rows)} rows, pytest exit {run.returncode}, load average {load}):\n")
    print(
        "| fault | flow | tried | 5xx | of which 502 | 503 | other 5xx | orders | charges "
        "| ledger rows | lost | doubled |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['fault']} | {row['flow']} | {row['tried']} | {row['status_5xx']} | {row['status_502']} "
            f"| {row['status_503']} | {row['status_500']} "
            f"| {_pair(row, 'orders')} | {_pair(row, 'charges')} | {_pair(row, 'ledger')} "
            f"| {row['lost']} | {row['doubled']} |"
        )
    bad = [row for row in rows if row["lost"] or row["doubled"] or row["status_500"]]
    print(f"\nlost or doubled money or 500s in {len(bad)} of {len(rows)} rows")
    return 1 if run.returncode or bad else 0


if __name__ == "__main__":
    sys.exit(main())
