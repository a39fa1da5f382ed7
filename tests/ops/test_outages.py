"""The pieces of "degrade, don't crash" on their own (the whole is tests/ops/test_redis_outage.py)."""

import json

import pytest
from django.test import RequestFactory
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.outages import is_outage
from core.views import server_error


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
