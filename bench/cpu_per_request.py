"""CPU milliseconds per request, in process, for the hot URLs of issue 9 and for the bare
Django+DRF endpoint (../shared/bench/bare.py) measured the same way: the CPU ratio is a
load-independent proxy of bench/http.sh's throughput ratio (which wrk measures on a shared,
noisy machine).

    DATABASE_URL=... REDIS_URL=... python bench/cpu_per_request.py [N] [--profile NAME] [--only REGEX]

Runs each URL N times (default 300) through Django's WSGI handler with the production
settings bench/http.sh uses (DEBUG off, Redis caches and sessions), after a warm-up, and
prints CPU ms per request (time.process_time), the Redis commands and SQL queries per
request and the CPU ratio bare/project (a ratio of 50 % means the project's request costs
twice the bare one). ``--profile NAME`` prints a cProfile top list for the rows whose name
contains NAME. The database must hold the demo data (seed_demo, train_recommender)."""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

# PROJECT_ROOT=/path/to/another/checkout measures that code (e.g. before a change).
ROOT = Path(os.environ.get("PROJECT_ROOT") or Path(__file__).resolve().parent.parent)
BARE = Path(os.environ.get("BARE", "/work/shared/bench/bare.py"))


def _environment() -> None:
    # The same throwaway production values bench/http.sh gives (nothing is sent anywhere).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("PAYMENT_PROVIDER", "stripe")
    os.environ.setdefault("STRIPE_API_KEY", "sk_test_bench_only")
    os.environ.setdefault("STRIPE_WEBHOOK_SECRET", secrets.token_hex(24))
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    os.environ.setdefault("EMAIL_URL", "smtp://127.0.0.1:1025")
    os.environ.setdefault("MEDIA_STORAGE_URL", "file:///tmp/zhiqiao-bench-media")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")


def _environ(path: str, headers: dict[str, str]) -> dict:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8200",
        "HTTP_HOST": "127.0.0.1:8200",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _run(app, path: str, headers: dict[str, str], n: int, profile: bool = False) -> tuple[float, str, str]:
    status_seen = []

    def start_response(status, response_headers, exc_info=None):
        status_seen.append(status)

    def once():
        body = app(_environ(path, headers), start_response)
        for _chunk in body:
            pass
        if hasattr(body, "close"):
            body.close()

    for _ in range(max(20, n // 10)):
        once()
    profiler = cProfile.Profile(time.process_time) if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(n):
        once()
    if profiler:
        profiler.disable()
    cpu_ms = (time.process_time() - started) * 1000 / n
    top = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        top = out.getvalue()
    return cpu_ms, status_seen[-1], top


def bare(n: int) -> float:
    sys.path.insert(0, str(BARE.parent))
    import bare as module

    cpu_ms, _status, _top = _run(module.app, "/bare/", {}, n)
    return cpu_ms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=300)
    parser.add_argument("--profile", default="")
    parser.add_argument("--only", default="")
    parser.add_argument("--bare", action="store_true", help="(internal) measure the bare endpoint")
    args = parser.parse_args()
    if args.bare:
        print(f"{bare(args.n):.4f}")
        return
    bare_ms = float(
        subprocess.run(
            [sys.executable, __file__, str(args.n), "--bare"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )

    _environment()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    import redis
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from campaigns import touch_buffer
    from campaigns.models import Campaign, TrackingLink
    from courses.models import Course

    course = Course.objects.filter(is_published=True).order_by("pk").first()
    campaign = Campaign.objects.filter(status="running").order_by("pk").first()
    link = TrackingLink.objects.filter(campaign=campaign).order_by("pk").first()
    rows = [
        ("api categories", "/api/v1/categories/"),
        ("api course list", "/api/v1/courses/"),
        ("api course detail", f"/api/v1/courses/{course.slug}/"),
        ("api similar courses", f"/api/v1/courses/{course.slug}/similar/"),
        ("html home", "/en/"),
        ("html catalog", "/en/courses/"),
        ("html course page", f"/en/courses/{course.slug}/"),
        ("html landing (new visitor)", f"/en/c/{campaign.slug}/"),
        ("tracking link /t/<token>", f"/t/{link.token}"),
    ]
    # Redis commands per request: every command and every pipeline goes through these.
    counts = {"redis": 0, "sql": 0}
    original_execute = redis.Redis.execute_command
    original_pipeline = redis.client.Pipeline.execute

    def counting_execute(self, *args, **kwargs):
        counts["redis"] += 1
        return original_execute(self, *args, **kwargs)

    def counting_pipeline(self, *args, **kwargs):
        counts["redis"] += 1
        return original_pipeline(self, *args, **kwargs)

    def counting_sql(execute, sql, params, many, context):
        counts["sql"] += 1
        return execute(sql, params, many, context)

    app = get_wsgi_application()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"bare endpoint: {bare_ms:.3f} CPU ms/request  (load {load})")
    print("| endpoint | status | CPU ms/request | CPU ratio bare/project | Redis round trips | SQL queries |")
    print("| --- | --- | --- | --- | --- | --- |")
    tops = []
    for name, path in rows:
        if args.only and not re.search(args.only, name):
            continue
        profile = bool(args.profile) and args.profile in name
        # What a Celery worker does in production: an over-long buffer would add a flush
        # kick (one more Redis command) to every landing view and click.
        touch_buffer.touch_buffer_flush()
        cpu_ms, status, top = _run(app, path, {}, args.n, profile=profile)
        # One more request, counted (the redis client's commands and Django's queries).
        counts.update(redis=0, sql=0)
        redis.Redis.execute_command = counting_execute
        redis.client.Pipeline.execute = counting_pipeline
        try:
            with connection.execute_wrapper(counting_sql):
                _run_once = _run(app, path, {}, 1)
        finally:
            redis.Redis.execute_command = original_execute
            redis.client.Pipeline.execute = original_pipeline
        # _run warms up 20 times first: the counts cover 21 requests.
        per = {key: value / 21 for key, value in counts.items()}
        print(
            f"| {name} | {status.split()[0]} | {cpu_ms:.3f} | {bare_ms / cpu_ms * 100:.1f} % "
            f"| {per['redis']:.1f} | {per['sql']:.1f} |"
        )
        if top:
            tops.append((name, top))
    for name, top in tops:
        print(f"\n--- cProfile, {name} ---\n{top}")


if __name__ == "__main__":
    main()
