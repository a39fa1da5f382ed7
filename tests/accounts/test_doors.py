"""Every door that checks a secret is limited: per address, per account, behind proxies.

Numbers (defaults of config/settings/base.py): django-axes locks an address or a username
after 10 failures (AXES_FAILURE_LIMIT) for 15 minutes; the password budget of a username
is 10 failures per 15 minutes (RATE_LIMITS["auth_account"]); every sign-in door together
takes 20 attempts a minute per address (RATE_LIMITS["auth"]).
"""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from campaigns import services as campaign_services
from campaigns.exceptions import CodeInvalid, TooManyAttempts
from core import client_address, ratelimit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"
FAILURE_LIMIT = 10


def web_login_url(lang="en"):
    with translation.override(lang):
        return reverse("accounts:login")


def attempt(door: str, username: str, password: str, client=None, **extra):
    """One sign-in attempt at a door; returns the response."""
    if door == "token":
        client = client or APIClient()
        return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)
    client = client or Client()
    url = web_login_url() if door == "web" else ADMIN_LOGIN
    return client.post(url, {"username": username, "password": password}, **extra)


def signed_in(door: str, response) -> bool:
    if door == "token":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302


DOORS = ["web", "admin", "token"]


@pytest.fixture
def staffer(db):
    # Staff, so the admin door accepts the right password too.
    return UserFactory(username="mei", password="right-pass-1", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("door", DOORS)
def test_wrong_passwords_lock_the_door_at_the_tenth_failure(door, staffer):
    # when 9 wrong passwords are tried, each is an ordinary refusal
    for _ in range(FAILURE_LIMIT - 1):
        response = attempt(door, "mei", "guess")
        assert response.status_code in (200, 400)
        assert not signed_in(door, response)

    # then the 10th failure locks: 429, and the right password no longer works either
    assert attempt(door, "mei", "guess").status_code == 429
    locked = attempt(door, "mei", "right-pass-1")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert Token.objects.count() == 0
    # django-axes keeps the record staff see (and can reset) in the admin
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) >= FAILURE_LIMIT


def test_the_api_lockout_has_the_error_shape_in_the_callers_language(staffer):
    client = APIClient()
    for _ in range(FAILURE_LIMIT):
        attempt("token", "mei", "guess", client=client)

    response = client.post(
        f"{TOKEN_URL}?lang=ja", {"username": "mei", "password": "right-pass-1"}, format="json"
    )

    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert body["detail"] == "サインインの失敗が多すぎます。15 分後にもう一度お試しください。"


def test_the_web_lockout_page_is_in_the_pages_language(staffer):
    client = Client()
    for _ in range(FAILURE_LIMIT - 1):
        client.post(web_login_url("es"), {"username": "mei", "password": "guess"})

    response = client.post(web_login_url("es"), {"username": "mei", "password": "guess"})

    assert response.status_code == 429
    assert "Demasiados intentos fallidos de inicio de sesión" in response.content.decode()


