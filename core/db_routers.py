"""Reads that may lag go to the read replica.

With ``DATABASE_REPLICA_URL`` set there is a ``replica`` database alias. Dashboards,
analytics, metrics and recommendations tolerate data a second old; everything else (sign-in,
sessions, API keys, checkout, anything a request has just written) must read the primary.
So the replica is opt-in twice over:

- only inside :func:`replica_reads` (a context manager; ``ReplicaReadsMiddleware`` opens it
  for GET and HEAD requests to the paths of ``DATABASE_REPLICA_PATHS``), and
- only for models of the apps in ``DATABASE_REPLICA_APPS`` (the catalog, campaigns, orders,
  analytics, recommendations; never accounts, sessions, tokens or partner keys, which
  decide who the caller is).

Writes, ``select_for_update()`` and migrations always use the primary. Raw SQL uses the
connection it names; ``read_alias()`` gives the right one to code that opens a cursor.
"""

import contextlib
import re
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA_ALIAS = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES and getattr(settings, "DATABASE_REPLICA_READS", True)


@contextlib.contextmanager
def replica_reads():
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    """The alias a lag-tolerant raw query should use right now."""
    return REPLICA_ALIAS if _replica_reads.get() and replica_configured() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _replica_reads.get()
            and replica_configured()
            and model._meta.app_label in getattr(settings, "DATABASE_REPLICA_APPS", ())
        ):
            return REPLICA_ALIAS
        return None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA_ALIAS


class ReplicaReadsMiddleware:
    """Opens :func:`replica_reads` for safe requests to the paths that tolerate lag."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = [re.compile(pattern) for pattern in getattr(settings, "DATABASE_REPLICA_PATHS", ())]

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and any(p.search(request.path_info) for p in self.paths):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
