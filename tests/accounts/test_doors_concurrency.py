"""The door limits hold when the attempts arrive together: real threads, each with its own
client and database connection, through the whole middleware stack, on PostgreSQL and
Redis. The numbers are exact, not "about".

(In-process clients rather than a live server: the test server's listen backlog resets
dozens of simultaneous connections before Django sees them. ``bench/doors.py`` sends the
same bursts over HTTP to gunicorn.)"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client, override_settings
from rest_framework.test import APIClient

from campaigns import services as campaign_services
from campaigns.exceptions import CodeInvalid, TooManyAttempts
from core import ratelimit
from partners.models import ApiKey
from partners.services import api_key_issue
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def together(count: int, work, workers: int | None = None) -> list:
    """Runs ``work(i)`` for i in range(count) on ``workers`` threads released at once.
    Threads that reach the database hold a connection each: keep ``workers`` well under
    PostgreSQL's ``max_connections`` (100 by default) when every attempt gets that far."""
    workers = workers or count
    barrier = threading.Barrier(workers)

    def run(i):
        try:
            if i < workers:
                barrier.wait()
            return work(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(count)))


def web_attempt(username, password, headers=None):
    client = Client()
    return client.post(
        "/en/accounts/login/", {"username": username, "password": password}, **(headers or {})
    ).status_code


def token_attempt(username, password, headers=None):
    client = APIClient()
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **(headers or {})
    ).status_code


@override_settings(AXES_FAILURE_LIMIT=1000)
def test_80_concurrent_wrong_web_sign_ins_from_one_address_get_exactly_20_answers():
    # given the address budget of 20 attempts a minute (django-axes set aside, so only the
    # atomic counter decides; distinct usernames, so no account budget is involved)
    statuses = together(80, lambda i: web_attempt(f"nobody{i}", "guess"))

    assert sum(status != 429 for status in statuses) == 20
    assert statuses.count(400) == 20  # the form again, "wrong password"


@override_settings(AXES_FAILURE_LIMIT=1000)
def test_80_concurrent_wrong_token_requests_from_one_address_get_exactly_20_answers():
    statuses = together(80, lambda i: token_attempt(f"nobody{i}", "guess"))

    assert (statuses.count(400), statuses.count(429)) == (20, 60)


@override_settings(AXES_FAILURE_LIMIT=1000, TRUSTED_PROXY_COUNT=1)
def test_80_concurrent_wrong_passwords_from_80_addresses_get_exactly_10_checks():
    # a botnet against one account: every address is new, the account budget is 10. Every
    # attempt passes the address limit and opens a database connection (django-axes), so
    # 30 threads share the 80 attempts: PostgreSQL's connection limit is shared on CI.
    UserFactory(username="mei", password="right-pass-1")

    statuses = together(
        80,
        lambda i: token_attempt(
            "mei", "guess", headers={"HTTP_X_FORWARDED_FOR": f"198.51.{i // 250}.{i % 250 + 1}"}
        ),
        workers=30,
    )

    assert (statuses.count(400), statuses.count(429)) == (10, 70)
    # and the right password is refused until the window ends
    assert token_attempt("mei", "right-pass-1", headers={"HTTP_X_FORWARDED_FOR": "203.0.113.1"}) == 429


def test_80_concurrent_wrong_sign_ins_with_the_production_settings_lock_the_account():
    # django-axes (10 failures) and both budgets together: at most 10 passwords are checked
    UserFactory(username="mei", password="right-pass-1")
    statuses = together(80, lambda i: web_attempt("mei", "guess"))

    assert 1 <= sum(status != 429 for status in statuses) <= 10
    assert web_attempt("mei", "right-pass-1") == 429


def test_concurrent_partner_api_calls_get_exactly_the_keys_rate(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "partner_api": "30/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # 90 calls of one key on 30 threads against 30 a minute (DRF's cache throttle let
    # 848 of 1,500 through against 600)
    partner = PartnerFactory(slug="race-bank")
    _key, raw = api_key_issue(partner=partner, name="k", scopes=list(ApiKey.Scope.values), created_by=None)

    def call(_i):
        return APIClient().get("/api/partner/v1/campaigns/", HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code

    statuses = together(90, call, workers=30)

    assert (statuses.count(200), statuses.count(429)) == (30, 60)


def test_concurrent_wrong_codes_of_one_account_are_looked_up_exactly_ten_times():
    from tests.campaigns.test_codes import _quote, _setup

    _campaign, course = _setup()
    learner = UserFactory()

    def guess(i):
        try:
            _quote(f"GUESS{i}", learner, course)
        except CodeInvalid:
            return "invalid"
        except TooManyAttempts:
            return "refused"
        return "accepted"

    outcomes = together(30, guess)

    assert (outcomes.count("invalid"), outcomes.count("refused")) == (10, 20)
    assert ratelimit.count(campaign_services.CODE_FAILURE_SCOPE, f"user:{learner.pk}") == 10


def test_concurrent_wrong_partner_keys_from_one_address_get_exactly_20_refusals_as_401():
    PartnerFactory(slug="race-keys")

    def call(i):
        return (
            APIClient()
            .get("/api/partner/v1/campaigns/", HTTP_AUTHORIZATION=f"Api-Key zq_wrong{i}")
            .status_code
        )

    statuses = together(60, call, workers=30)

    assert (statuses.count(401), statuses.count(429)) == (20, 40)
