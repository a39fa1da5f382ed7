"""Shared fixtures.

Tests run on the database of ``DATABASE_URL`` (PostgreSQL in CI). A test marked
``postgres`` or ``redis`` needs that service: it is skipped when the service is missing,
unless ``REQUIRE_SERVICES=1`` (set by ``.ci/run``), where it fails instead.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _services(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("this test needs PostgreSQL (set DATABASE_URL=postgres://...)")
    if request.node.get_closest_marker("redis"):
        if not settings.REDIS_URL:
            _missing("this test needs Redis (set REDIS_URL=redis://...)")
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL).ping()
        except redis.RedisError as exc:
            _missing(f"Redis at REDIS_URL does not answer: {exc}")


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request with ``?lang=ja`` activates Japanese in the test thread; start every test
    in English so results do not depend on the order tests run in."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches

    # "soft" holds the shared catalog and landing caches (core/caching.py); with Redis both
    # aliases live in one database, with local memory they are separate.
    caches["default"].clear()
    caches["soft"].clear()
    yield


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# Tests that start servers on fixed ports (a private PostgreSQL on 8597), spare Redis
# servers or real Celery workers, and restart or kill them: two pytest-xdist workers must not
# do that at once.
SERIAL_TESTS = (
    "/tests/ops/",
    "/tests/recommender/test_worker_kill.py",
    "/tests/commerce/test_task_lease.py",
    "/tests/analytics/test_tasks.py",
)


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (``--dist loadgroup``) the tests of SERIAL_TESTS run on one worker,
    one after another; the others spread over every worker."""
    for item in items:
        if any(part in str(item.path) for part in SERIAL_TESTS):
            item.add_marker(pytest.mark.xdist_group("serial"))
