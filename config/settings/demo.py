"""The `demo` compose profile: production-shaped (PostgreSQL, Redis, DEBUG off, gunicorn)
but with the sandbox payment provider and the demo app, so `seed_demo` can create the
well-known demo accounts. It must never take real money: production settings refuse every
one of these choices (see ``production_checks.py``)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
# docker-compose passes SECRET_KEY empty when it is not set; the demo still starts.
SECRET_KEY = env("SECRET_KEY", default="") or "dev-only-demo-secret-key-not-for-production"
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="") or "sandbox"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "lesson_media": LESSON_MEDIA_STORAGE,  # noqa: F405
}
