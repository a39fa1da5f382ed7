"""Degrade, don't crash: a real Redis (cache, throttles and Celery broker) is killed while
threads hit the storefront, the token endpoint, the partner API, a landing page with a
code and the checkout; then it comes back.

- No answer is a 500: what needs Redis answers 503 in the API's error shape or a localized
  page; the catalog and the course page keep answering 200 from the database.
- No order is lost or doubled: every checkout answered 201 has its paid order, and a
  checkout retried after the outage with the same Idempotency-Key finishes exactly once.
- Recovery needs no restart: once Redis is back every endpoint answers as before.
"""

import itertools
import queue
import threading
import time
import uuid
from collections import Counter, defaultdict
from unittest import mock

import pytest
from django.db import connections
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from campaigns.models import Campaign
from commerce.models import Order, Payment
from partners.models import ApiKey
from partners.services import api_key_issue
from tests.campaigns.factories import CampaignFactory, DiscountCodeFactory, PartnerFactory
from tests.factories import CourseFactory, UserFactory
from tests.fault_matrix import fault_record, money_counts
from tests.ops.services import celery_broker, spare_redis

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6
# Each phase lasts until every endpoint has answered this often inside it (the machine may be
# slow; a fixed duration would make the test flaky), at most PHASE_TIMEOUT seconds.
PER_PHASE = 3
PHASE_TIMEOUT = 90
CHECKOUT = "checkout"
# Throttles still read and write Redis on every request; only their limits are raised so
# the load itself is never refused with 429.
GENEROUS_RATES = {
    "anon": "100000/min",
    "user": "100000/min",
    "auth": "100000/min",
    "partner_api": "100000/min",
}


def _cache_settings(url: str) -> dict:
    options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
    }
    return {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "OPTIONS": options},
        "soft": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "soft",
            "OPTIONS": {**options, "IGNORE_EXCEPTIONS": True},
        },
    }


class Shop:
    """The data every thread uses: a course, a running campaign with a code, a partner API
    key, and one learner (with a token) per checkout so no one buys a course twice."""

    def __init__(self, learners: int) -> None:
        self.course = CourseFactory(slug="outage-course")
        partner = PartnerFactory(slug="outage-bank")
        self.campaign = CampaignFactory(
            partner=partner, courses=[self.course], status=Campaign.Status.RUNNING
        )
        DiscountCodeFactory(campaign=self.campaign, code="OUTAGE10", max_redemptions=10_000)
        _key, self.api_key = api_key_issue(
            partner=partner, name="outage", scopes=[ApiKey.Scope.MANAGE_CAMPAIGNS], created_by=None
        )
        UserFactory(username="outage-login", password="outage-pass-1234")
        self.tokens: queue.Queue[str] = queue.Queue()
        for number in range(learners):
            user = UserFactory(username=f"outage-learner-{number}")
            self.tokens.put(Token.objects.create(user=user).key)


