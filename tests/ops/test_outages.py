"""The pieces of "degrade, don't crash" on their own (the whole is tests/ops/test_redis_outage.py)."""

import json

import pytest
from django.db import IntegrityError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.test import Client, RequestFactory
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.outages import is_outage
from core.views import server_error
from tests.factories import UserFactory


class WrappedError(Exception):
    pass


def _raised_from(cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise WrappedError("wrapped") from inner
    except WrappedError as outer:
        return outer


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (RedisConnectionError("refused"), True),
        (RedisTimeoutError("slow"), True),
        (BrokerUnavailable("no broker"), True),
        (DatabaseOperationalError("server closed the connection unexpectedly"), True),
        (DatabaseInterfaceError("connection already closed"), True),
        (IntegrityError("duplicate key"), False),
        (_raised_from(RedisConnectionError("refused")), True),
        (ValueError("a bug"), False),
        (_raised_from(KeyError("a bug")), False),
        (None, False),
    ],
)
def test_what_counts_as_an_outage(error, outage):
    assert is_outage(error) is outage


def _handle(path: str, error: BaseException, language: str = "en"):
    request = RequestFactory().get(path)
    with translation.override(language):
        try:
            raise error
        except Exception:
            return server_error(request)


def test_an_outage_outside_a_view_is_a_503_in_the_api_shape():
    response = _handle("/api/v1/checkout/", RedisConnectionError("refused"), "es")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert json.loads(response.content) == {
        "code": "service_unavailable",
        "detail": "El servicio no está disponible temporalmente. Vuelve a intentarlo en un momento.",
    }


def test_an_outage_outside_a_view_is_a_localized_503_page():
    response = _handle("/zh-hans/courses/", BrokerUnavailable("no broker"), "zh-hans")

    assert response.status_code == 503
    page = response.content.decode()
    assert 'lang="zh-hans"' in page and "服务暂时不可用" in page


def test_a_bug_is_still_a_500_and_the_api_says_so_in_its_shape():
    api = _handle("/api/v1/orders/", ValueError("a bug"))
    page = _handle("/en/courses/", ValueError("a bug"))

    assert (api.status_code, json.loads(api.content)) == (
        500,
        {"code": "server_error", "detail": "Server error."},
    )
    assert page.status_code == 500


@pytest.mark.django_db
def test_sessions_in_a_redis_that_is_down_read_as_signed_out_and_sign_in_is_a_localized_503(settings):
    # given sessions kept in a cache whose Redis does not answer (nothing listens on 8598)
    down = "redis://127.0.0.1:8598/0"
    options = {"CLIENT_CLASS": "django_redis.client.DefaultClient", "SOCKET_CONNECT_TIMEOUT": 0.2}
    settings.CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": down, "OPTIONS": options},
        "soft": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    UserFactory(username="outage-signin", password="pass-1234")
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a-session-that-cannot-be-read"

    # when a visitor opens the catalog, then signs in
    page = client.get("/ja/courses/")
    sign_in = client.post("/ja/accounts/login/", {"username": "outage-signin", "password": "pass-1234"})

    # then the catalog is served (Django reads an unreadable session as empty), and the
    # sign-in, which must write the session, says "come back in a moment" in Japanese
    assert page.status_code == 200
    assert sign_in.status_code == 503
    assert "一時的にご利用いただけません" in sign_in.content.decode()
