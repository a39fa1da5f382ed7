"""Production refuses unsafe settings: each refusal is a real import of
``config.settings.production`` in a subprocess with a given environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.production_checks import unsafe_production_settings

ROOT = Path(__file__).resolve().parents[2]
# Everything a production import reads; the parent's values must not leak in.
READ_BY_SETTINGS = {
    "MEDIA_STORAGE_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "PAYMENT_PROVIDER",
    "PAYMENT_PROVIDERS_ENABLED",
    "SANDBOX_WEBHOOK_SECRET",
    "STRIPE_API_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "EMAIL_BACKEND",
    "EMAIL_URL",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_REPLICA_URL",
    "CELERY_VISIBILITY_TIMEOUT",
    "DISABLE_SERVER_SIDE_CURSORS",
    "SMS_BACKEND",
    "PHONE_SIGN_IN_ENABLED",
    "ALIYUN_SMS_ACCESS_KEY_ID",
    "ALIYUN_SMS_ACCESS_KEY_SECRET",
    "ALIYUN_SMS_SIGN_NAME",
    "ALIYUN_SMS_TEMPLATE_CODE",
}
ALIYUN_SMS = {
    "SMS_BACKEND": "accounts.sms.AliyunSmsBackend",
    "ALIYUN_SMS_ACCESS_KEY_ID": "LTAI5tExampleKeyId",
    "ALIYUN_SMS_ACCESS_KEY_SECRET": "example-access-key-secret",
    "ALIYUN_SMS_SIGN_NAME": "知桥",
    "ALIYUN_SMS_TEMPLATE_CODE": "SMS_123456789",
}
SAFE = {
    "SECRET_KEY": "k7Qv-2xN_9pLr4TzWm8YcB1sHd6GfJ0aEoUiKl3nVbXqRt5yZw",
    "ALLOWED_HOSTS": "zhiqiao.example",
    "DATABASE_URL": "postgres://zhiqiao@db.internal:5432/zhiqiao",
    "PAYMENT_PROVIDER": "stripe",
    "STRIPE_API_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_0123456789abcdefghijklmnopqrstuv",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "MEDIA_STORAGE_URL": "file:///tmp/zq-prod-media",
}


def _import_production(**overrides: str | None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in READ_BY_SETTINGS}
    env.update(SAFE)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    code = "from django.conf import settings; print(sorted(settings.INSTALLED_APPS))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_starts_with_safe_settings_and_without_the_demo_app():
    result = _import_production()

    assert result.returncode == 0, result.stderr
    assert "'demo'" not in result.stdout
    assert "'commerce'" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG must be false in production"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set in production"),
        # the key docker-compose.yml falls back to
        ({"SECRET_KEY": "change-me-in-production-please"}, "SECRET_KEY is a default published"),
        ({"SECRET_KEY": "dev-only-insecure-secret-key-change-me"}, "SECRET_KEY is a default published"),
        ({"SECRET_KEY": "Zx9!" * 10}, "SECRET_KEY is shorter than 50 characters"),
        ({"SECRET_KEY": "ab" * 30}, "SECRET_KEY has fewer than 5 distinct characters"),
        ({"PAYMENT_PROVIDER": "sandbox"}, "The sandbox payment provider accepts `tok_success`"),
        ({"PAYMENT_PROVIDERS_ENABLED": "stripe,sandbox"}, "The sandbox payment provider accepts"),
        (
            {"PAYMENT_PROVIDER": "sandbox", "SANDBOX_WEBHOOK_SECRET": None},
            "SANDBOX_WEBHOOK_SECRET is a default published",
        ),
        (
            {"PAYMENT_PROVIDER": "sandbox", "SANDBOX_WEBHOOK_SECRET": "short-secret"},
            "SANDBOX_WEBHOOK_SECRET is shorter than 32 characters",
        ),
        ({"STRIPE_WEBHOOK_SECRET": None}, "STRIPE_WEBHOOK_SECRET is not set"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_123"}, "STRIPE_WEBHOOK_SECRET is shorter than 32 characters"),
        ({"STRIPE_API_KEY": None}, "STRIPE_API_KEY must be set"),
        ({"PAYMENT_PROVIDERS_ENABLED": "stripe,wechatpay"}, "WECHATPAY_MCHID must be set"),
        ({"PAYMENT_PROVIDERS_ENABLED": "stripe,wechatpay"}, "WECHATPAY_NOTIFY_URL must be set"),
        (
            {"PAYMENT_PROVIDERS_ENABLED": "stripe,wechatpay", "WECHATPAY_MCHID": "1900000109"},
            "WECHATPAY_CERT_DIR or WECHATPAY_PUBLIC_KEY must be set",
        ),
        ({"PAYMENT_PROVIDER": "alipay"}, "ALIPAY_PUBLIC_KEY must be set"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "never delivers mail"),
        ({"EMAIL_BACKEND": None}, "never delivers mail"),  # the development default is the console
        # Phone sign-in switched on with the console backend: codes would go to the logs.
        ({"PHONE_SIGN_IN_ENABLED": "true"}, "SMS_BACKEND accounts.sms.ConsoleSmsBackend never texts anyone"),
        ({**ALIYUN_SMS, "ALIYUN_SMS_ACCESS_KEY_SECRET": None}, "ALIYUN_SMS_ACCESS_KEY_SECRET must be set"),
        ({"EMAIL_BACKEND": None, "EMAIL_URL": "consolemail://"}, "never delivers mail"),
        ({"EMAIL_BACKEND": None, "EMAIL_URL": "filemail:///tmp/mail"}, "never delivers mail"),
        (
            {"REDIS_URL": "redis://cache.internal:6379/0", "CELERY_VISIBILITY_TIMEOUT": "600"},
            "CELERY_VISIBILITY_TIMEOUT (600 s) must exceed CELERY_TASK_TIME_LIMIT (1800 s)",
        ),
    ],
)
def test_production_refuses_an_unsafe_setting(overrides, message):
    result = _import_production(**overrides)

    assert result.returncode != 0
    assert "ImproperlyConfigured: Refusing to start with unsafe production settings" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("overrides", "phone_sign_in"),
    [({}, "False"), (ALIYUN_SMS, "True"), ({**ALIYUN_SMS, "PHONE_SIGN_IN_ENABLED": "false"}, "False")],
)
def test_phone_sign_in_is_on_in_production_only_with_a_real_sms_gateway(overrides, phone_sign_in):
    env = {key: value for key, value in os.environ.items() if key not in READ_BY_SETTINGS}
    env.update({**SAFE, **overrides, "DJANGO_SETTINGS_MODULE": "config.settings.production"})
    code = "from django.conf import settings; print(settings.PHONE_SIGN_IN_ENABLED)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == phone_sign_in


def test_every_problem_is_listed_at_once():
    problems = unsafe_production_settings(
        {
            "DEBUG": True,
            "SECRET_KEY": "change-me-in-production-please",
            "PAYMENT_PROVIDER": "sandbox",
            "SANDBOX_WEBHOOK_SECRET": "sandbox-webhook-secret",
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "INSTALLED_APPS": ["core", "demo"],
        }
    )

    assert [problem.split(" ")[0] for problem in problems] == [
        "DEBUG",
        "SECRET_KEY",
        "The",
        "SANDBOX_WEBHOOK_SECRET",
        "EMAIL_BACKEND",
        "The",
    ]
    assert "demo app" in problems[-1]


def test_the_demo_settings_keep_the_sandbox_and_the_demo_app():
    env = {key: value for key, value in os.environ.items() if key not in READ_BY_SETTINGS}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.demo"
    code = "from django.conf import settings as s; print(s.PAYMENT_PROVIDER, 'demo' in s.INSTALLED_APPS)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sandbox", "True"]


def test_replica_and_transaction_pooling_come_from_the_environment():
    env = {key: value for key, value in os.environ.items() if key not in READ_BY_SETTINGS}
    env.update(
        SAFE,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/zhiqiao",
        DISABLE_SERVER_SIDE_CURSORS="true",
    )
    code = (
        "from django.conf import settings as s; r = s.DATABASES['replica']; "
        "print(r['HOST'], r['USER'], r['TEST'], s.DATABASES['default']['HOST'], "
        "r['DISABLE_SERVER_SIDE_CURSORS'], s.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "replica.internal reader {'MIRROR': 'default'} db.internal True True"
