"""Signing in (and linking a number) with a text-message code: one test per rule of
accounts/phone.py, through the services, the web pages and the API."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import phone
from accounts.exceptions import (
    InvalidPhoneNumber,
    PhoneCodeAttemptsExhausted,
    PhoneCodeExpired,
    PhoneCodeInvalid,
    PhoneTaken,
    TextMessageNotSent,
    TooManyTextMessages,
)
from accounts.models import LearnerProfile, PhoneCode, PhoneNumber, User
from accounts.sms import MemorySmsBackend, SmsNotSent
from tests.commerce.concurrency import run_together
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "+8613800138000"
SIGN_IN = PhoneCode.Purpose.SIGN_IN
LINK = PhoneCode.Purpose.LINK


@pytest.fixture(autouse=True)
def _texts():
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


def _last_code() -> str:
    return re.search(r"\b(\d{6})\b", MemorySmsBackend.outbox[-1][1]).group(1)


def _request(number=NUMBER, ip="203.0.113.5", purpose=SIGN_IN, user=None):
    return phone.phone_code_request(number=number, purpose=purpose, client_ip=ip, user=user)


@pytest.mark.parametrize("raw", ["13800138000", "+86 138 0013 8000", "138-0013-8000"])
def test_chinese_mobile_numbers_are_read_without_a_country_code(raw):
    assert phone.phone_normalize(raw) == NUMBER


@pytest.mark.parametrize("raw", ["", "12345", "+861012345678", "not a number", "+1 202 555 01"])
def test_landlines_and_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidPhoneNumber):
        phone.phone_normalize(raw)


def test_the_code_is_texted_and_only_its_keyed_hash_is_stored():
    row = _request()
    assert MemorySmsBackend.outbox[-1][0] == NUMBER
    code = _last_code()
    row.refresh_from_db()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert not PhoneCode.objects.filter(code_hash=code).exists()
    # Keyed: the hash is not a plain SHA-256 of what was texted.
    import hashlib

    assert row.code_hash != hashlib.sha256(f"{NUMBER}|sign_in|{code}".encode()).hexdigest()


@pytest.mark.redis
def test_requests_are_limited_per_number(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_phone": "2/hour"}
    _request(ip="203.0.113.1")
    _request(ip="203.0.113.2")
    with pytest.raises(TooManyTextMessages):
        _request(ip="203.0.113.3")
    assert len(MemorySmsBackend.outbox) == 2
    _request(number="+8613900139000", ip="203.0.113.3")  # another number is not affected


@pytest.mark.redis
def test_requests_are_limited_per_address(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_address": "2/hour"}
    _request(number="+8613800138001")
    _request(number="+8613800138002")
    with pytest.raises(TooManyTextMessages):
        _request(number="+8613800138003")
    assert len(MemorySmsBackend.outbox) == 2
    _request(number="+8613800138003", ip="198.51.100.7")


def test_a_code_expires(settings):
    _request()
    code = _last_code()
    PhoneCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PhoneCodeExpired):
        phone.phone_sign_in(number=NUMBER, code=code, language="en")
    assert User.objects.count() == 0


def test_wrong_codes_are_limited_and_then_even_the_right_one_fails(settings):
    settings.PHONE_CODE_MAX_ATTEMPTS = 3
    _request()
    code = _last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(2):
        with pytest.raises(PhoneCodeInvalid):
            phone.phone_sign_in(number=NUMBER, code=wrong, language="en")
    with pytest.raises(PhoneCodeAttemptsExhausted):
        phone.phone_sign_in(number=NUMBER, code=wrong, language="en")
    with pytest.raises(PhoneCodeAttemptsExhausted):
        phone.phone_sign_in(number=NUMBER, code=code, language="en")
    assert PhoneCode.objects.get().attempts == 3 and User.objects.count() == 0


def test_the_comparison_is_constant_time(monkeypatch):
    calls = []
    real = phone.constant_time_compare

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(phone, "constant_time_compare", spy)
    _request()
    phone.phone_sign_in(number=NUMBER, code=_last_code(), language="en")
    assert len(calls) == 1 and calls[0][0] == PhoneCode.objects.get().code_hash


def test_a_code_works_once_and_a_new_one_replaces_the_old():
    _request()
    first = _last_code()
    _request()
    second = _last_code()
    if first != second:
        with pytest.raises(PhoneCodeInvalid):
            phone.phone_sign_in(number=NUMBER, code=first, language="en")
    user = phone.phone_sign_in(number=NUMBER, code=second, language="ja")
    with pytest.raises(PhoneCodeInvalid):
        phone.phone_sign_in(number=NUMBER, code=second, language="ja")
    assert user.phone_number.number == NUMBER
    assert LearnerProfile.objects.get(user=user).preferred_language == "ja"
    assert not user.has_usable_password()
    # The next sign-in with this number finds the same account.
    _request()
    assert phone.phone_sign_in(number=NUMBER, code=_last_code(), language="en") == user
    assert User.objects.count() == 1


def test_a_provider_failure_is_a_clear_error_and_the_code_is_dropped(settings, monkeypatch):
    def refuse(self, *, number, text, params=None):
        raise SmsNotSent("gateway down")

    monkeypatch.setattr(MemorySmsBackend, "send", refuse)
    with pytest.raises(TextMessageNotSent):
        _request()
    assert PhoneCode.objects.get().replaced is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_right_answers_sign_in_once():
    _request()
    code = _last_code()
    results = run_together(4, lambda i: phone.phone_sign_in(number=NUMBER, code=code, language="en"))
    users = [r for r in results if isinstance(r, User)]
    assert len(users) == 1, results
    assert all(isinstance(r, PhoneCodeInvalid) for r in results if not isinstance(r, User))
    assert User.objects.count() == 1 and PhoneNumber.objects.count() == 1


def test_linking_a_number_to_the_signed_in_account():
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    _request(purpose=LINK, user=ana)
    code = _last_code()
    # A code sent for Ana's account links no other account.
    with pytest.raises(PhoneCodeInvalid):
        phone.phone_link(user=bob, number=NUMBER, code=code)
    assert phone.phone_link(user=ana, number=NUMBER, code=code).user == ana
    # Bob cannot take Ana's number.
    with pytest.raises(PhoneTaken):
        _request(purpose=LINK, user=bob)
    # Signing in with the number now opens Ana's account.
    _request()
    assert phone.phone_sign_in(number=NUMBER, code=_last_code(), language="en") == ana


def test_the_web_pages_sign_in_with_a_code():
    client = Client()
    page = client.get("/zh-hans/accounts/login/").content.decode()
    assert 'data-testid="phone-sign-in"' in page
    bad = client.post("/en/accounts/phone/", {"number": "12345"})
    assert bad.status_code == 400 and MemorySmsBackend.outbox == []
    sent = client.post("/en/accounts/phone/", {"number": "13800138000", "next": "/en/learn/"})
    assert sent.status_code == 302 and sent["Location"].startswith("/en/accounts/phone/verify/")
    wrong = client.post(
        "/en/accounts/phone/verify/", {"code": "000000" if _last_code() != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    done = client.post("/en/accounts/phone/verify/", {"code": _last_code(), "next": "/en/learn/"})
    assert (done.status_code, done["Location"]) == (302, "/en/learn/")
    assert client.get("/api/v1/me/").json()["username"].startswith("learner-")


def test_the_api_trades_a_code_for_a_token(api_client):
    sent = api_client.post("/api/v1/auth/phone/code/", {"phone": "13800138000"}, format="json")
    assert sent.status_code == 202 and sent.json() == {"phone": NUMBER, "expires_in": 300}
    wrong = api_client.post(
        "/api/v1/auth/phone/token/?lang=es", {"phone": NUMBER, "code": "abcdef"}, format="json"
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "phone_code_invalid")
    token = api_client.post(
        "/api/v1/auth/phone/token/", {"phone": NUMBER, "code": _last_code()}, format="json"
    )
    assert token.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api_client.get("/api/v1/me/").status_code == 200
    bad = api_client.post("/api/v1/auth/phone/code/", {"phone": "nope"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_phone")


def test_the_api_links_a_number(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    assert api_client.post("/api/v1/me/phone/code/", {"phone": NUMBER}, format="json").status_code == 202
    linked = api_client.put("/api/v1/me/phone/", {"phone": NUMBER, "code": _last_code()}, format="json")
    assert (linked.status_code, linked.json()) == (200, {"phone": NUMBER})
    assert PhoneNumber.objects.get().user == user


def test_phone_sign_in_can_be_switched_off(settings, api_client):
    settings.PHONE_SIGN_IN_ENABLED = False
    assert Client().get("/en/accounts/phone/").status_code == 404
    assert api_client.post("/api/v1/auth/phone/code/", {"phone": NUMBER}, format="json").status_code == 404
    assert 'data-testid="phone-sign-in"' not in Client().get("/en/accounts/login/").content.decode()
