"""Browser test harness: Playwright (sync API) driving Debian's Chromium against
pytest-django's ``live_server``.

Fixtures for every app's browser tests:
- ``browser``: one Chromium for the whole run;
- ``page``: a fresh context and page per test (clean cookies);
- ``login``: ``login(page, username, password, language="en")`` signs in through the
  real sign-in form.

Mark browser tests ``@pytest.mark.e2e`` and ``@pytest.mark.django_db(transaction=True)``
(the live server thread must see committed rows). Without Chromium they are skipped,
except under ``REQUIRE_SERVICES=1`` where they fail.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# ORM calls made from the test body (factories) while it runs.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(candidate)


def _missing(reason: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _missing("Chromium is not installed (set CHROMIUM_PATH or install Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    yield new_page
    context.close()


def sign_in(page, base_url: str, username: str, password: str, language: str = "en") -> None:
    """Sign in through the form, as a person would, and wait until it is done."""
    page.goto(f"{base_url}/{language}/accounts/login/")
    form = page.locator('[data-testid="login-form"]')
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    if page.locator('[data-testid="login-form"]').count():
        raise AssertionError(f"sign-in as {username!r} failed")


@pytest.fixture
def login(live_server):
    def _login(page, username: str, password: str, language: str = "en") -> None:
        sign_in(page, live_server.url, username, password, language)

    return _login
