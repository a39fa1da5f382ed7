"""CPU, SQL queries and Redis round trips per signed-in request, in-process (issue 9).

Runs N requests through the WSGI handler under the production settings (as bench/http.sh
serves them) with a real signed-in session cookie or API token, and the bare Django+DRF
endpoint (../shared/bench/bare.py) in a subprocess the same way, so the CPU ratio does not
depend on the load of the shared machine:

    DATABASE_URL=postgres://... REDIS_URL=redis://.../4 \
      .venv/bin/python bench/learner_profile.py [N] [--profile NAME]

Prints one line per URL (CPU ms per request, queries, Redis commands and round trips) and,
with ``--profile NAME``, a cProfile top list of that row. The database needs the demo data
(``migrate``, ``seed_demo``, ``train_recommender``).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BARE = Path(os.environ.get("BARE", "/work/shared/bench/bare.py"))


def _production_environment() -> None:
    # The same throwaway production values bench/http.sh gives gunicorn.
    defaults = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "false",
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_API_KEY": "sk_test_bench_only",
        "STRIPE_WEBHOOK_SECRET": secrets.token_hex(24),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_URL": "smtp://127.0.0.1:1025",
        "MEDIA_STORAGE_URL": "file:///tmp/zhiqiao-bench-media",
        "SECURE_SSL_REDIRECT": "false",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def _environ(path: str, headers: dict[str, str]) -> dict:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8250",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8250",
        "HTTP_ACCEPT": "*/*",
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


class Counters:
    """Counts Redis commands and round trips (every packed send is one round trip)."""

    def __init__(self) -> None:
        import redis.connection

        self.commands = 0
        self.trips = 0
        original = redis.connection.AbstractConnection.send_packed_command
        counters = self

        def send_packed_command(conn, command, check_health=True):
            counters.trips += 1
            return original(conn, command, check_health)

        redis.connection.AbstractConnection.send_packed_command = send_packed_command
        from redis.client import Pipeline, Redis

        original_execute = Redis.execute_command

        def execute_command(client, *args, **options):
            if not isinstance(client, Pipeline):
                counters.commands += 1
            return original_execute(client, *args, **options)

        Redis.execute_command = execute_command
        original_pipeline = Pipeline.execute

        def pipeline_execute(pipe, raise_on_error=True):
            counters.commands += len(pipe.command_stack)
            return original_pipeline(pipe, raise_on_error)

        Pipeline.execute = pipeline_execute


def run(app, path: str, headers: dict[str, str], n: int, profile: bool = False):
    from django.db import connection

    statuses: list[str] = []

    def start_response(status, response_headers, exc_info=None):
        statuses.append(status)

    def one() -> bytes:
        response = app(_environ(path, headers), start_response)
        try:
            return b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()

    body = one()  # warm: fills the caches this row reads
    one()
    queries = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    counters = COUNTERS
    counters.commands = counters.trips = 0
    profiler = cProfile.Profile(time.process_time) if profile else None
    with connection.execute_wrapper(record):
        started = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(n):
            one()
        if profiler:
            profiler.disable()
        cpu = time.process_time() - started
    return {
        "status": statuses[-1],
        "cpu_ms": cpu / n * 1000,
        "queries": len(queries) / n,
        "redis_commands": counters.commands / n,
        "redis_trips": counters.trips / n,
        "body": body,
        "profiler": profiler,
        "sql": queries[: len(queries) // n] if n else [],
    }


def bare_cpu_ms(n: int) -> float:
    code = f"""
import io, sys, time
sys.path.insert(0, {str(BARE.parent)!r})
import bare
def sr(status, headers, exc_info=None): pass
env = {{"REQUEST_METHOD": "GET", "PATH_INFO": "/bare/", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
       "SERVER_PORT": "1", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT": "*/*",
       "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": True,
       "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0)}}
def one():
    env["wsgi.input"] = io.BytesIO(b"")
    r = bare.app(env, sr); b"".join(r); r.close()
for _ in range(50): one()
t = time.process_time()
for _ in range({n}): one()
print((time.process_time() - t) / {n} * 1000)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=BARE.parent
    )
    return float(out.stdout.strip().splitlines()[-1])


COUNTERS: Counters


def main() -> None:
    global COUNTERS
    args = sys.argv[1:]
    profile_row = None
    if "--profile" in args:
        at = args.index("--profile")
        profile_row = args[at + 1]
        del args[at : at + 2]
    n = int(args[0]) if args else 300
    sys.path.insert(0, str(ROOT))
    _production_environment()
    import django

    django.setup()
    COUNTERS = Counters()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.core.wsgi import get_wsgi_application
    from rest_framework.authtoken.models import Token

    from courses.models import Course

    user = get_user_model().objects.get(username="learner")
    token, _ = Token.objects.get_or_create(user=user)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    course = Course.objects.filter(is_published=True).order_by("pk").first()
    app = get_wsgi_application()
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"}
    rows = [
        (
            "api me/recommendations (token)",
            "/api/v1/me/recommendations/",
            {"Authorization": f"Token {token.key}"},
        ),
        ("html home (learner)", "/en/", cookie),
        ("html catalog (learner)", "/en/courses/", cookie),
        ("html course page (learner)", f"/en/courses/{course.slug}/", cookie),
        ("html home (anonymous)", "/en/", {}),
    ]
    bare = bare_cpu_ms(n)
    print(f"load average {os.getloadavg()[0]:.2f}; {n} requests per row; bare {bare:.3f} CPU ms/request")
    print("| row | status | CPU ms/req | CPU ratio bare/row | SQL | Redis commands | Redis round trips |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, path, headers in rows:
        result = run(app, path, headers, n, profile=profile_row is not None and profile_row in name)
        if "learner" in name and b'data-testid="logout"' not in result["body"]:
            name += " NOT SIGNED IN"
        print(
            f"| {name} | {result['status']} | {result['cpu_ms']:.3f} | {bare / result['cpu_ms'] * 100:.1f} % "
            f"| {result['queries']:g} | {result['redis_commands']:g} | {result['redis_trips']:g} |"
        )
        if result["sql"]:
            for sql in result["sql"]:
                print("    SQL:", sql[:200])
        if result["profiler"]:
            stream = io.StringIO()
            pstats.Stats(result["profiler"], stream=stream).sort_stats("cumulative").print_stats(45)
            print(stream.getvalue())
            stream = io.StringIO()
            pstats.Stats(result["profiler"], stream=stream).sort_stats("tottime").print_stats(30)
            print(stream.getvalue())


if __name__ == "__main__":
    main()
