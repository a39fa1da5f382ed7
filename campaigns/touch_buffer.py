"""Buffered tracking writes: a landing-page view or a tracking-link click costs one Redis
round trip instead of two inserts, and touches reach PostgreSQL in bulk.

- ``touch_buffer_push`` appends the touch (and a new visitor's variant assignment) to a
  Redis list. The buffer lives in Redis, not in the web process, so a web process that
  dies loses nothing it has answered for.
- ``touch_buffer_flush`` (the ``campaigns.flush_touches`` task every few seconds, and a
  kick when the buffer is long) copies the head of the list into the database and only
  then trims it. Each touch carries a primary key drawn from the table's own sequence
  when it was buffered, so a flush that dies after its commit and is repeated inserts
  nothing twice (``ON CONFLICT DO NOTHING``); assignments are unique per visitor anyway.
- Readers that must see a touch recorded a second ago (attribution at payment, the
  control-group check at checkout) call ``touch_buffer_flush_pending`` first.
- A returning visitor's assignment is found in Redis (``assignment_cached``) until the
  flush has surely written it, so it never changes between two page views.

Without Redis (``TOUCH_BUFFER`` off, the development default) nothing is buffered."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils.dateparse import parse_datetime
from redis.exceptions import LockError

from core.outbox import outbox_handler, outbox_put

from .models import Touch, VisitorAssignment

FLUSH_TOPIC = "campaigns.flush_touches"

logger = logging.getLogger(__name__)

BUFFER_KEY = "zq:touches:buffer"
LOCK_KEY = "zq:touches:flush-lock"
KICK_KEY = "zq:touches:flush-kick"
ASSIGNMENT_KEY = "zq:touches:assignment:{campaign_id}:{visitor_id}"
# Long enough for any flush to have written the assignment.
ASSIGNMENT_TTL_SECONDS = 6 * 3600
# Primary keys drawn from the sequence at once per process (unused ones leave gaps).
ID_BLOCK = 200
LOCK_SECONDS = 60
# Trim the head only if it is still the batch just written (another flusher whose lock
# expired mid-way cannot make this one drop touches it never wrote).
TRIM_IF_HEAD = """
if redis.call('lindex', KEYS[1], 0) == ARGV[1] then
  redis.call('ltrim', KEYS[1], tonumber(ARGV[2]), -1)
  return 1
end
return 0
"""

# True inside ``touch_buffer_flushed_once``: the buffer was checked at its start.
_FLUSHED: ContextVar[bool] = ContextVar("touch_buffer_flushed", default=False)

_ids: list[int] = []
_ids_lock = threading.Lock()
_ids_pid: int | None = None


def enabled() -> bool:
    return bool(settings.TOUCH_BUFFER and settings.REDIS_URL and connection.vendor == "postgresql")


def _redis():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _next_touch_id() -> int:
    """A primary key for a buffered touch, from the table's sequence, ``ID_BLOCK`` at once."""
    import os

    global _ids_pid
    with _ids_lock:
        if _ids_pid != os.getpid():  # a forked process must not reuse its parent's block
            _ids.clear()
            _ids_pid = os.getpid()
        if not _ids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Touch._meta.db_table, ID_BLOCK],
                )
                _ids.extend(row[0] for row in cursor.fetchall())
            _ids.reverse()
        return _ids.pop()


def _assignment_key(campaign_id: int, visitor_id: str) -> str:
    return ASSIGNMENT_KEY.format(campaign_id=campaign_id, visitor_id=visitor_id)


def assignment_cached(*, campaign_id: int, visitor_id: str) -> dict | None:
    """A buffered assignment ``{"variant_id", "is_holdout"}``, or ``None``."""
    raw = _redis().get(_assignment_key(campaign_id, visitor_id))
    return json.loads(raw) if raw else None


def touch_buffer_push(*, touch: dict, assignment: dict | None = None) -> int:
    """Buffer one touch (field values of ``Touch``, ids for foreign keys) and, for a new
    visitor, their assignment; returns the touch's primary key."""
    touch_id = _next_touch_id()
    item = {"touch": {**touch, "id": touch_id}, "assignment": assignment}
    redis = _redis()
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(BUFFER_KEY, json.dumps(item, default=str))
    if assignment is not None:
        pipe.set(
            _assignment_key(assignment["campaign_id"], assignment["visitor_id"]),
            json.dumps({"variant_id": assignment["variant_id"], "is_holdout": assignment["is_holdout"]}),
            ex=ASSIGNMENT_TTL_SECONDS,
        )
    length = pipe.execute()[0]
    if length >= settings.TOUCH_FLUSH_BATCH and redis.set(KICK_KEY, 1, nx=True, ex=5):
        # Through the outbox, like every side effect: a broker that is down neither fails
        # the page nor loses the request (the drain delivers it).
        outbox_put(topic=FLUSH_TOPIC, payload={})
    return touch_id


# ``touch_buffer_push_if_current``: KEYS = guard, buffer, assignment, kick, reads...;
# ARGV = the guard's expected raw value, item, assignment, its TTL, the flush batch.
PUSH_IF_CURRENT = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then
  return {0}
end
local length = redis.call('rpush', KEYS[2], ARGV[2])
redis.call('set', KEYS[3], ARGV[3], 'EX', tonumber(ARGV[4]))
local kick = 0
if length >= tonumber(ARGV[5]) and redis.call('set', KEYS[4], 1, 'NX', 'EX', 5) then
  kick = 1
