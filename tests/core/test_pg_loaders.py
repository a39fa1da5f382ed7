"""``timestamptz`` values read by ``core.pg_loaders.UtcTimestamptzLoader`` (C's
``datetime.fromisoformat``) are the ones Django's own loader returns."""

from datetime import UTC, datetime

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from psycopg.pq import Format

from core.pg_loaders import UtcTimestamptzLoader
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VALUES = [
    "2026-12-07 16:23:02.881713+00",
    "2026-12-07 16:23:02.8+00",  # PostgreSQL drops the fraction's trailing zeros
    "2026-12-07 16:23:02+00",
    "2024-02-29 23:59:59.999999+00",
    "2024-03-01 12:34:56.789+08",  # another zone in the literal: PostgreSQL writes it in UTC
    "0099-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
]


def _select(values: list[str]) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join("%s::timestamptz" for _ in values), values)
        return cursor.fetchone()


def test_utc_sessions_read_timestamps_with_the_fast_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, Format.TEXT)
    assert loader is UtcTimestamptzLoader


def test_the_fast_loader_returns_what_djangos_does():
    fast = _select(VALUES)
    # Django's loader, on this same connection: registered on a cursor, as Django does
    # when a connection's zone differs.
    with connection.cursor() as cursor:
        tz_loader = type("DjangoUtcLoader", (BaseTzLoader,), {"timezone": UTC})
        cursor.cursor.adapters.register_loader("timestamptz", tz_loader)
        cursor.execute("SELECT " + ", ".join("%s::timestamptz" for _ in VALUES), VALUES)
        django = cursor.fetchone()
        assert cursor.cursor.adapters.get_loader(1184, Format.TEXT) is tz_loader
    assert fast == django
    assert all(value.tzinfo is UTC for value in fast)
    assert fast[0] == datetime(2026, 12, 7, 16, 23, 2, 881713, tzinfo=UTC)
    assert fast[1].microsecond == 800000
    assert fast[4] == datetime(2024, 3, 1, 4, 34, 56, 789000, tzinfo=UTC)


def test_what_python_cannot_hold_fails_as_before():
    with pytest.raises(DataError, match="infinity"):
        _select(["infinity"])
    assert _select([None]) == (None,)


def test_model_fields_come_back_aware_in_utc():
    user = UserFactory()
    user.refresh_from_db()
    assert user.date_joined.tzinfo is UTC
