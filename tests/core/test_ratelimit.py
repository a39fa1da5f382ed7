"""The atomic counters behind every door limit, and the client address they count."""

import threading

import pytest
import redis
from django.test import RequestFactory, override_settings

from core import ratelimit
from core.client_address import client_ip, rate_ident

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # A port of this project's range where nothing listens.
        "LOCATION": "redis://127.0.0.1:8699/0",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 0.5},
    }
}


@pytest.mark.parametrize(
    ("text", "limit", "seconds"),
    [
        ("20/min", 20, 60),
        ("600/minute", 600, 60),
        ("5/15min", 5, 900),
        ("10/hour", 10, 3600),
        ("3/day", 3, 86400),
    ],
)
def test_rates_are_parsed(text, limit, seconds):
    assert ratelimit.Rate.parse(text) == ratelimit.Rate(limit=limit, seconds=seconds)


@pytest.mark.parametrize("text", ["", "20", "x/min", "20/fortnight", "-1/min"])
def test_a_bad_rate_is_refused(text):
    with pytest.raises(ValueError):
        ratelimit.Rate.parse(text)


def test_hits_are_counted_and_refused_past_the_limit():
    rate = ratelimit.Rate(limit=3, seconds=60)

    hits = [ratelimit.hit("t", "a", rate) for _ in range(5)]

    assert [h.count for h in hits] == [1, 2, 3, 4, 5]
    assert [h.allowed for h in hits] == [True, True, True, False, False]
    assert 0 < hits[-1].retry_after <= 60
    # another identity has its own counter
    assert ratelimit.hit("t", "b", rate).count == 1


def test_a_refund_gives_one_hit_back_and_never_goes_below_zero():
    rate = ratelimit.Rate(limit=3, seconds=60)
    ratelimit.hit("t", "a", rate)
    ratelimit.hit("t", "a", rate)

    ratelimit.refund("t", "a")
    assert ratelimit.count("t", "a") == 1
    ratelimit.refund("t", "a")
    ratelimit.refund("t", "a")
    assert ratelimit.count("t", "a") == 0
    ratelimit.refund("t", "never-hit")
    assert ratelimit.count("t", "never-hit") == 0


@pytest.mark.redis
def test_the_window_is_the_keys_expiry_set_by_the_first_hit():
    from django_redis import get_redis_connection

    rate = ratelimit.Rate(limit=3, seconds=60)
    ratelimit.hit("t", "a", rate)
    ratelimit.hit("t", "a", rate)
    ttl_ms = get_redis_connection("default").pttl(ratelimit._key("t", "a"))

    assert 59_000 < ttl_ms <= 60_000


@pytest.mark.redis
def test_concurrent_hits_admit_exactly_the_limit():
    # given 80 threads released together against a limit of 20 (each opens its own Redis
    # connection; REDIS_SOCKET_TIMEOUT is 1 s, so no more threads than a loaded CI can
    # connect in that time)
    rate = ratelimit.Rate(limit=20, seconds=60)
    barrier = threading.Barrier(80)
    results: list[bool] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def attempt():
        barrier.wait()
        try:
            allowed = ratelimit.hit("race", "one", rate).allowed
        except Exception as exc:
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=attempt) for _ in range(80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly 20 got through
    assert errors == []
    assert (results.count(True), results.count(False)) == (20, 60)


@pytest.mark.redis
def test_concurrent_charges_with_refunds_admit_exactly_the_limit_of_failures():
    # every attempt is charged first and the successful ones are given back, as the
    # password budget and the wrong-code limits do
    rate = ratelimit.Rate(limit=10, seconds=60)
    barrier = threading.Barrier(60)
    admitted: list[int] = []
    lock = threading.Lock()

    def attempt(i):
        barrier.wait()
        hit = ratelimit.hit("race", "refund", rate)
        if not hit.allowed:
            ratelimit.refund("race", "refund")
            return
        with lock:
            admitted.append(i)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(admitted) == 10
    assert ratelimit.count("race", "refund") == 10


@pytest.mark.redis
def test_redis_down_raises_a_clear_exception():
    with override_settings(CACHES=UNREACHABLE_REDIS), pytest.raises(ratelimit.RateLimiterUnavailable) as exc:
        ratelimit.hit("t", "a", ratelimit.Rate(limit=3, seconds=60))
    # whatever maps "Redis is down" to 503 maps this too
    assert isinstance(exc.value, redis.exceptions.ConnectionError)


# --- The client address ---------------------------------------------------------------------


def _request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request("10.0.0.1", "1.2.3.4")) == "10.0.0.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # one proxy: the entry it appended, whatever the client wrote before it
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.2.3.4, 203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6,7.7.7.7, 203.0.113.9", "203.0.113.9"),
        # two proxies: the second-to-last entry
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # fewer entries than proxies: the request did not come through them all
        (2, "203.0.113.9", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        # not an address
        (1, "1.2.3.4, not-an-ip", "10.0.0.1"),
        (1, "1.2.3.4, 2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_entry_of_the_outermost_trusted_proxy(proxies, forwarded, expected):
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(_request("10.0.0.1", forwarded)) == expected


def test_ipv6_clients_are_counted_by_their_64_network():
    assert rate_ident("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert rate_ident("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert rate_ident("::ffff:198.51.100.7") == "198.51.100.7"
    assert rate_ident("198.51.100.7") == "198.51.100.7"