def test_a_lockout_of_one_address_spans_every_door_and_username(staffer):
    # failures against several usernames and doors from one address add up
    UserFactory(username="other", password="x-pass-123")
    for i in range(FAILURE_LIMIT - 1):
        attempt(DOORS[i % 3], ["mei", "other", "ghost"][i % 3], "guess")

    assert attempt("admin", "nobody", "guess").status_code == 429
    assert attempt("web", "other", "x-pass-123").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_new_forwarded_header_per_request_buys_no_new_address(staffer):
    # given one proxy in front: the client writes whatever it likes before the proxy's entry
    for i in range(FAILURE_LIMIT - 1):
        spoofed = f"10.9.{i}.{i}, 203.0.113.7"
        response = attempt("token", f"user{i}", "guess", HTTP_X_FORWARDED_FOR=spoofed)
        assert response.status_code == 400

    # then the tenth failure from 203.0.113.7 is locked out, whatever the header says first
    response = attempt("token", "mei", "guess", HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.7")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    # and another client behind the same proxy is not affected
    assert signed_in("token", attempt("token", "mei", "right-pass-1", HTTP_X_FORWARDED_FOR="198.51.100.1"))


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_forwarded_header_is_not_read(staffer):
    for i in range(FAILURE_LIMIT - 1):
        attempt("web", f"user{i}", "guess", HTTP_X_FORWARDED_FOR=f"10.9.{i}.1")

    assert attempt("web", "nobody", "guess", HTTP_X_FORWARDED_FOR="10.99.99.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize("door", DOORS)
def test_one_username_from_many_addresses_is_locked_too(door, staffer):
    # a botnet: every attempt from a new address, all against one account
    for i in range(FAILURE_LIMIT - 1):
        response = attempt(door, "mei", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}")
        assert response.status_code in (200, 400)

    response = attempt(door, "mei", "guess", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert response.status_code == 429
    assert attempt(door, "mei", "right-pass-1", HTTP_X_FORWARDED_FOR="198.51.100.201").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=1000)
def test_the_password_budget_of_an_account_holds_without_axes(staffer):
    # the Redis budget alone (what holds under concurrency) refuses the 11th failed check
    with override_settings(TRUSTED_PROXY_COUNT=1):
        for i in range(FAILURE_LIMIT):
            assert (
                attempt("token", "mei", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}").status_code
                == 400
            )
        response = attempt("token", "mei", "right-pass-1", HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_a_right_password_does_not_use_up_the_account_budget(staffer):
    for _ in range(FAILURE_LIMIT + 5):
        assert signed_in("token", attempt("token", "mei", "right-pass-1", client=APIClient()))


def test_the_doors_share_twenty_attempts_a_minute_per_address(staffer):
    # given right passwords (nothing to lock out), spread over the three doors
    for i in range(20):
        door = DOORS[i % 3]
        response = attempt(door, "mei", "right-pass-1")
        assert signed_in(door, response), (i, door, response.status_code)

    # then the 21st attempt at any door is throttled before the password is checked
    web = attempt("web", "mei", "right-pass-1")
    token = attempt("token", "mei", "right-pass-1")
    assert (web.status_code, token.status_code) == (429, 429)
    assert token.json()["code"] == "throttled"
    assert 'data-testid="throttled"' in web.content.decode()


def test_throttled_detail_is_in_the_callers_language(staffer, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    for _ in range(2):
        attempt("token", "mei", "right-pass-1")

    response = APIClient().post(
        TOKEN_URL, {"username": "mei", "password": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert "请求" in response.json()["detail"]


# --- Sign-up, password reset ----------------------------------------------------------------


def signup(client, n):
    with translation.override("en"):
        url = reverse("accounts:signup")
    return client.post(
        url,
        {
            "username": f"new{n}",
            "email": f"new{n}@example.com",
            "password1": "a-long-pass-123",
            "password2": "a-long-pass-123",
        },
    )


def test_sign_ups_are_limited_per_address():
    for n in range(5):
        assert signup(Client(), n).status_code == 302

    response = signup(Client(), 99)

    assert response.status_code == 429
    assert not User.objects.filter(username="new99").exists()


def reset(client, email, lang="en"):
    with translation.override(lang):
        url = reverse("accounts:password_reset")
    return client.post(url, {"email": email})


def test_password_reset_mails_are_limited_per_address_of_the_account():
    UserFactory(username="ana", email="ana@example.com")

    statuses = [reset(Client(), "Ana@Example.com").status_code for _ in range(5)]

    # every request looks the same (no oracle), but only three mails went out
    assert statuses == [302] * 5
    assert len(mail.outbox) == 3


def test_password_reset_requests_are_limited_per_client_address():
    for n in range(10):
        assert reset(Client(), f"nobody{n}@example.com").status_code == 302

    assert reset(Client(), "ana@example.com").status_code == 429


# --- Partner API keys -------------------------------------------------------------------------


@pytest.fixture
def partner_key(db):
    from partners.models import ApiKey
    from partners.services import api_key_issue
    from tests.partners.factories import PartnerFactory

    return api_key_issue(
        partner=PartnerFactory(slug="bank-k"), name="k", scopes=list(ApiKey.Scope.values), created_by=None
    )[1]


PARTNER_URL = "/api/partner/v1/campaigns/"


def test_wrong_partner_keys_are_limited_per_address(partner_key):
    client = APIClient()
    statuses = [
        client.get(PARTNER_URL, HTTP_AUTHORIZATION=f"Api-Key zq_wrong{i}").status_code for i in range(21)
    ]

    assert statuses == [401] * 20 + [429]
    # past the limit no key is checked at all, a right one included
    refused = client.get(PARTNER_URL, HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_valid_partner_keys_do_not_use_up_the_misuse_budget(partner_key):
    client = APIClient()
    for _ in range(30):
        assert client.get(PARTNER_URL, HTTP_AUTHORIZATION=f"Api-Key {partner_key}").status_code == 200
    for i in range(20):
        assert client.get(PARTNER_URL, HTTP_AUTHORIZATION=f"Api-Key bad{i}").status_code == 401
    # another address is not affected
    other = client.get(
        PARTNER_URL, HTTP_AUTHORIZATION=f"Api-Key {partner_key}", HTTP_X_FORWARDED_FOR="1.1.1.1"
    )
    assert other.status_code == 200


# --- Wrong discount codes per address --------------------------------------------------------


def test_new_accounts_from_one_address_do_not_multiply_the_wrong_code_limit():
    from tests.campaigns.test_codes import _quote, _setup

    _campaign, course = _setup()
    token = client_address._current.set("198.51.100.7")
    try:
        # two accounts use up the address's 20 wrong codes between them
        for account in (UserFactory(), UserFactory()):
            for attempt_no in range(10):
                with pytest.raises(CodeInvalid):
                    _quote(f"GUESS{attempt_no}", account, course)
        # then a third, fresh account from the same address is refused before any look-up
        with pytest.raises(TooManyAttempts):
            _quote("GUESS99", UserFactory(), course)
    finally:
        client_address._current.reset(token)
    # the same fresh account elsewhere is not
    with pytest.raises(CodeInvalid):
        _quote("GUESS99", UserFactory(), course)
    assert ratelimit.count(campaign_services.CODE_FAILURE_SCOPE, "anonymous") == 0
