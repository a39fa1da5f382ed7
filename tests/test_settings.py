"""Production refuses to start without its secrets; development needs no configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_SECRETS = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL", "MEDIA_STORAGE_URL"}


def _check(settings_module: str, **env: str) -> subprocess.CompletedProcess:
    read = {"DEBUG", "PAYMENT_PROVIDER", "EMAIL_BACKEND", *PRODUCTION_SECRETS}
    clean = {k: v for k, v in os.environ.items() if k not in read}
    clean.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        (
            {
                "ALLOWED_HOSTS": "example.com",
                "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
                # Media is checked before the refusals that name SECRET_KEY.
                "MEDIA_STORAGE_URL": "file:///tmp/x-media",
            },
            "SECRET_KEY",
        ),
        ({"SECRET_KEY": "s" * 50, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "example.com"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_a_secret(env, missing):
    result = _check("config.settings.production", **env)

    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_production_starts_with_its_secrets():
    # every other unsafe setting is refused too: tests/core/test_production_settings.py
    result = _check(
        "config.settings.production",
        SECRET_KEY="k7Qv-2xN_9pLr4TzWm8YcB1sHd6GfJ0aEoUiKl3nVbXqRt5yZw",
        ALLOWED_HOSTS="example.com",
        DATABASE_URL="sqlite:////tmp/zq-prod-check.sqlite3",
        PAYMENT_PROVIDER="stripe",
        STRIPE_API_KEY="sk_live_example",
        STRIPE_WEBHOOK_SECRET="whsec_0123456789abcdefghijklmnopqrstuv",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.com:587",
        MEDIA_STORAGE_URL="file:///tmp/zq-prod-media",
    )

    assert result.returncode == 0, result.stderr


def test_development_runs_with_no_configuration():
    result = _check("config.settings.local")

    assert result.returncode == 0, result.stderr
