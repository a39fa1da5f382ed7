"""Storefront API accounts: POST /api/v1/auth/token/ and GET/PATCH /api/v1/me/."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.models import LearnerProfile
from tests.factories import LearnerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"


# --- Token --------------------------------------------------------------------------------


def test_token_flow_gives_a_token_that_authenticates(api_client):
    # given a learner
    user = UserFactory(username="mei", password="pass-1234")

    # when they trade their credentials for a token and use it
    response = api_client.post(TOKEN_URL, {"username": "mei", "password": "pass-1234"}, format="json")
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get(ME_URL)

    # then the token is theirs and opens their profile
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    assert me.status_code == 200
    assert me.json()["username"] == "mei"


def test_asking_twice_returns_the_same_token(api_client):
    UserFactory(username="mei", password="pass-1234")

    first = api_client.post(TOKEN_URL, {"username": "mei", "password": "pass-1234"}, format="json")
    second = api_client.post(TOKEN_URL, {"username": "mei", "password": "pass-1234"}, format="json")

    assert first.json()["token"] == second.json()["token"]
    assert Token.objects.count() == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "mei", "password": "wrong"},
        {"username": "nobody", "password": "pass-1234"},
        {"username": "inactive", "password": "pass-1234"},
    ],
)
def test_bad_credentials_are_a_400_with_code_and_issue_no_token(api_client, credentials):
    UserFactory(username="mei", password="pass-1234")
    UserFactory(username="inactive", password="pass-1234", is_active=False)

    response = api_client.post(TOKEN_URL, credentials, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "detail": "The username or password is not correct.",
    }
    assert Token.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x"}, "username"),
        ({"username": "mei"}, "password"),
        ({"username": "", "password": "x"}, "username"),
    ],
)
def test_missing_fields_are_a_400_invalid(api_client, body, field):
    response = api_client.post(TOKEN_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]


def test_token_error_is_in_the_requests_language(api_client):
    response = api_client.post(
        f"{TOKEN_URL}?lang=zh-hans", {"username": "nobody", "password": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert response["Content-Language"] == "zh-hans"


def test_token_endpoint_locks_out_after_ten_wrong_passwords(api_client):
    # given django-axes locks a username or an address after 10 failures
    UserFactory(username="mei", password="pass-1234")
    for _ in range(9):
        assert (
            api_client.post(TOKEN_URL, {"username": "mei", "password": "guess"}, format="json").status_code
            == 400
        )
    assert (
        api_client.post(TOKEN_URL, {"username": "mei", "password": "guess"}, format="json").status_code == 429
    )

    # when the right password comes next
    response = api_client.post(TOKEN_URL, {"username": "mei", "password": "pass-1234"}, format="json")

    # then it is refused with code "locked_out" and no token is issued
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert Token.objects.count() == 0


def test_token_endpoint_refuses_get(api_client):
    response = api_client.get(TOKEN_URL)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# --- Profile ------------------------------------------------------------------------------


def test_me_requires_authentication(api_client):
    get = api_client.get(ME_URL)
    patch = api_client.patch(ME_URL, {"country": "JP"}, format="json")

    assert get.status_code == 401
    assert get.json()["code"] == "not_authenticated"
    assert patch.status_code == 401
    assert LearnerProfile.objects.count() == 0


def test_me_shows_the_profile(api_client):
    profile = LearnerProfileFactory(
        user=UserFactory(username="mei"),
        preferred_language="zh-hans",
        country="CN",
        preferred_currency="CNY",
        interests=["finance", "tea"],
    )
    api_client.force_authenticate(profile.user)

    response = api_client.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "username": "mei",
        "email": "mei@example.com",
        "preferred_language": "zh-hans",
        "country": "CN",
        "currency": "CNY",
        "interests": ["finance", "tea"],
        "marketing_consent": False,
        "marketing_consent_at": None,
        "time_zone": "",
    }


def test_me_creates_a_missing_profile_in_the_requests_language(api_client):
    # given a user made outside sign-up, without a profile
    user = UserFactory()
    api_client.force_authenticate(user)

    # when they open their profile in Japanese
    response = api_client.get(ME_URL, HTTP_ACCEPT_LANGUAGE="ja")

    # then a profile exists, in Japanese
    assert response.status_code == 200
    assert response.json()["preferred_language"] == "ja"
    assert LearnerProfile.objects.get(user=user).preferred_language == "ja"


def test_patch_changes_only_the_fields_sent(api_client):
    profile = LearnerProfileFactory(preferred_language="en", country="CN", interests=["finance"])
    api_client.force_authenticate(profile.user)

    response = api_client.patch(ME_URL, {"country": "jp", "currency": "JPY"}, format="json")

    assert response.status_code == 200
    profile.refresh_from_db()
    assert (profile.preferred_language, profile.country, profile.preferred_currency, profile.interests) == (
        "en",
        "JP",
        "JPY",
        ["finance"],
    )
    assert response.json()["country"] == "JP"


def test_patch_consent_stamps_and_withdrawal_clears_the_timestamp(api_client):
    profile = LearnerProfileFactory()
    api_client.force_authenticate(profile.user)

    given = api_client.patch(ME_URL, {"marketing_consent": True}, format="json")
    profile.refresh_from_db()
    stamped = profile.marketing_consent_at
    withdrawn = api_client.patch(ME_URL, {"marketing_consent": False}, format="json")
    profile.refresh_from_db()

    assert given.json()["marketing_consent"] is True
    assert stamped is not None
    assert given.json()["marketing_consent_at"] is not None
    assert withdrawn.json()["marketing_consent_at"] is None
    assert profile.marketing_consent_at is None


def test_patch_interests_and_language(api_client):
    profile = LearnerProfileFactory()
    api_client.force_authenticate(profile.user)

    response = api_client.patch(
        ME_URL, {"interests": ["tea", "finance", "tea"], "preferred_language": "es"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["interests"] == ["finance", "tea"]
    assert response.json()["preferred_language"] == "es"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_language": "fr"}, "preferred_language"),
        ({"country": "CHN"}, "country"),
        ({"country": "1a"}, "country"),
        ({"currency": "GBP"}, "currency"),
        ({"interests": "finance"}, "interests"),
        ({"interests": ["not a slug!"]}, "interests"),
        ({"marketing_consent": "maybe"}, "marketing_consent"),
    ],
)
def test_patch_with_bad_values_is_a_400_and_changes_nothing(api_client, body, field):
    profile = LearnerProfileFactory(preferred_language="en", country="CN", interests=["finance"])
    api_client.force_authenticate(profile.user)

    response = api_client.patch(ME_URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [field]
    profile.refresh_from_db()
    assert (profile.preferred_language, profile.country, profile.preferred_currency, profile.interests) == (
        "en",
        "CN",
        "",
        ["finance"],
    )


def test_read_only_fields_are_ignored(api_client):
    profile = LearnerProfileFactory(user=UserFactory(username="mei"))
    api_client.force_authenticate(profile.user)

    response = api_client.patch(ME_URL, {"username": "root", "email": "x@example.com"}, format="json")

    assert response.status_code == 200
    profile.user.refresh_from_db()
    assert (profile.user.username, profile.user.email) == ("mei", "mei@example.com")


def test_token_authenticates_me_patch(api_client):
    profile = LearnerProfileFactory(user=UserFactory(username="mei", password="pass-1234"))
    token = api_client.post(TOKEN_URL, {"username": "mei", "password": "pass-1234"}, format="json").json()[
        "token"
    ]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.patch(ME_URL, {"country": "ES"}, format="json")

    assert response.status_code == 200
    profile.refresh_from_db()
    assert profile.country == "ES"


def test_me_put_is_not_allowed(api_client):
    profile = LearnerProfileFactory()
    api_client.force_authenticate(profile.user)

    response = api_client.put(ME_URL, {"country": "JP"}, format="json")

    assert response.status_code == 405
