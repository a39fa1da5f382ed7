"""A real PostgreSQL restart under money traffic (issue 10).

The test database is copied into a PostgreSQL cluster of the test's own (initdb on port
8597; the shared server is never touched) and a gunicorn process serves the app on it with
persistent connections (``CONN_MAX_AGE=60``, ``CONN_HEALTH_CHECKS``). While threads buy
(API checkout), pay pending orders (signed sandbox webhooks) and refund (the staff refund
page), the cluster is restarted twice: ``pg_ctl restart -m fast`` then ``-m immediate`` (a
crash, WAL recovery on start). Then:

- nothing answered 500: requests caught by the restart answered a clean 503;
- the same gunicorn process answers again without a restart of its own;
- each request retried as a client would (same Idempotency-Key, same webhook event id,
  the refund page again) and the reconciler's pass leave exactly one paid order, one
  charge and one set of ledger rows per checkout, one payment per webhook, one refund
  (one provider refund, one set of reversing ledger rows) per refunded order.
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from commerce.payments.sandbox import SIGNATURE_HEADER, sign
from commerce.services import order_checkout
from tests.factories import CourseFactory, UserFactory
from tests.fault_matrix import fault_record
from tests.ops.private_postgres import PrivatePostgres
from tests.ops.workers import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
WEB_PORT = 8596
DATABASE = "zq_restart"
CHECKOUTS, WEBHOOKS, REFUNDS = 120, 40, 40


@contextlib.contextmanager
def gunicorn(database: str, log: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database,
        "REDIS_URL": settings.REDIS_URL,
        "CONN_MAX_AGE": "60",
        "CONN_HEALTH_CHECKS": "true",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "120",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(f"http://127.0.0.1:{WEB_PORT}/healthz", timeout=10).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def money_rows(url: str) -> dict:
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "orders": one("SELECT count(*) FROM commerce_order"),
            "paid_orders": one("SELECT count(*) FROM commerce_order WHERE status = 'paid'"),
            "refunded_orders": one("SELECT count(*) FROM commerce_order WHERE status = 'refunded'"),
            "charges": one(
                "SELECT count(*) FROM commerce_sandboxcharge WHERE kind = 'charge' AND status = 'succeeded'"
            ),
            "provider_refunds": one("SELECT count(*) FROM commerce_sandboxcharge WHERE kind = 'refund'"),
            "refunds": one("SELECT count(*) FROM commerce_refund"),
            "ledger": one("SELECT count(*) FROM commerce_ledgerentry"),
        }


class Traffic:
    """Threads that keep money moving through the web process and remember every request
    (its key and its first answer) so the test can retry each one afterwards."""

    def __init__(self, base: str, staff_cookie: str) -> None:
        self.base, self.staff_cookie = base, staff_cookie
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.seen: list[tuple[str, int, float]] = []
        self.checkouts: dict[str, tuple[str, dict, int]] = {}
        self.webhooks: dict[str, tuple[bytes, int]] = {}
        self.refunds: dict[int, int] = {}

    def _note(self, flow: str, status: int) -> None:
        with self.lock:
            self.seen.append((flow, status, time.monotonic()))

    def checkout(self, token: str, course: str) -> int:
        key = uuid.uuid4().hex
        body = {
            "items": [{"course": course}],
            "currency": "USD",
            "payment": {"provider": "sandbox", "token": "tok_success"},
        }
        status = self.post_checkout(token, key, body)
        self.checkouts[key] = (token, body, status)
        return status

    def post_checkout(self, token: str, key: str, body: dict) -> int:
        response = requests.post(
            f"{self.base}/api/v1/checkout/",
            json=body,
            timeout=60,
            headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
        )
        self._note("checkout", response.status_code)
        return response.status_code

    def webhook(self, reference: str) -> int:
        body = json.dumps(
            {"id": f"evt_{uuid.uuid4().hex}", "type": "payment.succeeded", "data": {"reference": reference}}
        ).encode()
        status = self.post_webhook(body)
        self.webhooks[reference] = (body, status)
        return status

    def post_webhook(self, body: bytes) -> int:
        response = requests.post(
            f"{self.base}/api/v1/payments/webhooks/sandbox/",
            data=body,
            timeout=60,
            headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body)},
        )
        self._note("webhook", response.status_code)
        return response.status_code

    def refund(self, order_pk: int, amount: str) -> int:
        session = requests.Session()
        session.cookies.set("sessionid", self.staff_cookie)
        url = f"{self.base}/admin/commerce/order/{order_pk}/refund/"
        page = session.get(url, timeout=60)
        self._note("refund", page.status_code)
        if page.status_code != 200:
            self.refunds.setdefault(order_pk, page.status_code)
            return page.status_code
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = session.post(
            url,
            data={"csrfmiddlewaretoken": token, "amount": amount, "reason": "restart test"},
            headers={"Referer": url},
            timeout=60,
            allow_redirects=False,
        )
        self._note("refund", response.status_code)
        self.refunds.setdefault(order_pk, response.status_code)
        return response.status_code

    def run(self, work: list) -> None:
        while not self.stop.is_set() and work:
            with self.lock:
                if not work:
                    return
                job = work.pop()
            job()


def test_postgres_restart_mid_flow_loses_and_doubles_no_money(tmp_path):
    # given, in the test database: learners with API tokens, pending orders waiting for
    # their webhook, paid orders to refund, and a signed-in staff session
    course = CourseFactory(slug="restart-course")
    other = CourseFactory(slug="restart-other")
    tokens = [Token.objects.create(user=UserFactory(username=f"buyer-{n}")).key for n in range(CHECKOUTS)]
    pending = [
        order_checkout(
            user=UserFactory(username=f"waiter-{n}"),
            items=[{"course": other.slug}],
            currency="USD",
            payment={"provider": "sandbox", "token": "tok_pending"},
        ).order
        for n in range(WEBHOOKS)
    ]
    paid = [
        order_checkout(
            user=UserFactory(username=f"refundee-{n}"),
            items=[{"course": other.slug}],
            currency="USD",
            payment={"provider": "sandbox", "token": "tok_success"},
        ).order
        for n in range(REFUNDS)
    ]
    staff = UserFactory(username="restart-staff", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(staff)
    staff_cookie = browser.cookies["sessionid"].value
    connection.close()

    cluster = PrivatePostgres()
    try:
        cluster.start()
        cluster.copy_database(source_url=database_url(), name=DATABASE)
        url = cluster.url(DATABASE)
        with gunicorn(url, tmp_path / "gunicorn.log") as web:
            before = money_rows(url)
            traffic = Traffic(f"http://127.0.0.1:{WEB_PORT}", staff_cookie)
            work = [lambda t=t: traffic.checkout(t, course.slug) for t in tokens]
            hooks = [lambda r=o.payment_reference: traffic.webhook(r) for o in pending]
            refunds = [lambda o=o: traffic.refund(o.pk, str(o.total)) for o in paid]
            threads = [
                threading.Thread(target=traffic.run, args=(queue,)) for queue in (work, work, hooks, refunds)
            ]
            for thread in threads:
                thread.start()
            try:
                # when the cluster restarts twice mid-flow: a clean shutdown, then a crash
                time.sleep(2.0)
                restarts = []
                for mode in ("fast", "immediate"):
                    began = time.monotonic()
                    cluster.restart(mode)
                    restarts.append((mode, began, time.monotonic()))
                    time.sleep(2.0)
                time.sleep(1.0)
            finally:
                traffic.stop.set()
                for thread in threads:
                    thread.join(timeout=120)

            statuses = Counter(status for _flow, status, _at in traffic.seen)
            print("restarts:", [(m, round(e - b, 2)) for m, b, e in restarts], "answers:", statuses)
            # then nothing answered 500, the restart was felt (503s), and the same process
            # answers again without being restarted
            assert not [s for s in statuses if s >= 500 and s != 503], statuses
            assert statuses[503] >= 1, statuses
            assert web.poll() is None
            retried_from = len(traffic.seen)

            # and every request retried as a client would settles once, on the same process
            for key, (token, body, _first) in traffic.checkouts.items():
                assert traffic.post_checkout(token, key, body) == 201
            for body, _first in traffic.webhooks.values():
                assert traffic.post_webhook(body) == 200
            by_pk = {o.pk: o for o in paid}
            for order_pk in traffic.refunds:
                # a refund page caught by the restart is submitted again; one whose first
                # refund is still pending refuses the amount (200 with the form error)
                assert traffic.refund(order_pk, str(by_pk[order_pk].total)) in (200, 302)
            reconcile = subprocess.run(
                [
                    sys.executable,
                    "manage.py",
                    "shell",
                    "-c",
                    "from commerce.services import payments_reconcile; print(payments_reconcile())",
                ],
                cwd=BASE_DIR,
                capture_output=True,
                text=True,
                timeout=120,
                env={
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "config.settings.test",
                    "DATABASE_URL": url,
                    "REDIS_URL": settings.REDIS_URL,
                    "COMMERCE_RECONCILE_AFTER_SECONDS": "0",
                },
            )
            assert reconcile.returncode == 0, reconcile.stderr[-3000:]
            assert web.poll() is None
            assert all(s < 500 for _f, s, _at in traffic.seen[retried_from:]), traffic.seen[retried_from:]
            after = money_rows(url)
            # Only what was asked: the threads stop with the run, not every order got its turn.
            hooked = [o.pk for o in pending if o.payment_reference in traffic.webhooks]
            checks = _money_checks(url, traffic, hooked, list(traffic.refunds))
    finally:
        cluster.stop()

    per_flow = Counter()
    for flow, status, _at in traffic.seen:
        per_flow[(flow, status)] += 1
    for flow in ("checkout", "webhook", "refund"):
        fault_record(
            fault="PostgreSQL restarted (fast + immediate)",
            flow=flow,
            statuses={s: n for (f, s), n in per_flow.items() if f == flow},
            before=before,
            after=after,
            lost=checks[flow]["lost"],
            doubled=checks[flow]["doubled"],
        )
    assert checks == {
        "checkout": {"lost": 0, "doubled": 0},
        "webhook": {"lost": 0, "doubled": 0},
        "refund": {"lost": 0, "doubled": 0},
    }, checks
    sales_per_order = 2  # the instructor's and the platform's shares of one line
    assert after["orders"] - before["orders"] == len(traffic.checkouts)
    assert after["charges"] - before["charges"] == len(traffic.checkouts)
    assert after["paid_orders"] - before["paid_orders"] == len(traffic.checkouts) + len(
        traffic.webhooks
    ) - len(traffic.refunds)
    assert after["provider_refunds"] - before["provider_refunds"] == len(traffic.refunds)
    assert after["ledger"] - before["ledger"] == sales_per_order * (
        len(traffic.checkouts) + len(traffic.webhooks) + len(traffic.refunds)
    )


def _money_checks(url: str, traffic: Traffic, pending_pks: list[int], refunded_pks: list[int]) -> dict:
    """Per flow, how many requests ended with no money row (lost) or more than one (doubled)."""
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as db:
        keys = list(traffic.checkouts)
        rows = db.execute(
            """
            SELECT k.key, o.status,
                   (SELECT count(*) FROM commerce_sandboxcharge c
                     WHERE c.order_number = o.number::text AND c.kind = 'charge' AND c.status = 'succeeded'),
                   (SELECT count(*) FROM commerce_ledgerentry l WHERE l.order_id = o.id AND l.kind = 'sale'),
                   (SELECT count(*) FROM commerce_order o2 WHERE o2.user_id = k.user_id)
              FROM commerce_idempotencykey k LEFT JOIN commerce_order o ON o.id = k.order_id
             WHERE k.key = ANY(%s)
            """,
            [keys],
        ).fetchall()
        lost = len(keys) - len(rows) + sum(1 for _k, status, *_ in rows if status != "paid")
        doubled = sum(1 for _k, _s, charges, _l, orders in rows if charges > 1 or orders > 1)
        sales = {ledger for *_x, ledger, _o in rows}
        checkout = {"lost": lost, "doubled": doubled + (len(sales) > 1)}

        hooks = db.execute(
            """
            SELECT o.status,
                   (SELECT count(*) FROM commerce_ledgerentry l
                     WHERE l.order_id = o.id AND l.kind = 'sale')
              FROM commerce_order o WHERE o.id = ANY(%s)
            """,
            [pending_pks],
        ).fetchall()
        webhook = {
            "lost": sum(1 for status, _l in hooks if status != "paid"),
            "doubled": sum(1 for _s, ledger in hooks if ledger != 2),
        }

        refunds = db.execute(
            """
            SELECT o.status, o.amount_refunded = o.total,
                   (SELECT count(*) FROM commerce_refund r
                     WHERE r.order_id = o.id AND r.status = 'succeeded'),
                   (SELECT count(*) FROM commerce_refund r
                     WHERE r.order_id = o.id AND r.status = 'pending'),
                   (SELECT count(*) FROM commerce_sandboxcharge c
                     WHERE c.order_number = o.number::text AND c.kind = 'refund'),
                   (SELECT count(*) FROM commerce_ledgerentry l
                     WHERE l.order_id = o.id AND l.kind = 'refund'),
                   (SELECT coalesce(sum(amount), 0) FROM commerce_ledgerentry l WHERE l.order_id = o.id)
              FROM commerce_order o WHERE o.id = ANY(%s)
            """,
            [refunded_pks],
        ).fetchall()
        refund = {
            "lost": sum(
                1
                for status, full, ok, waiting, *_ in refunds
                if status != "refunded" or not full or ok == 0 or waiting
            ),
            "doubled": sum(
                1
                for *_x, ok, _w, provider, ledger, net in refunds
                if ok > 1 or provider > 1 or ledger != 2 or net != 0
            ),
        }
    return {"checkout": checkout, "webhook": webhook, "refund": refund}
