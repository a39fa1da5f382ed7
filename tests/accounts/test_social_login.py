"""Sign in with Google and WeChat through django-allauth, with the providers faked at their
HTTP boundary: ``responses`` answers the token and user-info requests allauth sends with
``requests``, so allauth's own client code, state checks and id_token decoding all run.
An account is linked by an e-mail address the provider verified, never by another one."""

import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accounts.models import LearnerProfile, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
WEIXIN_TOKEN_URL = "https://api.weixin.qq.com/sns/oauth2/access_token"
WEIXIN_USERINFO_URL = "https://api.weixin.qq.com/sns/userinfo"


@pytest.fixture
def providers(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "google-client", "secret": "google-secret", "key": ""}]},
        "weixin": {"APPS": [{"client_id": "wx-app", "secret": "wx-secret", "key": ""}]},
    }


def _id_token(*, sub: str, email: str, verified: bool) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://accounts.google.com",
        "aud": "google-client",
        "sub": sub,
        "email": email,
        "email_verified": verified,
        "name": "Ana Núñez",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    # Received straight from the token endpoint over TLS: allauth (and OpenID Connect) do
    # not check its signature then, so any key will do here.
    return jwt.encode(claims, "not-checked-" * 4, algorithm="HS256")


def _start(client: Client, provider: str, next_url: str = "/en/courses/") -> str:
    """POST to the provider's login URL (a GET only shows a confirmation page) and return
    the state allauth put in the redirect to the provider."""
    response = client.post(f"/accounts/social/{provider}/login/", {"process": "login", "next": next_url})
    assert response.status_code == 302, response.content[:500]
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    return query["state"][0]


@responses.activate
def _google(client: Client, *, sub: str, email: str, verified: bool):
    state = _start(client, "google")
    responses.post(
        GOOGLE_TOKEN_URL,
        json={
            "access_token": "ya29.token",
            "expires_in": 3600,
            "token_type": "Bearer",
            "id_token": _id_token(sub=sub, email=email, verified=verified),
        },
    )
    response = client.get("/accounts/social/google/login/callback/", {"code": "auth-code", "state": state})
    token_call = responses.calls[0].request
    assert "code=auth-code" in token_call.body and "client_id=google-client" in token_call.body
    return response


def _signed_in_as(client: Client):
    return client.get("/api/v1/me/").json().get("username")


def test_buttons_are_shown_only_for_configured_providers(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    page = client.get("/en/accounts/login/").content.decode()
    assert 'data-testid="social-sign-in"' not in page
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "google-client", "secret": "google-secret", "key": ""}]}
    }
    page = client.get("/zh-hans/accounts/login/").content.decode()
    assert 'data-provider="google"' in page and 'data-provider="weixin"' not in page
    assert "使用 Google 登录" in page
    assert 'data-provider="google"' in client.get("/en/accounts/signup/").content.decode()


def test_google_with_a_verified_address_links_the_existing_account(providers):
    existing = UserFactory(username="ana", email="ana@example.com")
    client = Client()
    response = _google(client, sub="g-123", email="ana@example.com", verified=True)
    assert (response.status_code, response["Location"]) == (302, "/en/courses/")
    assert _signed_in_as(client) == "ana"
    account = SocialAccount.objects.get(provider="google", uid="g-123")
    assert account.user == existing
    # The next sign-in finds the connected account, whatever the address says then.
    again = Client()
    _google(again, sub="g-123", email="changed@example.com", verified=False)
    assert _signed_in_as(again) == "ana"
    assert User.objects.count() == 1


def test_an_unverified_address_never_links_to_the_account_that_has_it(providers):
    victim = UserFactory(username="victim", email="victim@example.com")
    client = Client()
    response = _google(client, sub="attacker", email="victim@example.com", verified=False)
    # Asked to choose another address instead: nobody is signed in, nothing is connected.
    assert response.status_code == 302 and response["Location"].endswith("/accounts/social/3rdparty/signup/")
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert not SocialAccount.objects.filter(user=victim).exists()
    assert SocialAccount.objects.count() == 0
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_google_with_a_new_address_makes_an_account_with_a_profile(providers):
    client = Client()
    _google(client, sub="g-new", email="new@example.com", verified=True)
    user = SocialAccount.objects.get(uid="g-new").user
    assert (user.email, _signed_in_as(client)) == ("new@example.com", user.username)
    assert LearnerProfile.objects.filter(user=user).exists()
    assert not user.has_usable_password()


def test_a_forged_state_signs_nobody_in(providers):
    client = Client()
    _start(client, "google")
    with responses.RequestsMock() as mock:
        response = client.get("/accounts/social/google/login/callback/", {"code": "x", "state": "forged"})
        assert len(mock.calls) == 0  # the token endpoint is never asked
    # allauth's "sign-in failed" page
    assert response.status_code == 401 and client.get("/api/v1/me/").status_code in (401, 403)


@responses.activate
def test_wechat_signs_in_by_openid_and_never_by_e_mail(providers):
    UserFactory(username="wx-lookalike", email="")
    client = Client()
    state = _start(client, "weixin")
    # allauth's Weixin client asks for the token with a form POST.
    responses.post(
        WEIXIN_TOKEN_URL,
        json={"access_token": "wx-token", "expires_in": 7200, "openid": "o-abc", "scope": "snsapi_login"},
    )
    responses.get(
        WEIXIN_USERINFO_URL,
        json={"openid": "o-abc", "nickname": "小明", "headimgurl": "", "unionid": "u-1"},
    )
    response = client.get("/accounts/social/weixin/login/callback/", {"code": "wx-code", "state": state})
    assert response.status_code == 302
    account = SocialAccount.objects.get(provider="weixin", uid="o-abc")
    assert _signed_in_as(client) == account.user.username
    assert account.user.username != "wx-lookalike"
    token_form = parse_qs(responses.calls[0].request.body)
    assert (token_form["appid"], token_form["secret"], token_form["code"]) == (
        ["wx-app"],
        ["wx-secret"],
        ["wx-code"],
    )
    assert parse_qs(urlsplit(responses.calls[1].request.url).query)["openid"] == ["o-abc"]


def test_a_social_sign_in_still_asks_for_the_second_factor(providers):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(username="mfa-user", email="mfa@example.com")
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    _google(client, sub="g-mfa", email="mfa@example.com", verified=True)
    page = client.get("/en/learn/")
    assert page.status_code == 302 and "/accounts/mfa/verify/" in page["Location"]
