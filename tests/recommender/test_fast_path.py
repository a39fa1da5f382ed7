"""A token's repeat of ``GET me/recommendations/`` is answered from the cached payload before
URL resolution and DRF (``recommender.api.fast_path``): no query, two Redis round trips, the
view's own bytes and headers; a deleted token, a deactivated learner, a new enrollment and
another learner's token are all seen at once."""

import pytest
import redis.connection
from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.models import Enrollment

from .test_api import ME, trained  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

FAST_PATH = "recommender.api.fast_path.RecommendationsFastPathMiddleware"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def round_trips(monkeypatch):
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send_packed_command(conn, command, check_health=True):
        sent.append(command)
        return original(conn, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send_packed_command)
    return sent


def test_a_repeat_is_answered_before_url_resolution(
    trained,  # noqa: F811
    monkeypatch,
    round_trips,
    django_assert_num_queries,
):
    client = token_client(trained.users[0])
    first = client.get(ME, {"k": 3})
    assert first.status_code == 200

    def refuse(self, request):
        raise AssertionError("went through the full stack")

    monkeypatch.setattr(BaseHandler, "resolve_request", refuse)
    round_trips.clear()
    with django_assert_num_queries(0):
        again = client.get(ME, {"k": 3})

    assert len(round_trips) == 2  # the token's user; the payload and its two versions
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert client.get(ME, {"k": 3}, HTTP_IF_NONE_MATCH=again.headers["ETag"]).status_code == 304


def test_the_fast_answer_is_the_views_cached_answer(trained):  # noqa: F811
    client = token_client(trained.users[0])
    client.get(ME)

    fast = client.get(ME)
    with override_settings(MIDDLEWARE=[name for name in settings.MIDDLEWARE if name != FAST_PATH]):
        full = client.get(ME)

    assert fast.content == full.content
    assert sorted(fast.headers) == sorted(full.headers)
    for header in (
        "Allow",
        "Vary",
        "Cache-Control",
        "Content-Type",
        "ETag",
        "X-Frame-Options",
        "Content-Length",
    ):
        assert fast.headers.get(header) == full.headers.get(header), header


def test_learners_never_get_each_others_list(trained):  # noqa: F811
    first, second = token_client(trained.users[0]), token_client(trained.users[1])
    for _ in range(2):
        mine, theirs = first.get(ME).json(), second.get(ME).json()
    assert mine == token_client(trained.users[0]).get(ME).json()
    assert mine != theirs


def test_a_deleted_token_and_a_deactivated_learner_are_refused_at_once(trained):  # noqa: F811
    learner = trained.users[0]
    client = token_client(learner)
    client.get(ME)
    assert client.get(ME).status_code == 200

    learner.auth_token.delete()
    assert client.get(ME).status_code == 401

    client = token_client(learner)
    client.get(ME)
    learner.is_active = False
    learner.save()
    assert client.get(ME).status_code == 401


def test_an_enrollment_changes_the_list_at_once(trained):  # noqa: F811
    learner = trained.users[0]
    client = token_client(learner)
    client.get(ME, {"k": 1})
    top = client.get(ME, {"k": 1}).json()["results"][0]["course"]["slug"]
    prefix, index = top.rsplit("-", 1)

    Enrollment.objects.create(user=learner, course=trained.courses[prefix][int(index)])

    assert top not in [row["course"]["slug"] for row in client.get(ME, {"k": 10}).json()["results"]]


def test_the_browsable_api_still_gets_the_view(trained):  # noqa: F811
    client = token_client(trained.users[0])
    client.get(ME)

    response = client.get(ME, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
