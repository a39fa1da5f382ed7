"""Receipts reach a real worker through the kicks, and a burst of sales costs few publishes.

A Redis of the test's own is the broker, with one real worker on the interactive queue and
no beat: only the kicks can get the receipts out. Four threads pay twelve orders at once;
every receipt is sent, once, and the worker received fewer drains than there were sales."""

import re
import threading

import pytest
from django.db import connection, connections

from commerce.models import Order
from commerce.services import order_checkout
from commerce.services.receipts import RECEIPT_TOPIC
from core.models import OutboxMessage
from tests.factories import CourseFactory, UserFactory
from tests.ops.services import celery_broker, spare_redis
from tests.ops.workers import Worker, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SALES = 12


def test_a_burst_of_sales_is_kicked_in_few_drains_and_every_receipt_goes_out(tmp_path, settings):
    # A window longer than the burst takes even on a slow machine: fewer drains than sales.
    settings.OUTBOX_KICK_SECONDS = 1.0
    course = CourseFactory(slug="kicked-course")
    buyers = [UserFactory(username=f"kicked-{i}", email=f"kicked-{i}@example.com") for i in range(SALES)]

    with spare_redis(tmp_path) as broker, celery_broker(broker.url):
        worker = Worker(
            "kicks",
            "interactive",
            tmp_path / "kicks.log",
            {
                "DATABASE_URL": database_url(),
                "REDIS_URL": broker.url,
                "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
            },
        )
        try:
            worker.wait_ready()
            # when four threads pay twelve orders at once
            failures: list[BaseException] = []

            def buy(mine: list) -> None:
                try:
                    for buyer in mine:
                        order_checkout(
                            user=buyer,
                            items=[{"course": course.slug}],
                            currency="USD",
                            payment={"provider": "sandbox", "token": "tok_success"},
                        )
                except BaseException as exc:  # shown by the assertion below
                    failures.append(exc)
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=buy, args=(buyers[i::4],)) for i in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not failures, failures
            paid = Order.objects.filter(lines__course=course, status=Order.Status.PAID)
            assert paid.count() == SALES

            # then the worker sends every receipt without beat
            worker.wait_for(
                lambda: not paid.filter(receipt_sent_at__isnull=True).exists(), 60, "the receipts"
            )
            received = len(re.findall(r"Task core\.tasks\.outbox_drain\[[^\]]+\] received", worker.text()))
        finally:
            worker.stop()
    # once each, and in fewer drains than sales
    keys = [f"{RECEIPT_TOPIC}:{pk}" for pk in paid.values_list("pk", flat=True)]
    receipts = OutboxMessage.objects.filter(topic=RECEIPT_TOPIC, dedupe_key__in=keys)
    assert sorted(receipts.values_list("status", "attempts")) == [("sent", 1)] * SALES
    assert 1 <= received < SALES, worker.text()[-3000:]
    print(f"{SALES} sales, {received} drains received by the worker")
    connection.close()
