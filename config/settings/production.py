"""Production: refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, env
from .media_storage import media_storage_from_url

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
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
# (smtps:// and smtp+tls:// use STARTTLS, smtp+ssl:// implicit TLS). A backend that writes
# messages to the log or a file would put password-reset links where operators read them.
EMAIL_URL = env("EMAIL_URL", default="")
if not EMAIL_URL:
    raise ImproperlyConfigured("EMAIL_URL must be set in production (smtp+tls://user:password@host:587).")
_mail = env.email_url_config(EMAIL_URL)
if _mail["EMAIL_BACKEND"].rsplit(".", 2)[-2] in {"console", "filebased", "locmem", "dummy"}:
    raise ImproperlyConfigured(
        "EMAIL_URL must name an SMTP server in production: console and file mail print "
        "password-reset links to logs, memory and dummy mail lose every message."
    )
# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS/SSL.
globals().update(_mail)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Uploaded media on a bucket every web server shares (see config/settings/media_storage.py).
MEDIA_STORAGE_URL = env("MEDIA_STORAGE_URL", default="")
if not MEDIA_STORAGE_URL:
    raise ImproperlyConfigured(
        "MEDIA_STORAGE_URL must be set in production: s3://KEY:SECRET@HOST/BUCKET, or "
        "file:///PATH on a volume every web server shares."
    )
_media_storage, MEDIA_URL, _media_origin = media_storage_from_url(MEDIA_STORAGE_URL)
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if _media_origin:
    for _directive in ("img-src", "media-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive].append(_media_origin)
