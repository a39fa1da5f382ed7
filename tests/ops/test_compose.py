"""docker-compose.yml, read as data (there is no Docker engine in CI): the production
services never seed demo accounts, one worker per queue, web traffic through pgbouncer.
(Checked once by hand against the compose-spec JSON schema as well; see the notes.)"""

import re
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


def _gunicorn_threads(command: str) -> int:
    workers = re.search(r"--workers[ =](\d+)", command)
    threads = re.search(r"--threads[ =](\d+)", command)
    return int(workers.group(1)) * int(threads.group(1)) if workers and threads else 0


def test_the_web_tier_has_threads_for_a_slow_providers_wait():
    # A checkout holds its gunicorn thread while the provider answers: 12 threads (3 x 4)
    # completed 35.5 checkouts/s against a 300 ms provider, p95 1,034 ms at 32 connections;
    # 24 (3 x 8) made 69.2/s, p95 620 ms (bench/checkout.py --threads, README: Scaling).
    compose = _gunicorn_threads(_default(_command(SERVICES["web"])))
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    image = _gunicorn_threads(" ".join(yaml.safe_load(cmd.group(1))))

    assert compose >= 24
    assert image >= 24
