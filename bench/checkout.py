"""Coded checkouts per second for one campaign, at several concurrencies (PostgreSQL only).

Every checkout is a different learner buying the same course of one running campaign with a
discount code of that campaign (by default each learner has its own code, as issued by
``POST campaigns/<id>/codes/``; ``--shared-code`` makes all of them use one public code),
paid with Stripe through the real adapter against the fake Stripe server of the tests on
127.0.0.1, which answers after ``--delays`` seconds (0.3 = a slow provider, 0 = instant).
Threads call ``order_checkout`` directly, each with its own database connection, so the
numbers are about the locks and the transaction shape, not HTTP parsing. The threads are
spread over ``--processes`` forked processes (default: one per CPU, as gunicorn's workers
spread requests); ``--processes 1`` puts them all in one process, behind one GIL. Each
connection has its thread, unless ``--threads N``: then each process makes checkouts on N
threads and the other connections' requests wait for a free one, as under gunicorn's
gthread worker (``-w P --threads N``), where a provider's wait holds a thread.

Each thread first makes ``--warmup`` untimed checkouts (default 12): the first opens its
database connection and its HTTP session to the provider; after
``DATABASE_PREPARE_THRESHOLD`` (5) runs psycopg prepares each of the checkout's statements,
and PostgreSQL plans the first five runs of a prepared statement one by one before it keeps
a generic plan (``plan_cache_mode = auto``). A server's long-lived connections are past
both. With 6, the first 1.5 s of a level at 32 ran at about 3/4 of the rate that followed
(p95 307 ms, against 263 ms with 12); with 6 and
``PGOPTIONS="-c plan_cache_mode=force_generic_plan"`` that slow start was gone too. The
clock of a level starts once every thread has made them. Before each level the sales'
learner-count changes are folded into the course, as the every-minute task does, and the
tables whose rows the checkouts update or the fold deletes are vacuumed, as a live
database's autovacuum keeps them (autovacuum is off on this machine). The checkouts pass
each process's gate as a server's would (``COMMERCE_CHECKOUT_SLOTS``, default 2; ``COMMERCE_CHECKOUT_SLOTS=0``
measures without it).
Prints one line per (delay, concurrency):
checkouts, seconds, checkouts/s, p50 and p95 in ms, the untimed first checkouts' p50 and
max, errors, the CPU per checkout of the workers and of the fake provider, the whole
machine's busy CPU per timed checkout (PostgreSQL and the kernel included: two cores
divided by it is the ceiling of checkouts/s) with its busy and kernel shares, and the load
average; then the same as a table, and the goals:
throughput grows with concurrency (or, once a level keeps the CPUs 85 % busy, holds at 90 %
of it at the next: with an instant provider 8 connections can use the two cores up), p95 <
1 s at 32 with the 300 ms provider, p95 < 300 ms at 32 with the instant one. About 1
minute with the defaults (6 levels x 6 s, plus setup).

Run: createdb zq_money_bench; DATABASE_URL=postgres://postgres@127.0.0.1:5432/zq_money_bench \
    .venv/bin/python bench/checkout.py [--seconds 6] [--concurrency 1,8,32] [--delays 0.3,0] \
    [--stripe-port 8350]  (the fake Stripe's port; default 0 = any free port) \
    [--transport inproc]  (the fake answers inside each worker, no socket: an instant provider) \
    [--processes P --threads N]  (P processes of N checkout threads, as gunicorn -w P --threads N)
"""

from __future__ import annotations

import argparse
import itertools
import logging
import multiprocessing
import os
import platform
import queue
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from accounts.models import User  # noqa: E402
from campaigns.models import CodeRedemption, DiscountCode  # noqa: E402
from commerce.models import Order, OrderLine, Payment  # noqa: E402
from commerce.services import order_checkout  # noqa: E402
from courses.models import EnrollmentCountChange  # noqa: E402
from courses.services import course_enrollment_counts_fold  # noqa: E402
from tests.campaigns.factories import CampaignFactory  # noqa: E402
from tests.commerce.fake_stripe import FakeStripe  # noqa: E402
from tests.factories import CourseFactory, demo_course_texts  # noqa: E402