end
local reply = {1, kick}
for i = 5, #KEYS do
  reply[#reply + 1] = redis.call('get', KEYS[i]) or false
end
return reply
"""
_push_script = None


def touch_buffer_push_if_current(
    *, touch: dict, assignment: dict, guard_key: str, guard_raw: bytes, read_keys: list[str]
) -> list | None:
    """``touch_buffer_push`` for a new visitor in ONE Redis round trip (the anonymous fast
    path, ``campaigns.fast_path``): the touch and assignment are pushed only if ``guard_key``
    (a cache namespace version) still holds ``guard_raw``, i.e. the campaign data they were
    computed from is current, and the raw values of ``read_keys`` are read in the same
    script. ``None`` when the guard moved (nothing was pushed); else the raw values."""
    global _push_script
    touch_id = _next_touch_id()
    item = {"touch": {**touch, "id": touch_id}, "assignment": assignment}
    redis = _redis()
    if _push_script is None:
        _push_script = redis.register_script(PUSH_IF_CURRENT)
    reply = _push_script(
        keys=[
            guard_key,
            BUFFER_KEY,
            _assignment_key(assignment["campaign_id"], assignment["visitor_id"]),
            KICK_KEY,
            *read_keys,
        ],
        args=[
            guard_raw,
            json.dumps(item, default=str),
            json.dumps({"variant_id": assignment["variant_id"], "is_holdout": assignment["is_holdout"]}),
            ASSIGNMENT_TTL_SECONDS,
            settings.TOUCH_FLUSH_BATCH,
        ],
        client=redis,
    )
    if not reply[0]:
        return None
    if reply[1]:
        outbox_put(topic=FLUSH_TOPIC, payload={})
    return list(reply[2:]) + [None] * (len(read_keys) - len(reply) + 2)


@outbox_handler(FLUSH_TOPIC)
def _flush_requested(payload: dict) -> None:
    # After the message's transaction: the flush trims Redis as it writes, so its rows
    # must be committed on their own, not with the outbox row. A flush lost here is
    # harmless: the touches stay in Redis for beat's next flush.
    transaction.on_commit(touch_buffer_flush, robust=True)


def _touch_row(data: dict) -> Touch:
    created = data.pop("created_at")
    return Touch(**data, created_at=parse_datetime(created) if isinstance(created, str) else created)


def _write(items: list[dict]) -> int:
    assignments = [
        VisitorAssignment(
            campaign_id=a["campaign_id"],
            visitor_id=a["visitor_id"],
            variant_id=a["variant_id"],
            is_holdout=a["is_holdout"],
        )
        for a in (item["assignment"] for item in items)
        if a
    ]
    touches = [_touch_row(dict(item["touch"])) for item in items]
    try:
        with transaction.atomic():
            VisitorAssignment.objects.bulk_create(assignments, ignore_conflicts=True)
            Touch.objects.bulk_create(touches, ignore_conflicts=True)
        return len(touches)
    except IntegrityError:
        # A campaign, variant or link deleted since the view: keep every other row.
        written = 0
        for assignment in assignments:
            try:
                with transaction.atomic():
                    VisitorAssignment.objects.bulk_create([assignment], ignore_conflicts=True)
            except IntegrityError:
                logger.warning("dropping a buffered assignment of a deleted campaign or variant")
        for touch in touches:
            try:
                with transaction.atomic():
                    Touch.objects.bulk_create([touch], ignore_conflicts=True)
                written += 1
            except IntegrityError:
                logger.warning("dropping buffered touch %s of a deleted campaign", touch.pk)
        return written


def touch_buffer_flush(*, wait_seconds: float = 10.0) -> int:
    """Write the whole buffer to the database; returns how many touches were written.
    One flusher at a time (a Redis lock); a caller that finds the lock taken waits for it
    (up to ``wait_seconds``) and then writes what is left."""
    if not enabled():
        return 0
    redis = _redis()
    lock = redis.lock(LOCK_KEY, timeout=LOCK_SECONDS, blocking_timeout=wait_seconds)
    if not lock.acquire():
        logger.warning("touch buffer: another flush holds the lock")
        return 0
    written = 0
    try:
        trim = redis.register_script(TRIM_IF_HEAD)
        while True:
            raw = redis.lrange(BUFFER_KEY, 0, settings.TOUCH_FLUSH_BATCH - 1)
            if not raw:
                break
            written += _write([json.loads(entry) for entry in raw])
            if not trim(keys=[BUFFER_KEY], args=[raw[0], len(raw)]):
                break  # the list moved under us: the next flush starts from its new head
            lock.extend(LOCK_SECONDS, replace_ttl=True)
    except DatabaseError:
        logger.exception("touch buffer: flush failed; the touches stay in Redis")
    finally:
        # An expired lock is released already.
        with contextlib.suppress(LockError):
            lock.release()
    return written


def touch_buffer_flush_pending() -> None:
    """Before reading touches or assignments that must be complete: write the buffer if
    it holds anything (one Redis call when it is empty; none inside
    ``touch_buffer_flushed_once``)."""
    if enabled() and not _FLUSHED.get() and _redis().llen(BUFFER_KEY):
        touch_buffer_flush()


@contextlib.contextmanager
def touch_buffer_flushed_once():
    """Check the buffer once, now, for everything inside: a coded checkout reads the
    visitor's variant, their control-group membership and the touch that attributes the
    sale, and each read checking Redis again cost a round trip for touches recorded while
    the learner was already paying. Open it around one request's work only."""
    touch_buffer_flush_pending()
    token = _FLUSHED.set(True)
    try:
        yield
    finally:
        _FLUSHED.reset(token)