def _request(client: Client, shop: Shop, endpoint: str, attempts: dict) -> tuple[int, str, bytes]:
    if endpoint == "catalog api":
        response = client.get("/api/v1/courses/")
    elif endpoint == "course page":
        response = client.get(f"/en/courses/{shop.course.slug}/")
    elif endpoint == "token":
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "outage-login", "password": "outage-pass-1234"},
            content_type="application/json",
        )
    elif endpoint == "partner api":
        response = client.get("/api/partner/v1/campaigns/", HTTP_AUTHORIZATION=f"Api-Key {shop.api_key}")
    elif endpoint == "landing with code":
        response = client.get(f"/ja/c/{shop.campaign.slug}/?code=OUTAGE10")
    else:
        token, key = shop.tokens.get_nowait(), uuid.uuid4().hex
        body = {
            "items": [{"course": shop.course.slug}],
            "currency": "CNY",
            "payment": {"provider": "sandbox", "token": "tok_success"},
        }
        response = client.post(
            "/api/v1/checkout/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        attempts[key] = (token, body, response.status_code, response)
    return response.status_code, response.get("Content-Type", ""), response.content


ENDPOINTS = ["catalog api", "course page", "token", "partner api", "landing with code", CHECKOUT]


def _hammer(shop: Shop, phase: list[str], stop: threading.Event, seen: list, attempts: dict, offset: int):
    client = Client(raise_request_exception=False)
    try:
        for endpoint in itertools.islice(itertools.cycle(ENDPOINTS), offset, None):
            if stop.is_set():
                return
            if endpoint == CHECKOUT and shop.tokens.empty():
                continue
            current = phase[0]
            status, content_type, body = _request(client, shop, endpoint, attempts)
            seen.append((current, phase[0], endpoint, status, content_type, body))
    finally:
        connections.close_all()


def _hammer_once(shop: Shop, seen: list, attempts: dict) -> None:
    client = Client(raise_request_exception=False)
    for endpoint in ENDPOINTS:
        status, content_type, body = _request(client, shop, endpoint, attempts)
        seen.append(("warm-up", "warm-up", endpoint, status, content_type, body))


def test_killing_redis_under_load_degrades_to_503_and_recovers(tmp_path, settings):
    shop = Shop(learners=120)
    before = money_counts()
    seen: list = []
    attempts: dict = {}
    phase = ["warm-up"]
    stop = threading.Event()
    with (
        spare_redis(tmp_path) as redis_server,
        celery_broker(redis_server.url),
        mock.patch.object(SimpleRateThrottle, "THROTTLE_RATES", GENEROUS_RATES),
    ):
        settings.CACHES = _cache_settings(redis_server.url)
        # one request per endpoint first: the first request of a process imports and compiles
        # a lot, which is not what this test measures
        _hammer_once(shop, seen, attempts)
        phase[0] = "up"
        threads = [
            threading.Thread(target=_hammer, args=(shop, phase, stop, seen, attempts, offset))
            for offset in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        try:
            _wait_for_answers(seen, "up")
            phase[0] = "down"
            redis_server.kill()
            _wait_for_answers(seen, "down")
            phase[0] = "back"
            redis_server.start()
            _wait_for_answers(seen, "back")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

        # Requests that started and ended in one phase say what that phase does.
        by_phase: dict[str, Counter] = defaultdict(Counter)
        for started, ended, endpoint, status, _type, _body in seen:
            if started == ended:
                by_phase[started][(endpoint, status)] += 1
        statuses = Counter(status for *_ignored, status, _type, _body in seen)
        print(
            "answers per phase:", {name: dict(counter) for name, counter in by_phase.items()}
        )  # for the notes

        # then nothing ever answered 500 (or anything 5xx but 503)
        assert {status for status in statuses if status >= 500} <= {503}, statuses

        # with Redis up, everything works
        for endpoint in ENDPOINTS:
            ok = 201 if endpoint == CHECKOUT else 200
            assert by_phase["up"][(endpoint, ok)] > 0, (endpoint, by_phase["up"])
            assert (
                sum(n for (name, _s), n in by_phase["up"].items() if name == endpoint)
                == by_phase["up"][(endpoint, ok)]
            ), (endpoint, by_phase["up"])

        # while it is down, the catalog and the course page are served from the database,
        # and what needs Redis says 503 in its own format
        down = by_phase["down"]
        for endpoint in ("catalog api", "course page"):
            assert down[(endpoint, 200)] > 0 and _only(down, endpoint, {200}), (endpoint, down)
        for endpoint in ("token", "partner api", "landing with code"):
            assert down[(endpoint, 503)] > 0 and _only(down, endpoint, {503}), (endpoint, down)
        for _s, _e, endpoint, status, content_type, body in seen:
            if status == 503 and endpoint in ("token", "partner api", CHECKOUT):
                assert content_type == "application/json"
                assert body.decode().startswith('{"code":"service_unavailable","detail":"')
            if status == 503 and endpoint == "landing with code":
                # the landing page was in Japanese, so is its 503 page
                assert 'lang="ja"' in body.decode() and "一時的にご利用いただけません" in body.decode()
        # the checkout either finished (201) or said 503 (retry), never anything else
        assert _only(down, CHECKOUT, {201, 503}), down

        # and once it is back, every endpoint recovered without a restart
        back = by_phase["back"]
        for endpoint in ENDPOINTS:
            last = [status for s, e, name, status, _t, _b in seen if s == e == "back" and name == endpoint][
                -3:
            ]
            ok = 201 if endpoint == CHECKOUT else 200
            assert last and set(last) == {ok}, (endpoint, back)

        # no order lost or doubled: retried with its key, every checkout finishes exactly once
        client = Client(raise_request_exception=False)
        for key, (token, body, _status, _response) in attempts.items():
            retry = client.post(
                "/api/v1/checkout/",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
                HTTP_IDEMPOTENCY_KEY=key,
            )
            assert retry.status_code == 201, retry.content
            first = attempts[key][3]
            if first.status_code == 201:
                assert retry.json()["order"]["number"] == first.json()["order"]["number"]
    paid = Order.objects.filter(status=Order.Status.PAID)
    after = money_counts()
    fault_record(
        fault="Redis killed (cache + broker)",
        flow="checkout (API, retried)",
        statuses=Counter(status for _s, _e, endpoint, status, _t, _b in seen if endpoint == CHECKOUT)
        + Counter({201: len(attempts)}),
        before=before,
        after=after,
        lost=len(attempts) - paid.count(),
        doubled=Order.objects.count() - len(attempts) + after["charges"] - len(attempts),
        note="answers under load (up, down, back), then one retry per checkout",
    )
    assert paid.count() == Order.objects.count() == len(attempts)
    assert Payment.objects.count() == len(attempts)


def _wait_for_answers(seen: list, name: str) -> None:
    deadline = time.monotonic() + PHASE_TIMEOUT
    while time.monotonic() < deadline:
        answered = Counter(
            endpoint for started, ended, endpoint, *_rest in list(seen) if started == ended == name
        )
        if all(answered[endpoint] >= PER_PHASE for endpoint in ENDPOINTS):
            return
        time.sleep(0.05)
    raise AssertionError(f"phase {name!r}: not every endpoint answered {PER_PHASE} times: {answered}")


def _only(counter: Counter, endpoint: str, allowed: set[int]) -> bool:
    return {status for (name, status), n in counter.items() if name == endpoint and n} <= allowed
