"""The web tier keeps no state of its own: two gunicorn processes on different ports, one
PostgreSQL and one Redis, and a learner's flow hops between them at every step.

Sessions live in the database, caches and throttles in Redis, so: signing in on one
process signs in on both, a cart filled on one is checked out on the other, a throttle
counts requests made to either, an edit is seen by both at once, and signing out on one
signs out everywhere.
"""

import contextlib
import html
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from commerce.models import Order
from courses.models import Course
from tests.factories import CourseFactory, UserFactory
from tests.ops.workers import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
PORTS = (8501, 8502)
PASSWORD = "two-webs-pass-1234"


@contextlib.contextmanager
def gunicorn(port: int, log: Path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "2",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn on {port} did not start:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _csrf(session: requests.Session) -> str:
    return session.cookies["csrftoken"]


def _form_fields(page: str, testid: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*data-testid="{testid}"[^>]*>(.*?)</form>', page, re.S).group(1)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and 'type="radio"' not in tag:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def test_one_learner_flow_across_two_web_processes(tmp_path):
    UserFactory(username="two-webs", password=PASSWORD, email="two-webs@example.com")
    course = CourseFactory(slug="two-webs-course", title_en="Tea across processes")

    with gunicorn(PORTS[0], tmp_path / "a.log") as a, gunicorn(PORTS[1], tmp_path / "b.log") as b:
        browser = requests.Session()

        # signed in on A ...
        browser.get(f"{a}/en/accounts/login/")
        response = browser.post(
            f"{a}/en/accounts/login/",
            data={"username": "two-webs", "password": PASSWORD, "csrfmiddlewaretoken": _csrf(browser)},
            headers={"Referer": f"{a}/en/accounts/login/"},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[-2000:]
        # ... is signed in on B
        assert browser.get(f"{b}/en/orders/", allow_redirects=False).status_code == 200

        # a cart filled on B is the cart on A
        response = browser.post(
            f"{b}/en/cart/add/",
            data={"course": course.slug, "csrfmiddlewaretoken": _csrf(browser)},
            headers={"Referer": f"{b}/en/courses/{course.slug}/"},
            allow_redirects=False,
        )
        assert response.status_code == 302
        assert "Tea across processes" in browser.get(f"{a}/en/cart/").text

        # the checkout page shown by A is paid on B, and the order is seen on A
        fields = _form_fields(browser.get(f"{a}/en/checkout/?currency=CNY").text, "checkout-form")
        fields.update(token="tok_success", currency="CNY", csrfmiddlewaretoken=_csrf(browser))
        response = browser.post(
            f"{b}/en/checkout/", data=fields, headers={"Referer": f"{b}/en/checkout/"}, allow_redirects=False
        )
        assert response.status_code == 302, response.text[-2000:]
        order = Order.objects.get(user__username="two-webs")
        assert order.status == Order.Status.PAID
        assert browser.get(f"{a}/en/orders/{order.number}/").status_code == 200

        # the sign-in limits count the attempts made at either process: the lockout after
        # 10 failures from one address (django-axes, in the database) and the failed-check
        # budget of a username (Redis) are shared, so the 10th failure locks both
        statuses = [
            requests.post(
                f"{(a, b)[i % 2]}/api/v1/auth/token/", data={"username": "x", "password": "y"}
            ).status_code
            for i in range(12)
        ]
        assert statuses == [400] * 9 + [429] * 3

        # an edit is seen by both at once (whatever each cached before)
        for site in (a, b):
            assert "Tea across processes" in browser.get(f"{site}/en/courses/{course.slug}/").text
        course.title_en = "Tea, edited once"
        course.save()
        for site in (a, b):
            page = browser.get(f"{site}/en/courses/{course.slug}/").text
            assert "Tea, edited once" in page and "Tea across processes" not in page
        assert Course.objects.get(pk=course.pk).title_en == "Tea, edited once"

        # signing out on B signs out on A
        response = browser.post(
            f"{b}/en/accounts/logout/",
            data={"csrfmiddlewaretoken": _csrf(browser)},
            headers={"Referer": f"{b}/en/"},
            allow_redirects=False,
        )
        assert response.status_code == 302
        assert browser.get(f"{a}/en/orders/", allow_redirects=False).status_code == 302
