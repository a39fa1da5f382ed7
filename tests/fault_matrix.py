"""Rows of the fault matrix (issue 10), written by the fault tests as they run.

Each fault test calls ``fault_record(...)`` with what it measured: requests tried, answers
by status (5xx in all; of them 502 ``payment_outcome_unknown`` and 503
``service_unavailable`` are the documented answers to a fault, any other is counted as a
500, a bug), and the money rows (orders, provider charges, ledger entries) before and
after, plus the lost and doubled ones it counted. With ``FAULT_MATRIX_FILE`` set
(``bench/faults.py`` sets it) the rows are appended there as JSON lines; the bench prints
them as the matrix. Nothing here decides a test's outcome: the tests assert on the same
numbers themselves."""

import json
import os
from collections import Counter


def fault_record(
    *,
    fault: str,
    flow: str,
    statuses: Counter | dict,
    before: dict,
    after: dict,
    lost: int,
    doubled: int,
    note: str = "",
) -> dict:
    statuses = {int(code): count for code, count in dict(statuses).items()}
    row = {
        "fault": fault,
        "flow": flow,
        "tried": sum(statuses.values()),
        "status_5xx": sum(count for code, count in statuses.items() if code >= 500),
        # 502 payment_outcome_unknown and 503 service_unavailable are the documented answers
        # to a fault; anything else 5xx (a 500 above all) is a bug.
        "status_500": sum(
            count for code, count in statuses.items() if code >= 500 and code not in (502, 503)
        ),
        "status_502": statuses.get(502, 0),
        "status_503": statuses.get(503, 0),
        "statuses": {str(code): count for code, count in sorted(statuses.items())},
        "before": before,
        "after": after,
        "lost": lost,
        "doubled": doubled,
        "note": note,
    }
    path = os.environ.get("FAULT_MATRIX_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
    print("fault matrix row:", json.dumps(row))
    return row


def money_counts() -> dict:
    """Orders, provider charges and ledger rows of the test database, for before/after."""
    from commerce.models import LedgerEntry, Order, Refund, SandboxCharge

    return {
        "orders": Order.objects.count(),
        "paid_orders": Order.objects.filter(status=Order.Status.PAID).count(),
        "charges": SandboxCharge.objects.filter(kind="charge", status="succeeded").count(),
        "refunds": Refund.objects.count(),
        "provider_refunds": SandboxCharge.objects.filter(kind="refund").count(),
        "ledger": LedgerEntry.objects.count(),
    }
