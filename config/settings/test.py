"""Tests: fast hashing, in-memory mail; databases and Redis come from the environment."""

import os
import tempfile

# Under pytest-xdist (`make test` runs two workers) each worker has its own test database
# (pytest-django adds the worker's suffix) and must have its own Redis database too: every
# test clears the caches, and one worker's clear would wipe the other's in mid-test. The
# environment is changed before base.py reads it, so Celery workers started by a test
# inherit the same database.
# Only the pytest worker itself shifts: the processes it starts (Celery workers, gunicorn)
# inherit PYTEST_XDIST_WORKER and the marker below, and use the REDIS_URL they are given
# (the shifted one, or a test's own spare Redis) as it is.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL") and "ZQ_TEST_REDIS_SHIFTED" not in os.environ:
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(os.environ["REDIS_URL"])
    _base = int(_url.path.strip("/") or 0)
    _db = (_base + int(_worker[2:])) % 16
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_db}"))
    os.environ["ZQ_TEST_REDIS_SHIFTED"] = "1"

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
SECRET_KEY = env("SECRET_KEY", default="test-secret-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Lesson media of the tests go to a throw-away folder, never to the project's private-media/.
LESSON_MEDIA_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": tempfile.mkdtemp(prefix="zq-lesson-media-"), "base_url": "/unserved/"},
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "lesson_media": LESSON_MEDIA_STORAGE,
}
# Touches are written at once unless a test switches the Redis buffer on
# (tests/campaigns/test_touch_buffer.py does, against the real Redis).
TOUCH_BUFFER = env.bool("TOUCH_BUFFER", default=False)

# A "replica" alias that mirrors the test database, so tests can see where the router sends
# reads; routing to it is off unless a test switches DATABASE_REPLICA_READS on.
DATABASES.setdefault("replica", {**DATABASES["default"], "TEST": {"MIRROR": "default"}})  # noqa: F405
DATABASE_REPLICA_READS = False

# Text messages are kept in accounts.sms.MemorySmsBackend.outbox, like mail.outbox.
SMS_BACKEND = "accounts.sms.MemorySmsBackend"
