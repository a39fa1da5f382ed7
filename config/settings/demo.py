"""The `demo` compose profile: production-shaped (PostgreSQL, Redis, DEBUG off, gunicorn)
but with the sandbox payment provider and the demo app, so `seed_demo` can create the
well-known demo accounts. It must never take real money: production settings refuse every
one of these choices (see ``production_checks.py``)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="dev-only-demo-secret-key-not-for-production")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
