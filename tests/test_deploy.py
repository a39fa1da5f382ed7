"""Production settings as a deployment sets them: `check --deploy` has nothing to say, mail
goes through SMTP, media through the bucket, and every security header is on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.media_storage import CACHE_CONTROL, media_storage_from_url

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_ENV = {
    "SECRET_KEY": "k3y-" + "x7Qz9" * 12,
    "ALLOWED_HOSTS": "zhiqiao.example",
    "DATABASE_URL": "sqlite:////tmp/zq-deploy-check.sqlite3",
    "EMAIL_URL": "smtp+tls://mailer:s3cret@smtp.example.com:587",
    "MEDIA_STORAGE_URL": "s3://key:secret@minio:9000/zhiqiao-media?secure=false"
    "&public_url=https://media.zhiqiao.example/zhiqiao-media",
    # A real provider, as a deployment has (production refuses the sandbox one).
    "PAYMENT_PROVIDER": "stripe",
    "PAYMENT_PROVIDERS_ENABLED": "stripe",
    "STRIPE_API_KEY": "sk_live_" + "deploycheck" * 4,
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "Deploy7Check9" * 4,
}
OVERRIDDEN = {
    *DEPLOY_ENV,
    # set for the whole test session by tests/e2e/conftest.py (Playwright's sync API); a
    # deployment never has it, and check --deploy rightly refuses it
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "EMAIL_BACKEND",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_COOKIES",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OVERRIDDEN}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_with_production_settings_reports_nothing():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", **DEPLOY_ENV)

    assert result.returncode == 0, result.stderr + result.stdout
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


SHOW = (
    "from django.conf import settings as s; from django.core.files.storage import storages; "
    'd = storages["default"]; '
    "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, "
    "s.SECURE_PROXY_SSL_HEADER, d.__class__.__name__, "
    "d.url('covers/a.png'), sep='|')"
)


def test_production_mails_through_smtp_and_stores_media_on_the_bucket():
    result = _manage("shell", "-c", SHOW, **DEPLOY_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split("|") == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.com",
        "587",
        "True",
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
        "S3Storage",
        "https://media.zhiqiao.example/zhiqiao-media/covers/a.png",
    ]


def test_proxy_header_and_https_redirect_are_configurable():
    env = {**DEPLOY_ENV, "SECURE_PROXY_SSL_HEADER": "", "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "0"}

    result = _manage("shell", "-c", SHOW, **env)

    fields = result.stdout.strip().splitlines()[-1].split("|")
    assert (fields[5], fields[6], fields[8], fields[9]) == ("False", "False", "False", "None")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        # Refused by ops' production_checks (console mail prints password-reset links to logs).
        ({"EMAIL_URL": ""}, "never delivers mail"),
        ({"EMAIL_URL": "consolemail://"}, "never delivers mail"),
        ({"EMAIL_URL": "filemail:///tmp/mail"}, "never delivers mail"),
        ({"MEDIA_STORAGE_URL": ""}, "MEDIA_STORAGE_URL must be set in production"),
        ({"MEDIA_STORAGE_URL": "ftp://host/x"}, "MEDIA_STORAGE_URL must start with s3:// or file://"),
        ({"SECURE_PROXY_SSL_HEADER": "X_FORWARDED_PROTO"}, "SECURE_PROXY_SSL_HEADER is HEADER,VALUE"),
    ],
)
def test_production_refuses_mail_to_the_log_and_media_on_one_server(env, message):
    result = _manage("check", **{**DEPLOY_ENV, **env})

    assert result.returncode != 0
    assert message in result.stderr


def test_media_storage_url_for_minio():
    storage, media_url, origin = media_storage_from_url(
        "s3://zq%2Bkey:p%40ss@minio:9000/media?secure=false&region=eu-west-1"
    )

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "media",
        "region_name": "eu-west-1",
        "querystring_auth": False,
        "file_overwrite": False,
        "default_acl": None,
        "object_parameters": {"CacheControl": CACHE_CONTROL},
        "endpoint_url": "http://minio:9000",
        "addressing_style": "path",
        "access_key": "zq+key",
        "secret_key": "p@ss",
        "custom_domain": "minio:9000/media",
        "url_protocol": "http:",
    }
    assert (media_url, origin) == ("http://minio:9000/media/", "http://minio:9000")
    assert CACHE_CONTROL == "public, max-age=31536000, immutable"


def test_media_storage_url_for_aws_and_for_a_shared_volume():
    aws, aws_url, _origin = media_storage_from_url("s3:///zq-media?region=ap-east-1")
    local, local_url, local_origin = media_storage_from_url("file:///srv/media")

    assert "endpoint_url" not in aws["OPTIONS"]
    assert aws_url == "https://zq-media.s3.amazonaws.com/"
    assert local == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": "/srv/media"},
    }
    assert (local_url, local_origin) == ("/media/", "")


@pytest.mark.parametrize(
    "url", ["s3://k:s@host/", "s3://k:s@host/a/b", "file://relative/path", "s3://h/b?public_url=x"]
)
def test_bad_media_storage_urls_are_refused(url):
    with pytest.raises(ImproperlyConfigured):
        media_storage_from_url(url)
