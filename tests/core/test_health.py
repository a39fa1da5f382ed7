"""/healthz (liveness) and /readyz (database, cache and Celery broker)."""

import pytest
from celery import current_app
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_touching_dependencies(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_every_dependency_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert body["broker"] in {"redis", "filesystem"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_503_when_the_database_fails(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"] == {
        "database": "error: OperationalError",
        "cache": "ok",
        "broker": "ok",
    }


def test_readyz_is_503_when_the_cache_loses_writes(client, settings):
    # given a cache that stores nothing (as a full or broken cache would)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error: RuntimeError"
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_is_503_quickly_when_the_broker_is_down(client, monkeypatch):
    # given a broker address where nothing listens
    monkeypatch.setattr(current_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(current_app.conf, "broker_write_url", None)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"].startswith("error: ")
    assert body["checks"]["database"] == "ok"


@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_probes_refuse_writes(client, url):
    response = client.post(url)

    assert response.status_code == 405
