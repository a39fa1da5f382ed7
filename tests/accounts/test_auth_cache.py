"""Signed-in requests read the user (session) and the token's user (API) from the cache, and
every change that matters shows at once: a deleted token, a deactivated user, a new
password."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

ME = "/api/v1/me/recommendations/"


@pytest.fixture
def token_client():
    user = UserFactory(username="mei")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user, client.token = user, token
    return client


def test_a_repeat_api_call_with_a_token_costs_no_query(token_client, django_assert_num_queries):
    assert token_client.get(ME).status_code == 200

    with django_assert_num_queries(0):
        again = token_client.get(ME)

    assert again.status_code == 200


def test_a_deleted_token_is_refused_at_once(token_client):
    assert token_client.get(ME).status_code == 200

    token_client.token.delete()

    response = token_client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_deactivated_learner_is_refused_at_once(token_client):
    assert token_client.get(ME).status_code == 200

    token_client.user.is_active = False
    token_client.user.save()

    assert token_client.get(ME).status_code == 401


def test_a_session_ends_at_once_when_the_password_changes(django_assert_num_queries):
    user = UserFactory(username="li")
    client = Client()
    client.force_login(user)
    with translation.override("en"):
        url = reverse("courses:home")
    assert ">li<" in client.get(url).content.decode()
    # the user now comes from the cache: only the session is read
    with django_assert_num_queries(1):
        assert ">li<" in client.get(url).content.decode()

    user.set_password("a-new-long-password")
    user.save()

    html = client.get(url).content.decode()
    assert ">li<" not in html and 'data-testid="logout"' not in html
