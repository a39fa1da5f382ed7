"""CPU milliseconds per request, in process, for the hot URLs of issue 9 and for the bare
Django+DRF endpoint (../shared/bench/bare.py) measured the same way: the CPU ratio is a
load-independent proxy of bench/http.sh's throughput ratio (which wrk measures on a shared,
noisy machine).

    DATABASE_URL=... REDIS_URL=... python bench/cpu_per_request.py [N] [--profile NAME] [--only REGEX]

Runs each URL N times (default 300) through Django's WSGI handler with the production
settings bench/http.sh uses (DEBUG off, Redis caches and sessions), after a warm-up, and
prints CPU ms per request (time.process_time), the SQL queries, Redis commands and Redis
round trips (one per packed send) per request, and the CPU ratio bare/project (a ratio of
50 % means the project's request costs twice the bare one). The anonymous rows come first,
then the demo learner's (a real session cookie, and an API token for the recommendations);
``--only learner`` keeps those. ``--profile NAME`` prints a cProfile top list for the rows
whose name contains NAME. The database must hold the demo data (seed_demo,
train_recommender) and the static files must be collected (bench/http.sh shows how)."""

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
    for _ in range(max(20, n // 10)):
        status, _body = app_once(app, path, headers)
    profiler = cProfile.Profile(time.process_time) if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(n):
        app_once(app, path, headers)
    if profiler:
        profiler.disable()
    cpu_ms = (time.process_time() - started) * 1000 / n
    top = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
        top = out.getvalue()
    return cpu_ms, status, top


def app_once(app, path: str, headers: dict[str, str]) -> tuple[str, bytes]:
    statuses = []
    response = app(_environ(path, headers), lambda status, headers, exc_info=None: statuses.append(status))
    try:
        return statuses[-1], b"".join(response)
    finally:
        if hasattr(response, "close"):
            response.close()


def bare(n: int) -> float:
    sys.path.insert(0, str(BARE.parent))
    import bare as module

    cpu_ms, _status, _top = _run(module.app, "/bare/", {}, n)
    return cpu_ms


class Counters:
    """SQL queries, Redis commands and Redis round trips (every packed send is one round
    trip, a pipeline of several commands too), counted while ``counting`` is on."""

    def __init__(self) -> None:
        import redis.connection
        from redis.client import Pipeline, Redis

        self.sql = self.commands = self.trips = 0
        self.counting = False
        counters = self
        send = redis.connection.AbstractConnection.send_packed_command
        execute = Redis.execute_command
        pipeline = Pipeline.execute

        def send_packed_command(conn, command, check_health=True):
            counters.trips += counters.counting
            return send(conn, command, check_health)

        def execute_command(client, *args, **options):
            if not isinstance(client, Pipeline):
                counters.commands += counters.counting
            return execute(client, *args, **options)

        def pipeline_execute(pipe, raise_on_error=True):
            counters.commands += len(pipe.command_stack) * counters.counting
            return pipeline(pipe, raise_on_error)

        redis.connection.AbstractConnection.send_packed_command = send_packed_command
        Redis.execute_command = execute_command
        Pipeline.execute = pipeline_execute

    def record_sql(self, execute, sql, params, many, context):
        self.sql += self.counting
        return execute(sql, params, many, context)

    def per_request(self, app, path: str, headers: dict[str, str], n: int = 20) -> dict[str, float]:
        from django.db import connection

        self.sql = self.commands = self.trips = 0
        self.counting = True
        try:
            with connection.execute_wrapper(self.record_sql):
                for _ in range(n):
                    app_once(app, path, headers)
        finally:
            self.counting = False
        return {"sql": self.sql / n, "commands": self.commands / n, "trips": self.trips / n}


def anonymous_rows() -> list[tuple[str, str, dict]]:
    from campaigns.models import Campaign, TrackingLink
    from courses.models import Course

    course = Course.objects.filter(is_published=True).order_by("pk").first()
    campaign = Campaign.objects.filter(status="running").order_by("pk").first()
    link = TrackingLink.objects.filter(campaign=campaign).order_by("pk").first()
    return [
        ("api categories", "/api/v1/categories/", {}),
        ("api course list", "/api/v1/courses/", {}),
        ("api course detail", f"/api/v1/courses/{course.slug}/", {}),
        ("api similar courses", f"/api/v1/courses/{course.slug}/similar/", {}),
        ("html home", "/en/", {}),
        ("html catalog", "/en/courses/", {}),
        ("html course page", f"/en/courses/{course.slug}/", {}),
        ("html landing (new visitor)", f"/en/c/{campaign.slug}/", {}),
        ("tracking link /t/<token>", f"/t/{link.token}", {}),
    ]


def learner_rows() -> list[tuple[str, str, dict]]:
    """The demo learner signed in: a session made the way the sign-in makes it, and the
    learner's API token for the recommendations."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from rest_framework.authtoken.models import Token

    from courses.models import Course

    user = get_user_model().objects.get(username="learner")
    token, _created = Token.objects.get_or_create(user=user)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    course = Course.objects.filter(is_published=True).order_by("pk").first()
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"}
    return [
        (
            "api me/recommendations (learner token)",
            "/api/v1/me/recommendations/",
            {"Authorization": f"Token {token.key}"},
        ),
        ("html home (learner)", "/en/", cookie),
        ("html catalog (learner)", "/en/courses/", cookie),
        ("html course page (learner)", f"/en/courses/{course.slug}/", cookie),
    ]


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
    from django.core.wsgi import get_wsgi_application

    from campaigns import touch_buffer

    counters = Counters()
    app = get_wsgi_application()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"bare endpoint: {bare_ms:.3f} CPU ms/request  (load {load}; {args.n} requests per row)")
    print(
        "| endpoint | status | CPU ms/request | CPU ratio bare/project | SQL | Redis commands "
        "| Redis round trips |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    tops = []
    for name, path, headers in anonymous_rows() + learner_rows():
        if args.only and not re.search(args.only, name):
            continue
        # What a Celery worker does in production: an over-long buffer would add a flush
        # kick (one more Redis command) to every landing view and click.
        touch_buffer.touch_buffer_flush()
        cpu_ms, status, top = _run(
            app, path, headers, args.n, profile=bool(args.profile) and args.profile in name
        )
        if (
            "learner" in name
            and b'data-testid="logout"' not in app_once(app, path, headers)[1]
            and "/api/" not in path
        ):
            name += " NOT SIGNED IN"
        per = counters.per_request(app, path, headers)
        print(
            f"| {name} | {status.split()[0]} | {cpu_ms:.3f} | {bare_ms / cpu_ms * 100:.1f} % "
            f"| {per['sql']:g} | {per['commands']:g} | {per['trips']:g} |"
        )
        if top:
            tops.append((name, top))
    for name, top in tops:
        print(f"\n--- cProfile, {name} ---\n{top}")


if __name__ == "__main__":
    main()
