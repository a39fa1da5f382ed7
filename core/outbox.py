"""The transactional outbox: side effects that must never fail (or slow down) the change
that causes them.

A service writes ``outbox_put(topic=..., payload=...)`` inside its transaction, so the
message exists exactly when the change does (a rolled-back sale sends no receipt, a
committed one always gets one). After the commit a worker is asked to deliver it at once
(the "kick"): each process's kicker thread publishes one ``core.tasks.outbox_drain`` for
every commit since its last publish, at most once per ``OUTBOX_KICK_SECONDS``, so a busy
web process does not pay a broker publish for every sale. If the broker is down that
request is dropped with a warning and nothing else happens: the same task on beat (every
minute) delivers every message that is still due. A handler that raises is retried with
exponential backoff (``OUTBOX_RETRY_BASE_SECONDS`` doubling up to
``OUTBOX_RETRY_MAX_SECONDS``) until ``OUTBOX_MAX_ATTEMPTS``, then the message is marked
``failed`` for staff.

Delivery is at least once: handlers must be idempotent (the receipt claims
``receipt_sent_at`` before sending, for instance).

The public API (stable: other apps build on it, keep these names and arguments):

- ``outbox_put(topic=<kind>, payload=<JSON object>, dedupe_key=None)`` writes one message
  of that kind in the caller's transaction (outside one, it is committed at once). The
  payload is stored as JSON: ids and plain values, never model instances. ``dedupe_key``
  (optional, unique) makes a second write of the same effect return the first message.
- ``@outbox_handler("<app>.<effect>")`` registers the one function that carries out the
  messages of a kind; it receives the payload dict, runs in a transaction with the message
  row locked, and raises to be retried later. Register it at import time of a module the
  app always loads (its ``services`` or ``tasks``), so web processes and workers both know
  it. One handler per kind: registering another function for a kind that has one raises.

Every side effect of a change goes this way (receipts, a late payment's refund, the touch
buffer's flush request...): nothing is queued with ``.delay()`` from a request. Core knows
no app."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage
from .rawsql import insert, insert_or_first

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[dict], object]] = {}


def outbox_handler(topic: str):
    def register(function: Callable[[dict], object]):
        known = HANDLERS.get(topic)
        if known is not None and _name(known) != _name(function):
            raise ImproperlyConfigured(f"outbox kind {topic!r} already has a handler: {_name(known)}")
        HANDLERS[topic] = function
        return function

    return register


def _name(function: Callable) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def outbox_backoff(attempts: int) -> timedelta:
    base = _setting("OUTBOX_RETRY_BASE_SECONDS", 30)
    cap = _setting("OUTBOX_RETRY_MAX_SECONDS", 3600)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def outbox_put(*, topic: str, payload: dict, dedupe_key: str | None = None) -> OutboxMessage:
    """Write a message in the caller's transaction and ask for its delivery once that
    transaction commits. With ``dedupe_key`` a second write returns the first message."""
    now = timezone.now()
    message = OutboxMessage(topic=topic, payload=payload, dedupe_key=dedupe_key, available_at=now)
    if dedupe_key is None:
        insert([message], keys_later=True)
    else:
        # One ``INSERT ... ON CONFLICT DO NOTHING``: no read first and no savepoint, which
        # a sale would otherwise pay for on every receipt.
        stored = insert_or_first(message, unique=("dedupe_key",))
        if stored is not message:
            # Written before (or by a concurrent transaction that committed meanwhile:
            # the insert waited for it): that row is the message, already on its way.
            return stored
    # Inside ``core.rawsql.deferred_writes`` (a sale) the row goes out with the sale's other
    # writes: its key is known by the commit, when the kick reads it.
    transaction.on_commit(lambda: outbox_kick(message_id=message.pk), robust=True)
    return message


def outbox_kick(*, message_id: int) -> None:
    """Ask a worker to deliver a committed message now. Never raises and never waits for
    the broker: the request goes to this process's kicker thread. With Celery eager (tests,
    benchmarks without a broker) the message is delivered here, before this returns."""
    from .tasks import outbox_deliver

    if outbox_deliver.app.conf.task_always_eager:
        outbox_deliver.apply_async((message_id,))
        return
    _KICKER.request()


def _publish_drain() -> bool:
    try:
        from .tasks import outbox_drain as drain_task

        # No publish retries: with the broker down the beat drain sends the messages later.
        drain_task.apply_async(retry=False)
    except Exception as exc:  # any broker or connection error
        logger.warning("outbox kick not handed to the broker (%s); the beat drain will send it", exc)
        return False
    return True


class _Kicker:
    """One daemon thread per process turns the kicks of many commits into few publishes.

    A Celery publish costs about a millisecond of this process's CPU (the task message,
    kombu, a Redis client), a tenth of a whole coded checkout. ``request`` only sets an
    event; the thread clears it, publishes one drain, then sleeps ``OUTBOX_KICK_SECONDS``
    before looking again. The event is cleared before the publish, so every commit either
    came before that publish (its message is in the drain the publish starts, which reads
    after it) or sets the event again for the next one: no message waits for beat unless
    the broker loses the kick. Alone, a commit is kicked at once; under load a process
    publishes at most once per window."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # Also the child's side of a fork: the parent's thread does not exist there.
        self._wanted = threading.Event()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    thread = threading.Thread(target=self._run, name="outbox-kicker", daemon=True)
                    thread.start()
                    self._thread = thread
        self._wanted.set()

    def _run(self) -> None:
        wanted = self._wanted
        while True:
            wanted.wait()
            wanted.clear()
            _publish_drain()
            time.sleep(float(getattr(settings, "OUTBOX_KICK_SECONDS", 0.05)))


_KICKER = _Kicker()
os.register_at_fork(after_in_child=_KICKER._reset)


def outbox_deliver_one(*, message_id: int) -> bool:
    """Run the handler of one due message; returns whether it was delivered now. A
    message being delivered by another worker is skipped, not waited for."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxMessage.Status.PENDING, available_at__lte=now)
            .first()
        )
        if message is None:
            return False
        message.attempts += 1
        try:
            with transaction.atomic():
                handler = HANDLERS.get(message.topic)
                if handler is None:
                    raise LookupError(f"no outbox handler for {message.topic!r}")
                handler(message.payload)
        except Exception as exc:  # a failed effect is retried later, never lost
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 12):
                message.status = OutboxMessage.Status.FAILED
                logger.error("outbox message %s (%s) failed for good: %s", message.pk, message.topic, exc)
            else:
                message.available_at = now + outbox_backoff(message.attempts)
                logger.warning(
                    "outbox message %s (%s) failed, retried later: %s", message.pk, message.topic, exc
                )
            message.save(update_fields=["attempts", "last_error", "status", "available_at", "updated_at"])
            return False
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "last_error", "status", "sent_at", "updated_at"])
        return True


def outbox_drain(*, limit: int = 500) -> int:
    """Deliver every due message (oldest first, at most ``limit``); returns how many
    were delivered. Safe to run on several workers at once."""
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, available_at__lte=timezone.now())
        .order_by("available_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(outbox_deliver_one(message_id=pk) for pk in due)
