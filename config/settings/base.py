"""Settings shared by every environment; values come from the environment (12-factor)."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from core.languages import read_languages

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection costs ~40 queries' worth of time, so
# each web thread keeps its own for CONN_MAX_AGE seconds, checked before reuse (a restarted
# server or a pgbouncer in front costs one failed check, never a failed request).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=True))
# Prepared statements (psycopg's server-side binding): each connection has PostgreSQL parse
# and plan a statement once, after it ran DATABASE_PREPARE_THRESHOLD times (default 5),
# instead of on every run, and the parameters travel apart from the SQL instead of being
# quoted into it in Python. A coded checkout (~39 statements) then costs PostgreSQL ~5 instead
# of ~10 ms of CPU and Python ~3-5 ms less (bench/checkout_profile.py prints both), the
# largest single share of what caps checkouts per second on two cores (README, issue 9).
# 0 turns it off: behind pgbouncer in transaction pooling it needs pgbouncer >= 1.21 with
# max_prepared_statements set (docker-compose.yml sets it). Server-side binding cannot
# carry parameters in SET, NOTIFY or DDL; the code passes none there.
_prepare_threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
if _prepare_threshold > 0 and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=_prepare_threshold
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web process, a worker and beat share the embedded database: wait for locks
    # instead of failing with "database is locked". A transaction that reads, then writes,
    # while another one writes cannot wait (SQLite answers at once rather than risk a
    # deadlock: the outbox worker failed so beside `make run`'s seeding), so transactions
    # take the write lock when they begin, and a busy database is waited for up to timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

REDIS_URL = env("REDIS_URL", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

INSTALLED_APPS = [
    # modeltranslation must come before the admin so its TranslationAdmin tabs work.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
    "core",
    "accounts",
    "courses",
    "partners",
    "plans",
    "campaigns",
    "commerce",
    "questions",
    "culture",
    "analytics",
    "payouts",
    "recommender",
    "notifications",
    "invoices",
    "referrals",
    "portal",
    "demo",
]

MIDDLEWARE = [
    # First: an anonymous GET whose shared cached answer is current is served from one
    # Redis read before the rest of the stack runs (core/fast_path.py, issue 9).
    "core.fast_path.AnonymousFastPathMiddleware",
    # A new visitor's landing page and tracking-link click: one Redis round trip
    # (campaigns/fast_path.py).
    "campaigns.fast_path.CampaignFastPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's middleware with its policy built once per process (core/csp.py, issue 9).
    "core.csp.CachedPolicyCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.QueryLanguageMiddleware",
    "core.middleware.UserTimeZoneMiddleware",
    # Redis or broker down -> 503 (localized), not 500; see core/outages.py.
    "core.middleware.ServiceOutageMiddleware",
    "core.db_routers.ReplicaReadsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After auth and messages, so its 400 page has the language, the user and the headers.
    "core.input_guard.RejectNulCharacterMiddleware",
]

# A signed-in learner's cached pages and a token's cached recommendations, answered before URL
# resolution (courses/signed_in_pages.py, recommender/api/fast_path.py): after the session,
# language and time zone are known, before CSRF, auth and the rest.
_after_zone = MIDDLEWARE.index("core.middleware.UserTimeZoneMiddleware") + 1
MIDDLEWARE[_after_zone:_after_zone] = [
    "courses.signed_in_pages.SignedInPageMiddleware",
    "recommender.api.fast_path.RecommendationsFastPathMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
                "courses.context_processors.learning",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Session keys that make an anonymous page personal (core.caching.page_is_cacheable).
PAGE_CACHE_BYPASS_SESSION_KEYS = ("cart",)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "courses:home"
LOGOUT_REDIRECT_URL = "courses:home"

# --- Languages -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The languages live in config/languages.toml (code, English name, first currency), which
# `manage.py add_language` appends to; the lists below are derived from it.
LANGUAGES_FILE = BASE_DIR / "config" / "languages.toml"
_LANGUAGE_ENTRIES = read_languages(LANGUAGES_FILE)
# Django's own catalogue translates the names of the languages it knows; ours adds the rest.
LANGUAGES = [(entry["code"], _(entry["name"])) for entry in _LANGUAGE_ENTRIES]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
# Requested language, then English, then Chinese: a title is never empty.
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "zh-hans")
# The admin's language tabs use a local stand-in for jQuery UI's tabs widget, not a CDN.
JQUERY_UI_URL = "core/admin/jquery-ui-tabs.js"

# --- Money -----------------------------------------------------------------------------
CURRENCIES = ("CNY", "USD", "JPY", "EUR")
DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", default="USD")
# The currency a visitor sees first, by interface language; they can switch.
CURRENCY_BY_LANGUAGE = {entry["code"]: entry["currency"] for entry in _LANGUAGE_ENTRIES}

# --- Static and media ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Lesson video and audio: a storage outside MEDIA_ROOT that nothing serves by path; the
# signed lesson-media view checks the enrollment first (courses/learning/media.py).
LESSON_MEDIA_ROOT = Path(env("LESSON_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
LESSON_MEDIA_STORAGE = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(LESSON_MEDIA_ROOT), "base_url": "/unserved/"},
}
# Seconds a signed lesson-media URL stays valid; the lesson page signs a fresh one each view.
LESSON_MEDIA_URL_SECONDS = env.int("LESSON_MEDIA_URL_SECONDS", default=6 * 3600)
# Behind nginx: the internal location that maps LESSON_MEDIA_ROOT (X-Accel-Redirect), so
# nginx streams the file and its byte ranges; empty = Django streams it (FileResponse).
LESSON_MEDIA_ACCEL_PREFIX = env("LESSON_MEDIA_ACCEL_PREFIX", default="")
# A lesson completes itself once this share of its media has really been played.
LESSON_COMPLETION_SHARE = env.float("LESSON_COMPLETION_SHARE", default=0.9)
# Learner referrals (referrals/): attribution window of a link or code, the hold before a
# commission can be withdrawn (the refund window), the default rates of courses without a
# CommissionRate row, and the burst rule (more referred orders than the limit from one
# address inside the window are flagged, not paid).
REFERRAL_ATTRIBUTION_WINDOW_DAYS = env.int("REFERRAL_ATTRIBUTION_WINDOW_DAYS", default=30)
REFERRAL_HOLD_DAYS = env.int("REFERRAL_HOLD_DAYS", default=14)
REFERRAL_DEFAULT_RATE = env("REFERRAL_DEFAULT_RATE", default="0.10")
REFERRAL_DEFAULT_INDIRECT_RATE = env("REFERRAL_DEFAULT_INDIRECT_RATE", default="0.02")
REFERRAL_BURST_WINDOW_MINUTES = env.int("REFERRAL_BURST_WINDOW_MINUTES", default=60)
REFERRAL_BURST_LIMIT = env.int("REFERRAL_BURST_LIMIT", default=3)
# A TTF/TTC/OTF covering Latin, Chinese and Japanese for certificate PDFs; empty = the Debian
# fonts-wqy-microhei or fonts-noto-cjk file (courses/learning/certificate_pdf.py).
CERTIFICATE_FONT = env("CERTIFICATE_FONT", default="")
# The font for Arabic letters on certificates (courses/learning/certificate_pdf.py).
CERTIFICATE_ARABIC_FONT = env("CERTIFICATE_ARABIC_FONT", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "lesson_media": LESSON_MEDIA_STORAGE,
}

# --- Cache -----------------------------------------------------------------------------
# "default" raises when Redis is down: throttles, failed-code counters and anything else that
# must not pass silently answer 503 (core/outages.py). "soft" is for data that only speeds a
# page up (catalog fragments, computed figures): an outage reads as a miss and the page is
# built from the database. Both share one Redis, so every web process sees the same entries
# and an invalidation in one process is seen by all. Short socket timeouts: a hung Redis
# costs a request one second, not a gunicorn timeout.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
if REDIS_URL:
    _redis_options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
        "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _redis_options,
        },
        "soft": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "soft",
            "OPTIONS": {**_redis_options, "IGNORE_EXCEPTIONS": True},
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "soft": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "soft"},
    }

# Catalog data (lists, course pages, the category tree, anonymous pages) is cached per
# language and currency at most this long; every edit invalidates it at once, so the
# timeout only bounds counters that change without an edit (enrollments, seats taken).
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=60)
# Landing-page views and tracking-link clicks are buffered in Redis and written in bulk
# by the campaigns.flush_touches task (every TOUCH_FLUSH_SECONDS, and at once when the
# buffer holds TOUCH_FLUSH_BATCH touches); without Redis each touch is written at once.
TOUCH_BUFFER = env.bool("TOUCH_BUFFER", default=bool(REDIS_URL))
TOUCH_FLUSH_SECONDS = env.float("TOUCH_FLUSH_SECONDS", default=5.0)
TOUCH_FLUSH_BATCH = env.int("TOUCH_FLUSH_BATCH", default=1000)

# --- Celery ----------------------------------------------------------------------------
# Without Redis the broker is kombu's filesystem transport: it needs no server, so the
# worker and beat of `make run` still execute the nightly jobs as real Celery tasks.
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / ".celery-broker")))
# With acks_late a task whose worker died is delivered again once it has been unacknowledged
# for this long, so it must exceed the longest task (CELERY_TASK_TIME_LIMIT) and countdown.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # kombu looks for abandoned messages every interval x throttle seconds (100 s by
        # default); a short visibility timeout deserves a sweep to match.
        "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 3)),
        "unacked_restore_throttle": 1 if CELERY_VISIBILITY_TIMEOUT < 300 else 10,
        "socket_connect_timeout": REDIS_SOCKET_TIMEOUT * 2,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
        # Exchange tables (``celery.exchange``, ``celery.pidbox.exchange``); kombu's default
        # is ``control/`` in the working directory, i.e. inside the repository.
        "control_folder": str(CELERY_BROKER_DIR / "control"),
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The site's public address, for links in e-mails sent by workers (no request there).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Partner webhooks: retried with doubling delays for a day; an endpoint failing this many
# attempts in a row is switched off (its owners are told). Plain http only where allowed.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3 * 3600)
WEBHOOK_RETRY_FOR_SECONDS = env.int("WEBHOOK_RETRY_FOR_SECONDS", default=24 * 3600)
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=15)
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
# How long a partner invitation link works.
PARTNER_INVITATION_DAYS = env.int("PARTNER_INVITATION_DAYS", default=7)
# Partner statements are calendar months in this zone (the platform's books).
STATEMENT_TIME_ZONE = env("STATEMENT_TIME_ZONE", default="UTC")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 25
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# --- Celery queues (ops) -----------------------------------------------------------------
# Two queues, one worker pool each, so a long nightly job never delays a receipt:
# "interactive" (receipts, webhooks, the outbox, payment reconciliation, seat holds, schedule
# checks: seconds, someone is waiting) and "nightly" (training, metrics, allocation,
# overlap: minutes to hours). Routing is by task-name pattern, so a new task lands in the
# right queue without touching this list: anything not named here is interactive.
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_QUEUE_NIGHTLY = "nightly"
CELERY_TASK_ROUTES = {
    pattern: {"queue": CELERY_TASK_QUEUE_NIGHTLY}
    for pattern in ("recommender.*", "campaigns.analytics.*", "analytics.*", "*.nightly_*")
}
# django-celery-beat's DatabaseScheduler copies these entries into its tables on start, so
# staff see and edit them in the admin (Periodic tasks). Times are in CELERY_TIMEZONE.
CELERY_BEAT_SCHEDULE = {
    "nightly-campaign-metrics": {
        "task": "campaigns.analytics.compute_campaign_metrics_for_day",
        "schedule": crontab(hour=1, minute=0),
    },
    "nightly-variant-allocation": {
        "task": "campaigns.analytics.update_variant_weights",
        "schedule": crontab(hour=1, minute=30),
    },
    "nightly-audience-overlap": {
        "task": "campaigns.analytics.compute_audience_overlap",
        "schedule": crontab(hour=1, minute=45),
    },
    # Cultural themes mined from the catalog, then review sentiment and its spike alerts.
    "nightly-cultural-themes": {
        "task": "culture.nightly_mine_themes",
        "schedule": crontab(hour=2, minute=0),
    },
    "nightly-review-sentiment": {
        "task": "culture.nightly_review_sentiment",
        "schedule": crontab(hour=2, minute=15),
    },
    "nightly-recommender-training": {
        "task": "recommender.tasks.train_recommender",
        "schedule": crontab(hour=2, minute=30),
    },
    # Sales leave their learner-count changes in a narrow table, not on the course row.
    "enrollment-counts-fold": {
        "task": "courses.tasks.fold_enrollment_counts",
        "schedule": crontab(minute="*"),
    },
    # The catalog search picks its candidates among the most popular matches.
    "search-popularity-refresh": {
        "task": "courses.tasks.refresh_search_popularity",
        "schedule": crontab(minute=20),
    },
    # Settles pending orders and refunds against the provider and releases expired holds.
    "payments-reconcile": {
        "task": "commerce.tasks.reconcile_payments",
        "schedule": crontab(minute="*"),
    },
    # Renews due subscriptions, retries failed renewals, ends cancelled and overdue ones,
    # and shares finished plan periods with the instructors.
    "subscriptions-advance": {
        "task": "commerce.tasks.advance_subscriptions",
        "schedule": crontab(minute="*/5"),
    },
    # Ends entitlements whose time ran out (alliance grants) and the enrollments they gave.
    "entitlements-end": {
        "task": "plans.tasks.end_due_entitlements",
        "schedule": crontab(minute="*/15"),
    },
    # Delivers outbox messages (receipts...) that the broker lost or a handler failed.
    "outbox-drain": {
        "task": "core.tasks.outbox_drain",
        "schedule": crontab(minute="*"),
    },
    # Writes the touches buffered in Redis (landing views, tracking-link clicks) in bulk.
    "flush-buffered-touches": {
        "task": "campaigns.flush_touches",
        "schedule": TOUCH_FLUSH_SECONDS,
    },
    # Delivers due partner webhooks (retries and anything a lost queue message left).
    "partner-webhooks": {
        "task": "partners.deliver_webhooks",
        "schedule": crontab(minute="*"),
    },
    # Closes each complete month's partner statements (a no-op on the other nights).
    "nightly-partner-statements": {
        "task": "payouts.nightly_close_statements",
        "schedule": crontab(hour=3, minute=15),
    },
    # Starts and ends campaigns on schedule and ends those whose budget is spent.
    "campaign-schedule-and-budget-checks": {
        "task": "campaigns.advance_schedule",
        "schedule": crontab(minute="*/15"),
    },
    # Referral commissions whose refund window has passed become available to withdraw.
    "referral-commission-release": {
        "task": "referrals.release_commissions",
        "schedule": crontab(minute=10),
    },
    # Live-class reminders (24 h and 1 h before); set-based, a rerun sends nothing twice.
    "live-class-reminders": {
        "task": "notifications.tasks.send_live_reminders",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Django REST Framework -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token's user (with the profile whose time zone the API uses) from the cache.
        "accounts.auth_cache.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    # JSON bodies only (the schema offers what the views accept); NUL characters refused.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "anon": "120/min",
        "user": "600/min",
        "auth": "20/min",
        "partner_api": "600/min",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhiqiao API",
    "DESCRIPTION": "Storefront API (/api/v1/) and partner API (/api/partner/v1/) of Zhiqiao.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # 3.1 for its webhooks section: the events Zhiqiao pushes to partners.
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": [
        f"partners.api.webhook_schema.{name}"
        for name in (
            "attribution_created",
            "code_redeemed",
            "order_refunded",
            "enrollment_completed",
            "campaign_status_changed",
            "metrics_daily_ready",
            "customer_consent_withdrawn",
            "ping",
        )
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets come from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One enum name per choice set that several apps' serializers share.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "django.conf.settings.LANGUAGES",
        "LanguageCodeEnum": [code for code, _name in LANGUAGES],
        "CurrencyEnum": "django.conf.settings.CURRENCIES",
        "NotificationKindEnum": "notifications.models.Kind",
        "CommissionLevelEnum": "referrals.models.Commission.Level",
        "LevelEnum": "courses.models.Course.Level",
    },
}

# --- Security headers (issue 11) ---------------------------------------------------------
# Scripts only from our origin or with the per-response nonce (request.csp_nonce); styles may
# be inline because templates colour covers and bars with style attributes, which nonces
# cannot cover. Media may come from the bucket's origin (MEDIA_URL) in production.
CSP_MEDIA_ORIGINS = env.list("CSP_MEDIA_ORIGINS", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", *CSP_MEDIA_ORIGINS],
        "media-src": [SELF, *CSP_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# --- Doors: client address, rate limits, lockouts, two-factor authentication ------------
# How many reverse proxies in front of the site append to X-Forwarded-For; the client is the
# entry the outermost one wrote (core/client_address.py). 0: the peer address is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Per-address and per-account limits of the doors, counted atomically in Redis
# (core/ratelimit.py). "auth" is shared by every sign-in door: web, admin, API token, MFA code.
RATE_LIMITS = {
    "auth": env("RATE_LIMIT_AUTH", default="20/min"),
    # Failed password checks per username, from any address (exact under concurrency).
    "auth_account": env("RATE_LIMIT_AUTH_ACCOUNT", default="10/15min"),
    "signup": env("RATE_LIMIT_SIGNUP", default="5/hour"),
    "password_reset": env("RATE_LIMIT_PASSWORD_RESET", default="10/hour"),
    "password_reset_email": env("RATE_LIMIT_PASSWORD_RESET_EMAIL", default="3/hour"),
    "mfa": env("RATE_LIMIT_MFA", default="10/15min"),
    "partner_application": env("RATE_LIMIT_PARTNER_APPLICATION", default="5/hour"),
    "discount_code_address": env("RATE_LIMIT_DISCOUNT_CODE_ADDRESS", default="20/10min"),
    # Questions, answers, upvotes and reports on lessons, per client address (web and API).
    "questions": env("RATE_LIMIT_QUESTIONS", default="30/10min"),
    # Sign-in codes by text message: per mobile number, and per client address.
    "sms_phone": env("RATE_LIMIT_SMS_PHONE", default="5/hour"),
    "sms_address": env("RATE_LIMIT_SMS_ADDRESS", default="20/hour"),
}
# Signing in with a mobile number (accounts/phone.py): the text-message provider, the code's
# life and its wrong tries, and the region of numbers written without "+<country code>".
SMS_BACKEND = env("SMS_BACKEND", default="accounts.sms.ConsoleSmsBackend")
# accounts.sms.AliyunSmsBackend (Alibaba Cloud SMS, dysmsapi SendSms): an AccessKey pair, the
# approved signature name and a template with a ${code} variable.
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_TEMPLATE_CODE = env("ALIYUN_SMS_TEMPLATE_CODE", default="")
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/")
ALIYUN_SMS_REGION = env("ALIYUN_SMS_REGION", default="cn-hangzhou")
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=5.0)
PHONE_CODE_TTL_SECONDS = env.int("PHONE_CODE_TTL_SECONDS", default=300)
PHONE_CODE_MAX_ATTEMPTS = env.int("PHONE_CODE_MAX_ATTEMPTS", default=5)
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="CN")
# Off = no phone sign-in pages or endpoints. Production turns it on only with a real provider
# (the console backend would print the codes to the logs).
PHONE_SIGN_IN_ENABLED = env.bool("PHONE_SIGN_IN_ENABLED", default=True)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(
    {
        "auth": RATE_LIMITS["auth"],
        "questions": RATE_LIMITS["questions"],
        "partner_api": env("RATE_LIMIT_PARTNER_API", default="600/min"),
        # Wrong, revoked or missing partner API keys per address.
        "partner_key_misuse": env("RATE_LIMIT_PARTNER_KEY_MISUSE", default="20/min"),
    }
)
INSTALLED_APPS += [
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "core.client_address.ClientAddressMiddleware",
)
MIDDLEWARE += [
    "accounts.middleware.DoorThrottleMiddleware",
    "accounts.middleware.MfaMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into the answer.
    "axes.middleware.AxesMiddleware",
]
# django-axes checks every authenticate() call first and records failures in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.AttemptLimitedModelBackend",
]
# Locked out after this many failures from one address, or against one username, within
# the cool-off; every failure during a lockout starts the cool-off again.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# A right password must not wipe the failures of a wrong second factor.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# TOTP (authenticator app) with recovery codes, via django-otp. Users with a device are
# always asked for a code; these settings make a device compulsory for staff and for the
# owners of partner accounts (production turns both on).
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=False)
MFA_REQUIRED_FOR_PARTNER_OWNERS = env.bool("MFA_REQUIRED_FOR_PARTNER_OWNERS", default=False)
MFA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "Zhiqiao"
# The admin lists devices but never shows their secret keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Sign in with WeChat and Google (django-allauth, socialaccount part only) -------------
# See accounts/social.py for why only this part, under /accounts/social/, and how accounts
# are linked (by an e-mail address the provider verified, never by another one).
INSTALLED_APPS += [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.weixin",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("accounts.middleware.DoorThrottleMiddleware"),
    "allauth.account.middleware.AccountMiddleware",
)
SOCIALACCOUNT_ONLY = True
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# An address taken by another account shows the "choose another address" form instead of
# pretending to send a mail (there is no allauth mail to send with SOCIALACCOUNT_ONLY).
ACCOUNT_PREVENT_ENUMERATION = False
# Provider tokens are not kept: we only need who the learner is.
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_ADAPTER = "accounts.social.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.social.SocialAccountAdapter"
# Credentials from the environment; a provider without both is not offered.
SOCIAL_LOGIN_CREDENTIALS = {
    "google": (env("GOOGLE_CLIENT_ID", default=""), env("GOOGLE_CLIENT_SECRET", default="")),
    "weixin": (env("WEIXIN_APP_ID", default=""), env("WEIXIN_APP_SECRET", default="")),
}
SOCIALACCOUNT_PROVIDERS = {
    provider: {"APPS": [{"client_id": client_id, "secret": secret, "key": ""}]}
    for provider, (client_id, secret) in SOCIAL_LOGIN_CREDENTIALS.items()
    if client_id and secret
}
# WeChat's QR-code sign-in page on desktop browsers (the default); the scope of "Website app".
SOCIALACCOUNT_PROVIDERS.setdefault("weixin", {}).update(SCOPE=["snsapi_login"])
SOCIALACCOUNT_PROVIDERS.setdefault("google", {}).update(SCOPE=["openid", "email", "profile"])

# --- E-mail ----------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Zhiqiao <no-reply@zhiqiao.example>")
# Where links in e-mails point (unsubscribe, the inbox, a live class): no request to ask.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Partner owners get one alert as a campaign's spend crosses each of these % of its budget.
NOTIFICATIONS_BUDGET_THRESHOLDS = (50, 80, 100)

# --- Partners -------------------------------------------------------------------------
# Partner-facing aggregates about fewer people than this are suppressed.
PARTNER_MIN_GROUP_SIZE = env.int("PARTNER_MIN_GROUP_SIZE", default=10)
# Review sentiment spikes (culture): the recent window, the fewest recent scored reviews
# that can raise an alert, and how far above the course's earlier negative share the
# window's share must be.
CULTURE_SPIKE_WINDOW_DAYS = env.int("CULTURE_SPIKE_WINDOW_DAYS", default=7)
CULTURE_SPIKE_MIN_REVIEWS = env.int("CULTURE_SPIKE_MIN_REVIEWS", default=5)
CULTURE_SPIKE_MIN_RISE = env.float("CULTURE_SPIKE_MIN_RISE", default=0.25)
# Weight of the accepted cultural themes among the recommender's item features (0: off).
RECOMMENDER_THEME_WEIGHT = env.float("RECOMMENDER_THEME_WEIGHT", default=0.5)

# --- Payments --------------------------------------------------------------------------
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", default="sandbox")
PAYMENT_PROVIDERS_ENABLED = env.list("PAYMENT_PROVIDERS_ENABLED", default=[])
SANDBOX_WEBHOOK_SECRET = env("SANDBOX_WEBHOOK_SECRET", default="sandbox-webhook-secret")
STRIPE_API_KEY = env("STRIPE_API_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com")
# WeChat Pay (API v3) and Alipay, for learners paying in CNY (README "WeChat Pay and Alipay").
# Keys are PEM text or a path to a PEM file; the *_NOTIFY_URL are this site's public
# /api/v1/payments/webhooks/<provider>/ addresses.
WECHATPAY_MCHID = env("WECHATPAY_MCHID", default="")
WECHATPAY_APPID = env("WECHATPAY_APPID", default="")
# The official account's AppSecret: with it, a learner inside WeChat is identified to the
# payment app by its silent web authorization (commerce.wechat_payer) and pays in-app.
WECHATPAY_APP_SECRET = env("WECHATPAY_APP_SECRET", default="")
WECHAT_OPEN_BASE = env("WECHAT_OPEN_BASE", default="https://open.weixin.qq.com")
WECHAT_API_BASE = env("WECHAT_API_BASE", default="https://api.weixin.qq.com")
WECHATPAY_API_V3_KEY = env("WECHATPAY_API_V3_KEY", default="")
WECHATPAY_PRIVATE_KEY = env("WECHATPAY_PRIVATE_KEY", default="")
WECHATPAY_CERT_SERIAL_NO = env("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_CERT_DIR = env("WECHATPAY_CERT_DIR", default="")
WECHATPAY_PUBLIC_KEY = env("WECHATPAY_PUBLIC_KEY", default="")
WECHATPAY_PUBLIC_KEY_ID = env("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_NOTIFY_URL = env("WECHATPAY_NOTIFY_URL", default="")
WECHATPAY_API_BASE = env("WECHATPAY_API_BASE", default="https://api.mch.weixin.qq.com")
ALIPAY_APP_ID = env("ALIPAY_APP_ID", default="")
ALIPAY_APP_PRIVATE_KEY = env("ALIPAY_APP_PRIVATE_KEY", default="")
ALIPAY_PUBLIC_KEY = env("ALIPAY_PUBLIC_KEY", default="")
ALIPAY_NOTIFY_URL = env("ALIPAY_NOTIFY_URL", default="")
ALIPAY_GATEWAY = env("ALIPAY_GATEWAY", default="https://openapi.alipay.com/gateway.do")
COMMERCE_SEAT_HOLD_MINUTES = env.int("COMMERCE_SEAT_HOLD_MINUTES", default=15)
# At most this many checkouts per process run their database phases at once (order opened,
# charge settled); the others wait their turn, a charged one before a new one (core/gate.py).
# A process's threads share one interpreter lock: past about one per CPU, more of them in
# their transactions only make each transaction longer. 0: no limit. Provider calls are
# outside the gate, so a slow provider still overlaps (README, "Checkout slots").
COMMERCE_CHECKOUT_SLOTS = env.int("COMMERCE_CHECKOUT_SLOTS", default=2)
# Money paths (issue 10): provider calls time out after this many seconds; the reconciler
# looks at pending orders and refunds older than COMMERCE_RECONCILE_AFTER_SECONDS.
PAYMENT_PROVIDER_TIMEOUT_SECONDS = env.float("PAYMENT_PROVIDER_TIMEOUT_SECONDS", default=15.0)
COMMERCE_RECONCILE_AFTER_SECONDS = env.int("COMMERCE_RECONCILE_AFTER_SECONDS", default=120)
# Transactional outbox (core/outbox.py): retries with backoff, then "failed" for staff.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=30)
OUTBOX_RETRY_MAX_SECONDS = env.int("OUTBOX_RETRY_MAX_SECONDS", default=3600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
# A process asks the workers to drain the outbox at most once per this many seconds after
# commits (a lone commit at once): a publish per sale cost a tenth of a checkout's CPU.
OUTBOX_KICK_SECONDS = env.float("OUTBOX_KICK_SECONDS", default=0.05)
# Memberships (issue 15): a failed renewal is tried again after each of these hours (counted
# from the failure); the learner keeps the plan's courses for SUBSCRIPTION_GRACE_DAYS after
# the period's end while the payment is overdue. PLAN_INSTRUCTOR_POOL_SHARE of a finished
# period's revenue goes to the instructors by lessons completed (commerce/ledger.py rule 4).
SUBSCRIPTION_RETRY_HOURS = [int(h) for h in env.list("SUBSCRIPTION_RETRY_HOURS", default=["24", "72", "120"])]
SUBSCRIPTION_GRACE_DAYS = env.int("SUBSCRIPTION_GRACE_DAYS", default=7)
# A membership the learner renews by paying again (WeChat Pay, Alipay: nothing to charge
# without them) is reminded this many days before its period ends, once per period.
SUBSCRIPTION_RENEWAL_REMINDER_DAYS = env.int("SUBSCRIPTION_RENEWAL_REMINDER_DAYS", default=3)
PLAN_INSTRUCTOR_POOL_SHARE = env("PLAN_INSTRUCTOR_POOL_SHARE", default="0.5")

# --- Campaign analytics ------------------------------------------------------------------
# Static conversion table for reporting: the value of one unit of each currency in a common
# base (USD). Campaign metrics convert orders in other currencies into the campaign's budget
# currency with these rates (amount * rate[from] / rate[to]); update them deliberately, the
# nightly rows of past days are only recomputed by backfill_campaign_metrics.
REPORTING_FX_RATES = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "CNY": Decimal("0.14"),
    "JPY": Decimal("0.0067"),
}
# Thompson sampling moves traffic only once every variant has at least this many visitors.
ANALYTICS_BANDIT_MIN_VISITORS = env.int("ANALYTICS_BANDIT_MIN_VISITORS", default=100)
# A running campaign that has spent at least this share of its budget raises a staff alert.
ANALYTICS_BUDGET_ALERT_SHARE = Decimal(env("ANALYTICS_BUDGET_ALERT_SHARE", default="0.8"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Read replica (ops) --------------------------------------------------------------------
# Optional. Reads that may lag (see core/db_routers.py) go to DATABASE_REPLICA_URL; the rest,
# and every write, to DATABASE_URL. Kept last so the replica copies the final options of
# the primary (persistent connections, health checks).
DATABASE_ROUTERS = ["core.db_routers.ReplicaRouter"]
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = {
        **{
            key: value
            for key, value in DATABASES["default"].items()
            if key not in ("NAME", "USER", "PASSWORD")
        },
        **env.db("DATABASE_REPLICA_URL"),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_REPLICA_APPS = ("courses", "campaigns", "commerce", "analytics", "recommender")
DATABASE_REPLICA_PATHS = (
    r"^/admin/analytics/",
    r"^/api/partner/v1/campaigns/\d+/metrics/$",
    r"^/api/partner/v1/customers/[^/]+/recommendations/$",
    r"^/api/v1/me/recommendations/$",
    r"^/api/v1/courses/[^/]+/similar/$",
    r"^/[\w-]+/partner/campaigns/\d+/(metrics/|analytics/|analytics\.csv)$",
)
# Behind pgbouncer in transaction pooling a server-side cursor (QuerySet.iterator()) may land
# on another backend than the transaction that declared it; Django then fetches in one go.
if env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False):
    for _alias in DATABASES.values():
        _alias["DISABLE_SERVER_SIDE_CURSORS"] = True