# A level whose CPUs were this busy is CPU-bound: more connections cannot add checkouts/s,
# only hold them (the rate a lock convoy would make fall).
SATURATED = 0.85
HELD = 0.9


def _scales(lower: dict, higher: dict) -> bool:
    """More connections gave more checkouts/s, or the fewer already used the CPUs up and the
    more kept at least HELD of their rate."""
    if higher["rate"] > lower["rate"]:
        return True
    return lower["busy_share"] >= SATURATED and higher["rate"] >= HELD * lower["rate"]


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_cpu() -> tuple[float, float]:
    """Busy and all CPU seconds of the whole machine so far (every core, every process:
    the workers, PostgreSQL, the kernel's share), from ``/proc/stat``."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in stat.readline().split()[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    busy = user + nice + system + irq + softirq + steal
    return busy / tick, (busy + idle + iowait) / tick, system / tick


def vacuum_updated_tables() -> None:
    """The sales' learner-count changes folded into the course (the task does it every
    minute), then the tables whose rows every checkout updates or the fold deletes (the
    code's uses, the order, its line, payment and redemption, the count changes) vacuumed
    as autovacuum would keep them on a live database. Outside any transaction, as VACUUM
    must be."""
    course_enrollment_counts_fold()
    tables = [
        model._meta.db_table
        for model in (DiscountCode, Order, OrderLine, Payment, CodeRedemption, EnrollmentCountChange)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare(buyers: int, shared_code: bool):
    run = uuid.uuid4().hex[:6]
    # The course carries a real course's texts (so a row of real width, which the fold
    # between levels rewrites).
    course = CourseFactory(
        slug=f"bench-{run}",
        instructor__slug=f"bench-{run}",
        category__slug=f"bench-{run}",
        **demo_course_texts(),
    )
    campaign = CampaignFactory(slug=f"bench-{run}", partner__slug=f"bench-{run}", courses=[course])
    # Unusable passwords: hashing thousands of real ones would take minutes.
    users = User.objects.bulk_create(
        [User(username=f"bench-{run}-{i}", email=f"b{i}@{run}.example", password="!") for i in range(buyers)]
    )
    if shared_code:
        DiscountCode.objects.create(
            campaign=campaign, code=f"BENCH{run}".upper(), max_redemptions=10**9, per_customer_limit=1
        )
        codes = [f"BENCH{run}".upper()] * buyers
    else:
        codes = [f"B{run}{i:06d}".upper() for i in range(buyers)]
        DiscountCode.objects.bulk_create(
            [DiscountCode(campaign=campaign, code=c, max_redemptions=1, per_customer_limit=1) for c in codes]
        )
    return course, users, codes


def run_level(
    *,
    course,
    users,
    codes,
    start: int,
    concurrency: int,
    seconds: float,
    processes: int = 1,
    threads: int = 0,
    warmup: int = 1,
) -> dict:
    """``concurrency`` checkouts at a time, spread over ``processes`` forked processes (as
    gunicorn spreads requests over its workers), each with its threads and connections.
    The fake provider stays in this process, like a provider on another machine."""
    processes = max(1, min(processes, concurrency))
    # fork: the children inherit the prepared learners and codes and the set-up Django.
    context = multiprocessing.get_context("fork")
    cursor = context.Value("q", start)
    results = context.Queue()
    # Each thread's first checkout opens its database connection and its keep-alive HTTP
    # session to the provider, as a server's long-lived threads did long before: it is
    # not timed (its latency is printed apart). The clock starts once every thread is warm,
    # so a level measures the steady state, not 32 connections opened at the same moment.
    started = context.Value("d", 0.0)
    shares = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    # The threads of each process that make checkouts: one per connection, or ``threads``.
    runners = [min(share, threads) if threads else share for share in shares]
    warm = context.Barrier(sum(runners), action=lambda: setattr(started, "value", time.monotonic()))

    def next_index() -> int:
        with cursor.get_lock():
            index = cursor.value
            cursor.value += 1
        return index

    def checkout(index: int) -> None:
        order_checkout(
            user=users[index],
            items=[{"course": course.slug}],
            currency="USD",
            discount_code=codes[index],
            payment={"provider": "stripe", "token": "pm_card_visa"},
            idempotency_key=f"bench-{index}",
        )

    def one_process(connections_here: int, threads_here: int) -> None:
        latencies: list[float] = []
        cold: list[float] = []
        errors: dict[str, int] = {}
        lock = threading.Lock()

        def count_error(exc: Exception) -> None:
            with lock:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

        # The connections' requests, by when each was sent (None: when the clock started). A
        # connection sends its next request as soon as its last one is answered; a free
        # thread takes the oldest, as gunicorn's gthread worker hands its connections'
        # requests to its --threads. With a thread per connection none waits here.
        waiting: queue.SimpleQueue[float | None] = queue.SimpleQueue()
        for _ in range(connections_here):
            waiting.put(None)

        def worker() -> None:
            try:
                for made in range(warmup):
                    began = time.monotonic()
                    try:
                        checkout(next_index())
                        if not made:
                            cold.append(time.monotonic() - began)
                    except Exception as exc:  # counted and shown, the run goes on
                        count_error(exc)
                warm.wait()
                deadline = started.value + seconds
                while time.monotonic() < deadline:
                    sent = waiting.get()
                    index = next_index()
                    if index >= len(users):
                        return
                    try:
                        checkout(index)
                    except Exception as exc:
                        count_error(exc)
                        continue
                    finally:
                        answered = time.monotonic()
                        waiting.put(answered)
                    with lock:
                        latencies.append(answered - (started.value if sent is None else sent))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(threads_here)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.put((latencies, cold, errors))

    # CPU seconds of this process (the fake provider, and the workers when there is one
    # process) and of the forked workers (counted once they are joined), per checkout.
    cpu_before, times_before = time.process_time(), os.times()
    if processes == 1:
        one_process(concurrency, runners[0])
        children = []
    else:
        connections.close_all()  # a forked child must not share the parent's connection
        children = [
            context.Process(target=one_process, args=(share, runner))
            for share, runner in zip(shares, runners, strict=True)
        ]
        for child in children:
            child.start()
    # The whole machine's CPU over the timed window (workers started, all warm): how much
    # every timed checkout costs in all, PostgreSQL and the kernel included.
    machine = None
    if children:
        while not started.value and any(child.is_alive() for child in children):
            time.sleep(0.002)
        window_before = machine_cpu()
        time.sleep(max(0.0, started.value + seconds - time.monotonic()))
        machine = [after - before for after, before in zip(machine_cpu(), window_before, strict=True)]
    latencies: list[float] = []
    cold: list[float] = []
    errors: dict[str, int] = {}
    for _ in range(processes):
        some, first, errs = results.get()
        latencies.extend(some)
        cold.extend(first)
        for name, count in errs.items():
            errors[name] = errors.get(name, 0) + count
    for child in children:
        child.join()
    wall = time.monotonic() - started.value
    times_after = os.times()
    parent_cpu = time.process_time() - cpu_before
    children_cpu = (times_after.children_user + times_after.children_system) - (
        times_before.children_user + times_before.children_system
    )
    made = max(1, len(latencies) + len(cold) * warmup)  # the untimed ones cost CPU too
    return {
        "done": len(latencies),
        "used": cursor.value - start,
        "seconds": wall,
        "rate": len(latencies) / wall if wall else 0.0,
        "p50": percentile(latencies, 0.5) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "cold_p50": percentile(cold, 0.5) * 1000,
        "cold_max": max(cold, default=float("nan")) * 1000,
        "errors": errors,
        # With forked workers: the workers' CPU, and this process's (the fake provider).
        "worker_cpu_ms": (children_cpu if children else parent_cpu) / made * 1000,
        "fake_cpu_ms": (parent_cpu if children else float("nan")) / made * 1000,
        # Of the timed window: the machine's busy CPU per timed checkout, and its split.
        "machine_cpu_ms": machine[0] / max(1, len(latencies)) * 1000 if machine else float("nan"),
        "busy_share": machine[0] / machine[1] if machine and machine[1] else float("nan"),
        "system_share": machine[2] / machine[1] if machine and machine[1] else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--delays", default="0.3,0")
    parser.add_argument("--shared-code", action="store_true")
    # The fake Stripe's port; 0 picks any free one. On a machine shared by several people
    # give each bench its own range (e.g. --stripe-port 8350).
    parser.add_argument("--stripe-port", type=int, default=int(os.environ.get("BENCH_STRIPE_PORT", "0")))
    # Production serves checkouts from several gunicorn processes; one process of threads
    # measures the GIL more than the checkout. Default: one process per CPU.
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    # 0: a thread per connection. N: each process runs checkouts on N threads and its other
    # connections' requests wait for one, as under gunicorn's gthread worker with --threads N
    # (requests wait in the worker, and a provider's wait holds a thread): how many threads a
    # slow provider needs.
    parser.add_argument("--threads", type=int, default=0)
    # Experiment: how soon a thread whose statement returned gets the GIL back from the busy
    # ones (Python's default 5 ms); a row lock is held across that wait.
    parser.add_argument("--switch-interval", type=float, default=None, metavar="SECONDS")
    # http: the fake Stripe is a server in this process, reached over sockets (its CPU and
    # the kernel's share of the round trip are on this machine's two cores); inproc: the
    # same fake answers inside each worker in place of the HTTP pool, with no socket, as
    # an instant provider on another machine would (the adapter and the stripe package do
    # all their own work either way).
    parser.add_argument("--transport", choices=["http", "inproc"], default="http")
    # Untimed checkouts per thread before the clock starts. A server's connections live for
    # CONN_MAX_AGE and run thousands of statements: each has prepared the checkout's
    # statements after DATABASE_PREPARE_THRESHOLD (5) runs, and PostgreSQL keeps a generic
    # plan for each after planning its first five runs. A level's new connections would
    # otherwise spend the start of the run unprepared, preparing or planning.
    parser.add_argument("--warmup", type=int, default=12)
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    if connection.vendor != "postgresql":
        sys.exit("bench/checkout.py needs PostgreSQL: set DATABASE_URL")
    levels = [int(c) for c in args.concurrency.split(",")]
    delays = [float(d) for d in args.delays.split(",")]
    call_command("migrate", verbosity=0)
    # The Stripe client logs every request at INFO: noise, and time spent on the machine.
    logging.getLogger("stripe").setLevel(logging.WARNING)

    fake = FakeStripe(port=args.stripe_port).start()
    if args.transport == "inproc":
        from commerce.payments import stripe_adapter

        # The Stripe adapter's client sends every request through this pool.
        stripe_adapter._http_pool = lambda base, timeout: fake.in_process_pool()
    settings.PAYMENT_PROVIDER = "stripe"
    settings.PAYMENT_PROVIDERS_ENABLED = ["stripe"]
    settings.STRIPE_API_KEY = "sk_test_bench"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRET = "whsec_bench"
    # Receipts are handed to the broker as in production (REDIS_URL; no worker consumes
    # them here, they are purged at the end); without REDIS_URL they run in this process.
    from config.celery import app

    app.conf.task_always_eager = not settings.REDIS_URL
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    # Enough learners for the fastest plausible rate at every level.
    per_level = int(args.seconds * 400) + 64 + max(levels) * args.warmup
    course, users, codes = prepare(per_level * len(levels) * len(delays), args.shared_code)
    connections.close_all()
    rows = []
    start = 0
    for delay in delays:
        fake.delay = delay
        for level in levels:
            vacuum_updated_tables()
            result = run_level(
                course=course,
                users=users,
                codes=codes,
                start=start,
                concurrency=level,
                seconds=args.seconds,
                processes=args.processes,
                threads=args.threads,
                warmup=args.warmup,
            )
            start += result["used"]
            row = {"delay": delay, "concurrency": level, **result}
            rows.append(row)
            print(
                f"provider {int(delay * 1000)} ms, concurrency {level}: {row['done']} checkouts in "
                f"{row['seconds']:.1f} s = {row['rate']:.1f}/s, p50 {row['p50']:.0f} ms, "
                f"p95 {row['p95']:.0f} ms (first checkout of each thread, untimed: p50 "
                f"{row['cold_p50']:.0f} ms, max {row['cold_max']:.0f} ms), errors {row['errors'] or 0}, "
                "CPU per checkout: workers "
                f"{row['worker_cpu_ms']:.1f} ms, fake Stripe {row['fake_cpu_ms']:.1f} ms, "
                f"whole machine {row['machine_cpu_ms']:.1f} ms (busy {row['busy_share']:.0%}, kernel "
                f"{row['system_share']:.0%}), load average {load_average()}",
                flush=True,
            )
    fake.stop()
    if settings.REDIS_URL:
        app.control.purge()
    print()
    print(
        f"load average at the end: {load_average()} on {os.cpu_count()} CPUs, {args.processes} process(es), "
        f"provider transport {args.transport}, "
        f"{f'{args.threads} checkout threads' if args.threads else 'a thread per connection'} per process, "
        f"checkout slots per process {settings.COMMERCE_CHECKOUT_SLOTS or 'unlimited'}, "
        # The interpreter's build moves every number here (the Makefile's PYTHON says why).
        f"Python {platform.python_version()} at {os.path.realpath(sys.executable)}"
    )
    print("| provider | concurrency | checkouts/s | p50 ms | p95 ms | errors |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {int(row['delay'] * 1000)} ms | {row['concurrency']} | {row['rate']:.1f} | {row['p50']:.0f} "
            f"| {row['p95']:.0f} | {sum(row['errors'].values()) if row['errors'] else 0} |"
        )
    print()
    for delay in delays:
        level_rows = [row for row in rows if row["delay"] == delay]
        grows = all(_scales(a, b) for a, b in itertools.pairwise(level_rows))
        saturated = next((row["concurrency"] for row in level_rows if row["busy_share"] >= SATURATED), None)
        held = f"yes (CPU-bound from {saturated} connections, then held)"
        top = level_rows[-1]
        limit = 1000 if delay >= 0.3 else 300
        print(
            f"provider {int(delay * 1000)} ms: throughput grows with concurrency: "
            f"{'NO' if not grows else 'yes' if saturated is None else held}; "
            f"p95 at {top['concurrency']} = {top['p95']:.0f} ms, goal < {limit} ms: "
            f"{'met' if top['p95'] < limit else 'NOT met'}"
        )
        if delay == 0 and top["machine_cpu_ms"] == top["machine_cpu_ms"]:  # not NaN
            # With no provider wait, every in-flight checkout is CPU: the rate is capped at
            # CPUs / CPU per checkout, the p50 is about the connections over that rate, and
            # the p95 is this run's p95/p50 times the p50.
            cpus = os.cpu_count() or 1
            spread = top["p95"] / top["p50"] if top["p50"] else 1.0
            needed = top["concurrency"] / (limit / 1000) * spread
            print(
                f"  capacity: {top['machine_cpu_ms']:.1f} ms of the machine's CPU per checkout caps "
                f"{cpus} CPUs at {cpus / top['machine_cpu_ms'] * 1000:.0f} checkouts/s (this run kept them "
                f"{top['busy_share']:.0%} busy: {top['rate']:.0f}/s); "
                f"a p95 under {limit} ms with {top['concurrency']} in flight and this run's p95/p50 of "
                f"{spread:.2f} needs more than {needed:.0f}/s, "
                f"at most {cpus / needed * 1000:.1f} ms per checkout"
            )


if __name__ == "__main__":
    main()
