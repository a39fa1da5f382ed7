"""In CI (REQUIRE_SERVICES=1) the suite must really run on PostgreSQL and Redis."""

import os

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(
    os.environ.get("REQUIRE_SERVICES") != "1", reason="only with REQUIRE_SERVICES=1"
)


def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_redis_is_configured_and_answers():
    import redis

    assert settings.REDIS_URL.startswith("redis://")
    assert redis.Redis.from_url(settings.REDIS_URL).ping() is True
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
