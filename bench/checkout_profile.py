"""CPU and queries of one coded checkout, in-process and independent of the machine's load.

Makes a course, a running campaign and one code per learner, then runs ``--warmup`` coded
checkouts (not counted: imports, caches) and ``--count`` measured ones through
``order_checkout`` with the sandbox provider (no network). Prints the queries of one
checkout (``--show-queries``), the mean ``time.process_time()`` per checkout (the CPU this
process spends: Python and the driver, not PostgreSQL's), the queries per checkout, the
PostgreSQL backend's CPU per checkout (from /proc, when the server runs on this machine) and
the WAL the server wrote per checkout (bytes, records, full-page images: the rows and index
entries a checkout writes, the same on a slow machine as on a fast one), with
``--profile`` the top of a cProfile of the measured checkouts, and with ``--per-statement``
the Python CPU spent before each statement (building it, and the code since the one
before): where hand-writing a statement would pay.

Run: createdb zq_checkout_prof; DATABASE_URL=postgres://postgres@127.0.0.1:5432/zq_checkout_prof \
    .venv/bin/python bench/checkout_profile.py [--count 200] [--profile] [--show-queries] \
    [--per-statement] [--provider stripe]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from campaigns.models import DiscountCode  # noqa: E402
from commerce.services import order_checkout  # noqa: E402
from tests.campaigns.factories import CampaignFactory  # noqa: E402
from tests.factories import CourseFactory, demo_course_texts  # noqa: E402


class _StatementGaps:
    """An execute wrapper: the process CPU between the end of one statement and the start of
    the next is put on the next one's account (its first words name it). What the ORM spends
    building a statement shows up there, beside what the code did since the last one."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.count: dict[str, int] = defaultdict(int)
        self.wall: dict[str, float] = defaultdict(float)  # waiting for the statement's answer
        self.last = time.process_time()

    def __call__(self, execute, sql, params, many, context):
        name = " ".join(sql.split())[:90]
        self.cpu[name] += time.process_time() - self.last
        self.count[name] += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.wall[name] += time.perf_counter() - began
            self.last = time.process_time()


def prepare(buyers: int):
    run = uuid.uuid4().hex[:6]
    # The course carries a real course's texts: rows of real width where a sale reads it.
    course = CourseFactory(
        slug=f"prof-{run}",
        instructor__slug=f"prof-{run}",
        category__slug=f"prof-{run}",
        **demo_course_texts(),
    )
    campaign = CampaignFactory(slug=f"prof-{run}", partner__slug=f"prof-{run}", courses=[course])
    users = User.objects.bulk_create(
        [User(username=f"prof-{run}-{i}", email=f"p{i}@{run}.example", password="!") for i in range(buyers)]
    )
    codes = [f"P{run}{i:06d}".upper() for i in range(buyers)]
    DiscountCode.objects.bulk_create(
        [DiscountCode(campaign=campaign, code=c, max_redemptions=1, per_customer_limit=1) for c in codes]
    )
    return course, users, codes


