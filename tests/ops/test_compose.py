"""docker-compose.yml, read as data (there is no Docker engine in CI): the production
services never seed demo accounts, one worker per queue, web traffic through pgbouncer.
(Checked once by hand against the compose-spec JSON schema as well; see the notes.)"""

import os
import re
import runpy
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _default(value: str) -> str:
    """``${NAME:-default}`` -> ``default``, as compose substitutes it when NAME is unset."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_every_dependency_names_a_service():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, (name, dependency)


def test_demo_accounts_are_seeded_only_in_the_demo_profile_with_demo_settings():
    seeders = [name for name, service in SERVICES.items() if "seed_demo" in _command(service)]

    assert seeders == ["seed-demo"]
    assert SERVICES["seed-demo"]["profiles"] == ["demo"]
    assert SERVICES["seed-demo"]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.demo"


@pytest.mark.parametrize("name", ["web", "worker-interactive", "worker-nightly", "beat", "migrate"])
def test_the_services_run_production_settings_without_a_default_secret(name):
    environment = SERVICES[name]["environment"]

    assert "profiles" not in SERVICES[name]
    assert _default(environment["DJANGO_SETTINGS_MODULE"]) == "config.settings.production"
    assert _default(environment["SECRET_KEY"]) == ""
    assert _default(environment["PAYMENT_PROVIDER"]) != "sandbox"


def test_one_worker_per_queue_and_every_routed_queue_has_one():
    queues = {}
    for name, service in SERVICES.items():
        match = re.search(r"celery -A config worker -Q (\S+)", _command(service))
        if match:
            queues[name] = match.group(1)
    routed = {settings.CELERY_TASK_DEFAULT_QUEUE} | {
        route["queue"] for route in settings.CELERY_TASK_ROUTES.values()
    }

    assert sorted(queues.values()) == sorted(routed) == ["interactive", "nightly"]
    assert [name for name, s in SERVICES.items() if _command(s).startswith("celery -A config beat")] == [
        "beat"
    ]


def test_short_transactions_go_through_pgbouncer_long_ones_straight_to_postgres():
    def host(name):
        return re.search(r"@([\w-]+):", _default(SERVICES[name]["environment"]["DATABASE_URL"])).group(1)

    assert SERVICES["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    assert {name: host(name) for name in ("web", "worker-interactive", "beat")} == dict.fromkeys(
        ("web", "worker-interactive", "beat"), "pgbouncer"
    )
    assert {name: host(name) for name in ("migrate", "worker-nightly", "seed-demo")} == dict.fromkeys(
        ("migrate", "worker-nightly", "seed-demo"), "postgres"
    )
    assert _default(SERVICES["web"]["environment"]["DISABLE_SERVER_SIDE_CURSORS"]) == "true"
    assert _default(SERVICES["worker-nightly"]["environment"]["DISABLE_SERVER_SIDE_CURSORS"]) == "false"


def test_the_demo_env_file_selects_the_demo_profile_and_settings():
    values = dict(
        line.split("=", 1)
        for line in (ROOT / "compose.demo.env").read_text().splitlines()
        if line and not line.startswith("#")
    )

    assert values["COMPOSE_PROFILES"] == "demo"
    assert values["DJANGO_SETTINGS_MODULE"] == "config.settings.demo"


GUNICORN_CONF = "config/gunicorn.conf.py"


def _gunicorn_settings(**env: str) -> dict:
    """The settings config/gunicorn.conf.py gives gunicorn under ``env`` (as gunicorn runs
    it: a file of Python, its globals the settings)."""
    names = ("WEB_WORKERS", "WEB_THREADS", "WEB_BIND")
    saved = {name: os.environ.pop(name, None) for name in names}
    try:
        os.environ.update(env)
        return runpy.run_path(str(ROOT / GUNICORN_CONF))
    finally:
        for name in names:
            os.environ.pop(name, None)
            if saved[name] is not None:
                os.environ[name] = saved[name]


def test_the_image_and_the_web_service_run_gunicorn_with_the_projects_settings():
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    image = yaml.safe_load(cmd.group(1))
    web = SERVICES["web"]

    for command in (" ".join(image), _command(web)):
        assert f"-c {GUNICORN_CONF}" in command
        # Flags on the command line would win over the file's defaults.
        assert "--workers" not in command and "--threads" not in command
    assert web["environment"]["WEB_WORKERS"] == "${WEB_WORKERS:-}"
    assert web["environment"]["WEB_THREADS"] == "${WEB_THREADS:-}"
    # The service's own environment replaces the shared one: it must carry it along.
    assert web["environment"]["DATABASE_URL"] == SERVICES["worker-interactive"]["environment"]["DATABASE_URL"]


def test_the_web_tier_runs_a_worker_per_cpu_with_threads_for_a_slow_providers_wait():
    # A checkout holds its gunicorn thread while the provider answers: 12 threads (3 x 4)
    # completed 35.5 checkouts/s against a 300 ms provider, p95 1,034 ms at 32 connections;
    # 24 (3 x 8) made 69.2/s, p95 620 ms. A third process on two cores cost the machine
    # 14.0 ms per checkout against 12.0 for 2 x 16 (bench/checkout.py; README, Scaling).
    settings_ = _gunicorn_settings()

    assert settings_["workers"] == len(os.sched_getaffinity(0))
    assert settings_["threads"] == 16
    assert settings_["worker_class"] == "gthread"
    assert settings_["bind"] == "0.0.0.0:8000"
    assert 2 * settings_["threads"] >= 24  # even a two-core container


def test_the_web_tiers_sizes_can_be_set():
    settings_ = _gunicorn_settings(WEB_WORKERS="5", WEB_THREADS="4", WEB_BIND="127.0.0.1:8100")

    assert (settings_["workers"], settings_["threads"], settings_["bind"]) == (5, 4, "127.0.0.1:8100")
