"""Degrade, don't crash, for the database too: while threads browse and buy, every
PostgreSQL session of the test database is terminated again and again (what a restart or
a failover does to open connections). Requests caught on a dead connection answer 503,
never 500; the next request reconnects; every checkout, retried with its key, ends in
exactly one paid order."""

import queue
import threading
import time
import uuid
from collections import Counter

import psycopg
import pytest
from django.db import close_old_connections, connection, connections
from django.test import Client
from rest_framework.authtoken.models import Token

from commerce.models import Order, Payment
from tests.factories import CourseFactory, UserFactory
from tests.ops.workers import database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 4
MAX_ROUNDS = 60


class ServerClient(Client):
    """Django's test client skips ``close_old_connections`` around requests (a test's
    transaction lives on that connection); a real server runs it on request_started and
    request_finished, and that is what replaces a connection the database dropped."""

    def request(self, **request):
        close_old_connections()
        try:
            return super().request(**request)
        finally:
            close_old_connections()


def _browse(course_slug: str, tokens: queue.Queue, stop: threading.Event, seen: list, attempts: dict):
    client = ServerClient(raise_request_exception=False)
    try:
        while not stop.is_set():
            seen.append(("catalog", client.get("/api/v1/courses/").status_code))
            seen.append(("course page", client.get(f"/en/courses/{course_slug}/").status_code))
            if tokens.empty():
                continue
            token, key = tokens.get_nowait(), uuid.uuid4().hex
            body = {
                "items": [{"course": course_slug}],
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
            attempts[key] = (token, body, response)
            seen.append(("checkout", response.status_code))
    finally:
        connections.close_all()


def test_terminated_database_sessions_answer_503_and_lose_no_order(settings):
    settings.CONN_MAX_AGE = 0
    course = CourseFactory(slug="restart-course")
    tokens: queue.Queue[str] = queue.Queue()
    for number in range(60):
        tokens.put(Token.objects.create(user=UserFactory(username=f"restart-{number}")).key)
    seen: list = []
    attempts: dict = {}
    stop = threading.Event()
    killer = psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=True)
    threads = [
        threading.Thread(target=_browse, args=(course.slug, tokens, stop, seen, attempts))
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    try:
        # when the database drops every session, round after round, until some requests
        # were caught in the middle
        for _round in range(MAX_ROUNDS):
            time.sleep(0.25)
            killer.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if Counter(status for _name, status in seen)[503] >= 3:
                break
        outage_ends = len(seen)
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        killer.close()
    connection.close()  # the test's own session was terminated too

    statuses = Counter(status for _name, status in seen)
    print("answers while sessions were terminated, then after:", statuses)  # for the notes
    # then nothing answered 500, some answered 503, and everything works again afterwards
    assert 500 not in statuses, statuses
    assert statuses[503] >= 3, statuses
    after = [status for _name, status in seen[outage_ends:]]
    assert after[-6:] and set(after[-6:]) <= {200, 201}, after

    # and each checkout, retried with its key, ends in exactly one paid order
    client = Client(raise_request_exception=False)
    for key, (token, body, first) in attempts.items():
        retry = client.post(
            "/api/v1/checkout/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert retry.status_code == 201, retry.content
        if first.status_code == 201:
            assert retry.json()["order"]["number"] == first.json()["order"]["number"]
    assert Order.objects.filter(status=Order.Status.PAID).count() == Order.objects.count() == len(attempts)
    assert Payment.objects.count() == len(attempts)
