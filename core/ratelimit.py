"""Rate limits whose counters hold under concurrency.

A limit is a counter per (scope, identity) that lives for one window, started by the
first hit. Every hit increments it and reads the new value in one atomic step on the
server (a Lua script on Redis: ``INCRBY`` then ``PEXPIRE`` on the first hit), so N
concurrent requests get the values 1..N and exactly ``limit`` of them are admitted. A
read-then-write counter (Django's cache ``get`` then ``set``, as DRF's throttles do) lets
every request that read before the others wrote through.

Without Redis (``make run`` with no ``REDIS_URL``) the counters live in the local-memory
cache, whose ``add``/``incr`` are atomic inside one process: enough for development.

When Redis does not answer, ``RateLimiterUnavailable`` is raised: a door that cannot count
its attempts stays shut rather than letting guesses through uncounted. It subclasses
``redis.exceptions.ConnectionError`` so whatever maps "Redis is down" to 503 maps this too.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import cache as memoize

import redis
from django.core.cache import cache

KEY_PREFIX = "zq:rl"
_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_UNITS |= {"d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?\s*$")

# KEYS[1] counter; ARGV[1] cost, ARGV[2] window in ms. Returns {count, ms left in window}.
# The expiry is set by the hit that created the key, in the same step, so a counter can
# never be left without one; the PTTL guard repairs a key someone else created bare.
_HIT_SCRIPT = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == tonumber(ARGV[1]) or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}
"""
# Gives back one hit if the window is still open (never below zero, never revives a key).
_REFUND_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
"""


class RateLimiterUnavailable(redis.exceptions.ConnectionError):
    """The counters cannot be read or written (Redis is down): refuse, do not guess."""


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """``"20/min"``, ``"600/minute"``, ``"5/15min"``, ``"10/hour"``, ``"3/day"``."""
        match = _RATE.match(text.lower())
        if not match or match.group(3) not in _UNITS:
            raise ValueError(f"not a rate: {text!r} (use e.g. '20/min' or '5/15min')")
        multiplier = int(match.group(2) or 1)
        return cls(limit=int(match.group(1)), seconds=multiplier * _UNITS[match.group(3)])


@dataclass(frozen=True)
class Hit:
    count: int
    limit: int
    retry_after: int

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit


def _key(scope: str, ident: str) -> str:
    # Hashed: identities are usernames and e-mail addresses of any length and script.
    digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{KEY_PREFIX}:{scope}:{digest}"


def _redis_client():
    """The default cache's Redis client when the cache is django-redis, else None."""
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    if not isinstance(caches["default"], RedisCache):
        return None
    from django_redis import get_redis_connection

    return get_redis_connection("default")


@memoize
def _scripts() -> tuple:
    # Script objects only hold the source and its SHA; each call names the client, and
    # redis-py loads the script into a server that does not know it yet (EVALSHA, EVAL).
    client = _redis_client()
    return client.register_script(_HIT_SCRIPT), client.register_script(_REFUND_SCRIPT)


def hit(scope: str, ident: str, rate: Rate, *, cost: int = 1) -> Hit:
    """Counts one attempt (``cost`` of them) and says whether it is within the limit."""
    key = _key(scope, ident)
    client = _redis_client()
    if client is None:
        return _local_hit(key, rate, cost)
    hit_script, _refund = _scripts()
    try:
        count, ttl_ms = hit_script(keys=[key], args=[cost, rate.seconds * 1000], client=client)
    except redis.exceptions.RedisError as exc:
        raise RateLimiterUnavailable(f"rate limiter cannot reach Redis: {exc}") from exc
    return Hit(count=int(count), limit=rate.limit, retry_after=max(1, -(-int(ttl_ms) // 1000)))


def refund(scope: str, ident: str) -> None:
    """Gives one hit back: an attempt counted up front turned out not to count (a right
    password, a valid API key)."""
    key = _key(scope, ident)
    client = _redis_client()
    if client is None:
        try:
            if (cache.get(key) or 0) > 0:
                cache.decr(key)
        except ValueError:
            pass
        return
    _hit, refund_script = _scripts()
    try:
        refund_script(keys=[key], client=client)
    except redis.exceptions.RedisError as exc:
        raise RateLimiterUnavailable(f"rate limiter cannot reach Redis: {exc}") from exc


def count(scope: str, ident: str) -> int:
    """Hits counted in the current window (0 when none)."""
    key = _key(scope, ident)
    client = _redis_client()
    if client is None:
        return int(cache.get(key) or 0)
    try:
        return int(client.get(key) or 0)
    except redis.exceptions.RedisError as exc:
        raise RateLimiterUnavailable(f"rate limiter cannot reach Redis: {exc}") from exc


def reset(scope: str, ident: str) -> None:
    key = _key(scope, ident)
    client = _redis_client()
    if client is None:
        cache.delete(key)
        return
    try:
        client.delete(key)
    except redis.exceptions.RedisError as exc:
        raise RateLimiterUnavailable(f"rate limiter cannot reach Redis: {exc}") from exc


def _local_hit(key: str, rate: Rate, cost: int) -> Hit:
    # add() creates the counter with its expiry only if it is missing; incr() is atomic
    # in the local-memory cache. If the window closes between the two, start a new one.
    for _attempt in range(2):
        cache.add(key, 0, timeout=rate.seconds)
        try:
            return Hit(count=cache.incr(key, cost), limit=rate.limit, retry_after=rate.seconds)
        except ValueError:
            continue
    cache.set(key, cost, timeout=rate.seconds)
    return Hit(count=cost, limit=rate.limit, retry_after=rate.seconds)
