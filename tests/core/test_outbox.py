"""The transactional outbox: written with the change, delivered after it, retried with
backoff, never lost and never a reason for the change itself to fail."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from core.outbox import outbox_deliver_one, outbox_drain, outbox_put

pytestmark = pytest.mark.django_db

delivered: list[dict] = []


@pytest.fixture(autouse=True)
def _handlers():
    delivered.clear()
    calls = {"flaky": 0}

    def ok(payload):
        delivered.append(payload)

    def flaky(payload):
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise OSError("smtp down")
        delivered.append(payload)

    def broken(payload):
        raise RuntimeError("always")

    saved = dict(outbox.HANDLERS)
    outbox.HANDLERS.update({"test.ok": ok, "test.flaky": flaky, "test.broken": broken})
    yield
    outbox.HANDLERS.clear()
    outbox.HANDLERS.update(saved)


def test_a_rolled_back_change_leaves_no_message():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox_put(topic="test.ok", payload={"n": 1})
        1 / 0  # noqa: B018
    assert OutboxMessage.objects.count() == 0


def test_the_same_dedupe_key_is_one_message():
    first = outbox_put(topic="test.ok", payload={"n": 1}, dedupe_key="k")
    second = outbox_put(topic="test.ok", payload={"n": 2}, dedupe_key="k")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


def test_drain_delivers_due_messages_once():
    outbox_put(topic="test.ok", payload={"n": 1})
    outbox_put(topic="test.ok", payload={"n": 2})
    assert outbox_drain() == 2
    assert outbox_drain() == 0
    assert delivered == [{"n": 1}, {"n": 2}]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_failing_handler_is_retried_with_backoff(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    message = outbox_put(topic="test.flaky", payload={"n": 1})

    assert outbox_deliver_one(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("pending", 1, "OSError: smtp down")
    assert timedelta(seconds=29) < message.available_at - timezone.now() <= timedelta(seconds=30)
    assert outbox_drain() == 0  # not due yet

    OutboxMessage.objects.update(available_at=timezone.now())
    assert outbox_drain() == 0
    message.refresh_from_db()
    assert timedelta(seconds=59) < message.available_at - timezone.now() <= timedelta(seconds=60)  # doubled

    OutboxMessage.objects.update(available_at=timezone.now())
    assert outbox_drain() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
    assert delivered == [{"n": 1}]


def test_a_message_that_never_succeeds_ends_failed(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = outbox_put(topic="test.broken", payload={})
    outbox_deliver_one(message_id=message.pk)
    OutboxMessage.objects.update(available_at=timezone.now())
    outbox_deliver_one(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 2)
    assert outbox_drain() == 0


def test_an_unknown_topic_is_kept_not_dropped():
    message = outbox_put(topic="test.nobody", payload={})
    assert outbox_drain() == 0
    message.refresh_from_db()
    assert message.status == "pending"
    assert "no outbox handler" in message.last_error


def test_one_handler_per_kind():
    # the same function registered again (a module imported twice) is fine
    def first(payload):
        return payload

    outbox.outbox_handler("test.once")(first)
    outbox.outbox_handler("test.once")(first)

    def second(payload):
        return payload

    # another function for the same kind would silently replace the first one
    with pytest.raises(ImproperlyConfigured):
        outbox.outbox_handler("test.once")(second)


def test_a_deduplicated_write_is_one_insert(django_assert_num_queries):
    with django_assert_num_queries(1):
        message = outbox_put(topic="test.ok", payload={"n": 1, "s": "键"}, dedupe_key="one-insert")
    with django_assert_num_queries(2):  # the insert finds the key, then the first row is read
        again = outbox_put(topic="test.ok", payload={"n": 2}, dedupe_key="one-insert")
    assert again.pk == message.pk
    assert OutboxMessage.objects.get(pk=message.pk).payload == {"n": 1, "s": "键"}
