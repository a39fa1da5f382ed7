"""A C-speed loader for ``timestamptz`` on PostgreSQL connections that talk UTC.

Django registers a Python subclass of psycopg's ``TimestamptzLoader`` on every connection:
each timestamp of each row is matched by a regular expression and built up in Python, and
the loader object is made again for every result (reading the session's time zone and
date style each time). A subclass defined outside psycopg is never swapped for
psycopg_binary's C loader. That was about 4 % of a checkout's Python (py-spy over
``bench/checkout_profile.py``, README, issue 9), and every page that shows a date pays it.

When the session's time zone is UTC (Django sets it so with ``USE_TZ``) and its date style
ISO, PostgreSQL writes ``2026-12-07 16:23:02.881713+00``, which ``datetime.fromisoformat``
(C) reads into the same value Django's loader returns: an aware datetime in
``datetime.timezone.utc``. Anything it cannot read (``infinity``, years BC) goes to
psycopg's own loader, so those fail as they always did. Other set-ups keep Django's loader.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from psycopg.adapt import Loader
from psycopg.types.datetime import TimestamptzLoader


class UtcTimestamptzLoader(Loader):
    # Django compares this with the connection's zone on every new cursor and registers
    # its own loader on the cursor when they differ.
    timezone = UTC

    def load(self, data) -> datetime:
        try:
            return datetime.fromisoformat(str(data, "ascii"))  # no copy of the buffer first
        except ValueError:
            return TimestamptzLoader(self.oid, self.connection).load(data)


def timestamptz_loader_fast(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver (``core.apps``)."""
    if connection.vendor != "postgresql" or not settings.USE_TZ or connection.timezone is not UTC:
        return
    info = connection.connection.info
    iso = (info.parameter_status("DateStyle") or "").startswith("ISO")
    if info.parameter_status("TimeZone") != "UTC" or not iso:
        return
    connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
