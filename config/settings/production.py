"""Production: refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, INSTALLED_APPS, REDIS_URL, env
from .media_storage import lesson_media_storage_from_url, media_storage_from_url
from .production_checks import unsafe_production_settings

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not env("ALLOWED_HOSTS", default=""):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (PostgreSQL).")

# --- HTTPS, cookies, mail and media (issue 11) -----------------------------------------------
# Behind a proxy that terminates TLS, Django learns the scheme from the header the proxy sets
# (and strips from clients): SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Empty means
# no proxy: Django itself sees the HTTPS connection.
_proxy_header = env.list("SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"])
if _proxy_header and len(_proxy_header) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER is HEADER,VALUE (HTTP_X_FORWARDED_PROTO,https) or empty."
    )
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if _proxy_header else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes of the orchestrator speak plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Every cookie we set is Secure (session, CSRF, language); HttpOnly where scripts need none.
_secure_cookies = env.bool("SECURE_COOKIES", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_secure_cookies)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_secure_cookies)
LANGUAGE_COOKIE_SECURE = env.bool("LANGUAGE_COOKIE_SECURE", default=_secure_cookies)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Mail goes through a real server: EMAIL_URL=smtp+tls://user:password@smtp.example.com:587
# (smtps:// and smtp+tls:// use STARTTLS, smtp+ssl:// implicit TLS) sets EMAIL_BACKEND,
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS/SSL. The
# refusals below reject a backend that would print password-reset links to the log.
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    globals().update(env.email_url_config(EMAIL_URL))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Uploaded media on a bucket every web server shares (see config/settings/media_storage.py).
MEDIA_STORAGE_URL = env("MEDIA_STORAGE_URL", default="")
if not MEDIA_STORAGE_URL:
    raise ImproperlyConfigured(
        "MEDIA_STORAGE_URL must be set in production: s3://KEY:SECRET@HOST/BUCKET, or "
        "file:///PATH on a volume every web server shares."
    )
_media_storage, MEDIA_URL, _media_origin = media_storage_from_url(MEDIA_STORAGE_URL)
# Lesson media: private, signed per request. Without its own URL it sits beside the public
# media under a private prefix (file://) or with private objects and presigned URLs (s3://).
LESSON_MEDIA_STORAGE = lesson_media_storage_from_url(
    env("LESSON_MEDIA_STORAGE_URL", default="") or MEDIA_STORAGE_URL
)
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "lesson_media": LESSON_MEDIA_STORAGE,
}
if _media_origin:
    for _directive in ("img-src", "media-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive].append(_media_origin)

# Staff and partner owners sign in with a second factor unless a deployment opts out.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=True)
MFA_REQUIRED_FOR_PARTNER_OWNERS = env.bool("MFA_REQUIRED_FOR_PARTNER_OWNERS", default=True)

# Sessions live in the cache (Redis) with the database behind it: a signed-in page reads its
# session without a query, and a lost cache entry is read back from the database.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Phone sign-in needs a real text-message provider: the console one prints codes to the logs.
# Off by default without one; switched on explicitly with the console backend, the checks
# below refuse to start.
PHONE_SIGN_IN_ENABLED = env.bool(
    "PHONE_SIGN_IN_ENABLED",
    default=SMS_BACKEND not in {"accounts.sms.ConsoleSmsBackend", "accounts.sms.MemorySmsBackend"},  # noqa: F405
)

# --- Refusals (ops) ----------------------------------------------------------------------
# Kept last so they judge the final values of every block above. The demo app (seed_demo
# and its well-known accounts) is for the `demo` compose profile, never for production.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "demo"]
_unsafe = unsafe_production_settings(globals())
if _unsafe:
    raise ImproperlyConfigured(
        "Refusing to start with unsafe production settings:\n- " + "\n- ".join(_unsafe)
    )
