"""Tests: fast hashing, in-memory mail; databases and Redis come from the environment."""

import tempfile

from .base import *  # noqa: F403
from .base import env

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
