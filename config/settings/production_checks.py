"""What production refuses to start with.

``config.settings.production`` calls :func:`unsafe_production_settings` on its final
values and raises ``ImproperlyConfigured`` listing every problem at once, so an operator
fixes the whole environment in one go instead of one restart per missing variable. The
function takes a plain mapping (the settings module's globals) so tests can call it
directly as well as through a real import in a subprocess.
"""

from collections.abc import Mapping

# Values that ship in this repository (settings defaults, docker-compose.yml, the
# Dockerfile's build step, the tests): anyone can read them, so they are not secrets.
PUBLISHED_SECRETS = frozenset(
    {
        "dev-only-insecure-secret-key-change-me",
        "change-me-in-production-please",
        "build-only",
        "test-secret-key",
        "sandbox-webhook-secret",
    }
)
# Django's own deploy check (security.W009) asks for 50 characters and 5 distinct ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
# An HMAC key shorter than this is guessable offline from one signed webhook.
WEBHOOK_SECRET_MIN_LENGTH = 32
# Backends that never deliver mail: a receipt or a password reset would vanish silently.
UNDELIVERED_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }
)

# Kept in step with accounts.sms (settings may not import apps): backends that never reach a
# phone, and what the Alibaba Cloud one needs.
UNDELIVERED_SMS_BACKENDS = frozenset({"accounts.sms.ConsoleSmsBackend", "accounts.sms.MemorySmsBackend"})
ALIYUN_SMS_REQUIRED = (
    "ALIYUN_SMS_ACCESS_KEY_ID",
    "ALIYUN_SMS_ACCESS_KEY_SECRET",
    "ALIYUN_SMS_SIGN_NAME",
    "ALIYUN_SMS_TEMPLATE_CODE",
)


def _weak_secret(value: str, *, min_length: int) -> str | None:
    if not value:
        return "is not set"
    if value in PUBLISHED_SECRETS or value.startswith(("dev-only", "django-insecure-")):
        return "is a default published in this repository"
    if len(value) < min_length:
        return f"is shorter than {min_length} characters"
    return None


def _enabled_providers(values: Mapping) -> list[str]:
    default = values.get("PAYMENT_PROVIDER") or "sandbox"
    return [default, *[name for name in values.get("PAYMENT_PROVIDERS_ENABLED") or [] if name != default]]


def unsafe_production_settings(values: Mapping) -> list[str]:
    """One sentence per unsafe setting; an empty list means production may start."""
    problems = []
    if values.get("DEBUG"):
        problems.append("DEBUG must be false in production (tracebacks would show settings and data).")

    secret_key = values.get("SECRET_KEY") or ""
    if not secret_key:
        problems.append("SECRET_KEY must be set in production.")
    else:
        weakness = _weak_secret(secret_key, min_length=SECRET_KEY_MIN_LENGTH)
        if weakness is None and len(set(secret_key)) < SECRET_KEY_MIN_UNIQUE:
            weakness = f"has fewer than {SECRET_KEY_MIN_UNIQUE} distinct characters"
        if weakness:
            problems.append(
                f"SECRET_KEY {weakness}: generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
            )

    providers = _enabled_providers(values)
    if "sandbox" in providers:
        problems.append(
            "The sandbox payment provider accepts `tok_success` as payment: set PAYMENT_PROVIDER "
            "(and PAYMENT_PROVIDERS_ENABLED) to a real provider such as stripe."
        )
        weakness = _weak_secret(
            values.get("SANDBOX_WEBHOOK_SECRET") or "", min_length=WEBHOOK_SECRET_MIN_LENGTH
        )
        if weakness:
            problems.append(f"SANDBOX_WEBHOOK_SECRET {weakness}: anyone could sign a payment webhook.")
    if "stripe" in providers:
        if not values.get("STRIPE_API_KEY"):
            problems.append("STRIPE_API_KEY must be set when the stripe provider is enabled.")
        weakness = _weak_secret(
            values.get("STRIPE_WEBHOOK_SECRET") or "", min_length=WEBHOOK_SECRET_MIN_LENGTH
        )
        if weakness:
            problems.append(
                f"STRIPE_WEBHOOK_SECRET {weakness}: copy the endpoint's signing secret from Stripe."
            )

    if "wechatpay" in providers:
        for key in (
            "WECHATPAY_MCHID",
            "WECHATPAY_APPID",
            "WECHATPAY_API_V3_KEY",
            "WECHATPAY_PRIVATE_KEY",
            "WECHATPAY_CERT_SERIAL_NO",
            "WECHATPAY_NOTIFY_URL",
        ):
            if not values.get(key):
                problems.append(f"{key} must be set when the wechatpay provider is enabled.")
        if not (values.get("WECHATPAY_CERT_DIR") or values.get("WECHATPAY_PUBLIC_KEY")):
            problems.append(
                "WECHATPAY_CERT_DIR or WECHATPAY_PUBLIC_KEY must be set: without them no "
                "WeChat Pay notification can be verified."
            )
    if "alipay" in providers:
        for key in ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY", "ALIPAY_NOTIFY_URL"):
            if not values.get(key):
                problems.append(f"{key} must be set when the alipay provider is enabled.")

    sms_backend = values.get("SMS_BACKEND") or ""
    if values.get("PHONE_SIGN_IN_ENABLED") and sms_backend in UNDELIVERED_SMS_BACKENDS:
        problems.append(
            f"SMS_BACKEND {sms_backend} never texts anyone (it would print sign-in codes to the "
            "logs): set SMS_BACKEND=accounts.sms.AliyunSmsBackend or PHONE_SIGN_IN_ENABLED=false."
        )
    if values.get("PHONE_SIGN_IN_ENABLED") and sms_backend == "accounts.sms.AliyunSmsBackend":
        for key in ALIYUN_SMS_REQUIRED:
            if not values.get(key):
                problems.append(f"{key} must be set for the Alibaba Cloud SMS backend.")

    email_backend = values.get("EMAIL_BACKEND") or ""
    if not email_backend:
        problems.append("EMAIL_BACKEND must be set in production (receipts and password resets).")
    elif email_backend in UNDELIVERED_EMAIL_BACKENDS:
        problems.append(
            f"EMAIL_BACKEND {email_backend} never delivers mail: configure an SMTP or API backend."
        )

    visibility, time_limit = values.get("CELERY_VISIBILITY_TIMEOUT"), values.get("CELERY_TASK_TIME_LIMIT")
    if values.get("REDIS_URL") and visibility and time_limit and visibility <= time_limit:
        problems.append(
            f"CELERY_VISIBILITY_TIMEOUT ({visibility} s) must exceed CELERY_TASK_TIME_LIMIT "
            f"({time_limit} s): Redis would hand a task that is still running to a second worker."
        )

    if "demo" in (values.get("INSTALLED_APPS") or ()):
        problems.append("The demo app (seed_demo, demo accounts) must not be installed in production.")
    return problems