def _backend_cpu() -> float | None:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far, read from
    /proc when the server runs on this machine; None otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of stat (utime, stime), counted after the ")" of the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wal_written() -> tuple[int, int, int]:
    """WAL the whole server has written so far: bytes (its insert position), records and
    full-page images (``pg_stat_wal``, this backend's counts flushed first). Unlike CPU, a
    checkout's share does not change with the machine's speed: it counts the rows and
    index entries written, so a change to the write path shows in one run. Other
    sessions writing at the same time are counted too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
        position = int(cursor.fetchone()[0])
        cursor.execute("SELECT wal_records, wal_fpi FROM pg_stat_wal")
        records, images = cursor.fetchone()
    return position, int(records), int(images)


def _tottime_by_area(stats: pstats.Stats) -> dict[str, float]:
    """Own (not cumulative) time per library or project app: where the CPU goes, summed."""
    root = str(Path(__file__).resolve().parent.parent) + os.sep
    areas: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages" in filename:
            rest = filename.split("site-packages" + os.sep, 1)[1].split(os.sep)
            area = "/".join(rest[:3]) if rest[0] == "django" else rest[0]
        elif filename.startswith(root):
            area = "project: " + filename[len(root) :].split(os.sep)[0]
        elif filename.startswith("~") or filename.startswith("<"):
            area = "builtins"
        else:
            area = "stdlib"
        areas[area] = areas.get(area, 0.0) + tottime
    return areas


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show-queries", action="store_true")
    parser.add_argument("--provider", choices=["sandbox", "stripe"], default="sandbox")
    parser.add_argument("--stripe-port", type=int, default=0, help="the fake Stripe's port (0: any)")
    parser.add_argument("--filter", default="", help="only profile rows whose file matches this")
    parser.add_argument(
        "--clock", choices=["cpu", "wall"], default="cpu", help="cProfile's clock (wall: where the waits are)"
    )
    parser.add_argument("--dump", default="", help="write the raw cProfile stats to this file")
    parser.add_argument(
        "--per-statement",
        action="store_true",
        help="the Python CPU spent before each statement (building it, and the code since the last one)",
    )
    parser.add_argument(
        "--server-binding",
        type=int,
        default=None,
        metavar="THRESHOLD",
        help="experiment: psycopg server-side binding with prepared statements after THRESHOLD runs",
    )
    args = parser.parse_args()
    if args.server_binding is not None:
        settings.DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=args.server_binding
        )
    call_command("migrate", verbosity=0)
    settings.PAYMENT_PROVIDERS_ENABLED = [args.provider]
    fake = None
    if args.provider == "stripe":
        # The fake Stripe of the tests, answering at once, in a thread of this process: its
        # CPU is counted in this process's time too (a real Stripe is another machine), so
        # the stripe figure is an upper bound of the adapter's cost.
        import logging

        from tests.commerce.fake_stripe import FakeStripe

        logging.getLogger("stripe").setLevel(logging.WARNING)
        fake = FakeStripe(port=args.stripe_port).start()
        settings.STRIPE_API_KEY = "sk_test_profile"
        settings.STRIPE_API_BASE = fake.url
    from config.celery import app

    app.conf.task_always_eager = not settings.REDIS_URL
    course, users, codes = prepare(args.warmup + args.count + 1)

    def checkout(i: int):
        return order_checkout(
            user=users[i],
            items=[{"course": course.slug}],
            currency="USD",
            discount_code=codes[i],
            payment=(
                {"provider": "stripe", "token": "pm_card_visa"}
                if fake
                else {"provider": "sandbox", "token": "tok_success"}
            ),
            idempotency_key=f"prof-{i}",
        )

    for i in range(args.warmup):
        checkout(i)
    with CaptureQueriesContext(connection) as captured:
        checkout(args.warmup)
    queries = [q["sql"] for q in captured.captured_queries]
    if args.show_queries:
        for n, query in enumerate(captured.captured_queries, 1):
            print(f"{n:3d} {float(query['time']) * 1000:6.2f} ms  {query['sql'][:400]}")
        print()
    first = args.warmup + 1
    # CPU time, not wall: under load the wall clock mostly measures other processes.
    backend_before = _backend_cpu()
    wal_before = _wal_written()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    profiler = cProfile.Profile(clock) if args.profile else None
    began_cpu, began_wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    gaps = _StatementGaps() if args.per_statement else None
    with connection.execute_wrapper(gaps) if gaps else contextlib.nullcontext():
        for i in range(first, first + args.count):
            checkout(i)
    if profiler:
        profiler.disable()
    cpu = (time.process_time() - began_cpu) / args.count * 1000
    backend_after = _backend_cpu()
    wal = [(after - before) / args.count for after, before in zip(_wal_written(), wal_before, strict=True)]
    wall = (time.perf_counter() - began_wall) / args.count * 1000
    print(
        f"statements per coded checkout: {len(queries)}, of which "
        f"{sum(1 for q in queries if q in ('BEGIN', 'COMMIT'))} BEGIN/COMMIT and "
        f"{sum(1 for q in queries if q.startswith(('SAVEPOINT', 'RELEASE')))} SAVEPOINT/RELEASE"
    )
    print(
        f"CPU per checkout (this process, {'with cProfile, inflated' if profiler else 'time.process_time'}): "
        f"{cpu:.2f} ms; wall {wall:.2f} ms; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    if backend_before is not None and backend_after is not None:
        print(
            f"PostgreSQL backend CPU per checkout (its /proc stat, this connection): "
            f"{(backend_after - backend_before) / args.count * 1000:.2f} ms"
        )
    print(
        f"WAL per checkout (the server's): {wal[0]:.0f} bytes, {wal[1]:.1f} records, "
        f"of which {wal[2]:.2f} full-page images (first writes of a page after a checkpoint)"
    )
    if gaps:
        print(
            "Python CPU before each statement, per checkout (building it and the code since the last),"
            " and the wall time waiting for its answer:"
        )
        for statement, seconds in sorted(gaps.cpu.items(), key=lambda kv: -kv[1])[:30]:
            times = gaps.count[statement] / args.count
            waited = gaps.wall[statement] / args.count * 1000
            cpu = seconds / args.count * 1000
            print(f"  {cpu:6.2f} ms  {times:4.1f}x  answer {waited:6.2f} ms  {statement}")
        print(f"  {sum(gaps.cpu.values()) / args.count * 1000:6.2f} ms in all")
    if profiler:
        if args.dump:
            profiler.dump_stats(args.dump)
        by_area = _tottime_by_area(pstats.Stats(profiler))
        total = sum(by_area.values()) or 1.0
        print("own time by area (share of the profiled CPU):")
        for area, seconds in sorted(by_area.items(), key=lambda kv: -kv[1]):
            print(f"  {area:<28} {seconds / args.count * 1000:7.2f} ms  {seconds / total:6.1%}")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.filter, 60)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
