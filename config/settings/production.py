"""Production: refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, REDIS_URL, env
from .production_checks import unsafe_production_settings

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not env("ALLOWED_HOSTS", default=""):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (PostgreSQL).")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Sessions live in the cache (Redis) with the database behind it: a signed-in page reads its
# session without a query, and a lost cache entry is read back from the database.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Refusals (ops) ----------------------------------------------------------------------
# Kept last so they judge the final values of every block above. The demo app (seed_demo
# and its well-known accounts) is for the `demo` compose profile, never for production.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "demo"]
_unsafe = unsafe_production_settings(globals())
if _unsafe:
    raise ImproperlyConfigured(
        "Refusing to start with unsafe production settings:\n- " + "\n- ".join(_unsafe)
    )
