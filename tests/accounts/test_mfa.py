"""Two-factor authentication with real TOTP codes, computed here from the device's key
(RFC 6238, HMAC-SHA1, 30-second steps, 6 digits) independently of django-otp."""

import hashlib
import hmac
import re
import struct
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import mfa
from partners.models import PartnerMember
from tests.factories import UserFactory
from tests.partners.factories import PartnerMemberFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def totp(key_hex: str, at: float | None = None) -> str:
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{value:06d}"


def next_totp(key_hex: str) -> str:
    """The code of the next step: accepted (one step of tolerance) after the current one
    was used, since a used step is never accepted twice."""
    return totp(key_hex, time.time() + 30)


def url(name: str, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name)


def web_login(client: Client, username: str, password: str, next_url: str = ""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(url("accounts:login"), data)


def enrol(client: Client, user) -> tuple[TOTPDevice, list[str]]:
    """Set up the app through the pages, as a person would; returns the device and codes."""
    page = client.get(url("accounts:mfa_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(url("accounts:mfa_setup"), {"code": totp(device.key)})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    device.refresh_from_db()
    return device, codes


@pytest.fixture
def staffer(db):
    return UserFactory(username="boss", password="boss-pass-1", is_staff=True, is_superuser=True)


@pytest.fixture
def mfa_for_staff(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True


# --- Enrolment --------------------------------------------------------------------------------


def test_the_setup_page_shows_a_qr_code_and_the_key_of_a_new_unconfirmed_device(client, staffer):
    client.force_login(staffer)

    page = client.get(url("accounts:mfa_setup"))

    device = TOTPDevice.objects.get(user=staffer)
    html = page.content.decode()
    assert device.confirmed is False
    assert '<div class="mfa-qr" data-testid="mfa-qr"><svg' in html
    from base64 import b32encode

    assert b32encode(bytes.fromhex(device.key)).decode() in html
    # reloading keeps the device the user may already have scanned
    client.get(url("accounts:mfa_setup"))
    assert TOTPDevice.objects.filter(user=staffer).count() == 1


def test_a_right_code_confirms_the_device_and_shows_ten_recovery_codes_once(client, staffer):
    client.force_login(staffer)

    device, codes = enrol(client, staffer)

    assert device.confirmed is True
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(StaticToken.objects.filter(device__user=staffer).values_list("token", flat=True)) == sorted(
        codes
    )
    assert client.session[mfa.SESSION_KEY] == mfa.DONE
    # the manage page does not show them again
    manage = client.get(url("accounts:mfa_setup")).content.decode()
    assert "10 recovery codes left." in manage
    assert codes[0] not in manage


def test_a_wrong_code_does_not_confirm_the_device(client, staffer):
    client.force_login(staffer)
    client.get(url("accounts:mfa_setup"))
    device = TOTPDevice.objects.get(user=staffer)
    wrong = f"{(int(totp(device.key)) + 1) % 1_000_000:06d}"

    response = client.post(url("accounts:mfa_setup"), {"code": wrong})

    assert response.status_code == 400  # the form again, refused
    assert "This code is not valid." in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert StaticToken.objects.count() == 0


# --- Required for staff -----------------------------------------------------------------------


def test_staff_without_a_device_must_set_one_up_before_the_admin(client, staffer, mfa_for_staff):
    response = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "boss-pass-1"})
    assert response.status_code == 302

    admin = client.get("/admin/")

    assert admin.status_code == 302
    assert admin["Location"] == url("accounts:mfa_setup") + "?next=%2Fadmin%2F"
    assert client.get(admin["Location"]).status_code == 200


def test_admin_sign_in_asks_for_the_code_and_then_opens_the_admin(staffer, mfa_for_staff):
    first = Client()
    first.force_login(staffer)
    device, _codes = enrol(first, staffer)

    # when signing in again at the admin door
    client = Client()
    client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "boss-pass-1"})
    blocked = client.get("/admin/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(url("accounts:mfa_verify"))

    # then the next code from the app opens it
    response = client.post(blocked["Location"], {"code": next_totp(device.key), "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_web_sign_in_goes_through_the_code_page_to_the_page_asked_for(client, staffer, mfa_for_staff):
    setup = Client()
    setup.force_login(staffer)
    device, _codes = enrol(setup, staffer)

    response = web_login(client, "boss", "boss-pass-1", next_url="/en/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == url("accounts:mfa_verify") + "?next=%2Fen%2Faccounts%2Fprofile%2F"
    # nothing else opens meanwhile
    assert client.get(url("accounts:profile")).status_code == 302
    verified = client.post(
        response["Location"], {"code": next_totp(device.key), "next": "/en/accounts/profile/"}
    )
    assert verified["Location"] == "/en/accounts/profile/"
    assert client.get(url("accounts:profile")).status_code == 200


def test_a_used_code_is_not_accepted_twice(staffer, mfa_for_staff):
    setup = Client()
    setup.force_login(staffer)
    device, _codes = enrol(setup, staffer)
    code = next_totp(device.key)
    first = Client()
    web_login(first, "boss", "boss-pass-1")
    assert first.post(url("accounts:mfa_verify"), {"code": code}).status_code == 302

    second = Client()
    web_login(second, "boss", "boss-pass-1")
    replay = second.post(url("accounts:mfa_verify"), {"code": code})

    assert replay.status_code == 400
    assert "This code is not valid." in replay.content.decode()
    assert second.get("/admin/").status_code == 302


def test_a_recovery_code_signs_in_once(staffer, mfa_for_staff):
    setup = Client()
    setup.force_login(staffer)
    _device, codes = enrol(setup, staffer)

    client = Client()
    web_login(client, "boss", "boss-pass-1")
    response = client.post(url("accounts:mfa_verify"), {"code": codes[3].upper()}, follow=True)
    assert "You signed in with a recovery code; 9 codes are left." in response.content.decode()
    assert client.get("/admin/").status_code == 200

    again = Client()
    web_login(again, "boss", "boss-pass-1")
    assert again.post(url("accounts:mfa_verify"), {"code": codes[3]}).status_code == 400
    assert again.get("/admin/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, staffer):
    client.force_login(staffer)
    _device, old = enrol(client, staffer)

    response = client.post(url("accounts:mfa_setup"), {"action": "recovery_codes"})

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert not set(old) & set(new)


def test_a_required_second_factor_cannot_be_turned_off(client, staffer, mfa_for_staff):
    client.force_login(staffer)
    enrol(client, staffer)

    client.post(url("accounts:mfa_setup"), {"action": "disable"})

    assert TOTPDevice.objects.filter(user=staffer, confirmed=True).count() == 1


def test_a_session_with_a_pending_code_cannot_set_up_another_device(staffer):
    setup = Client()
    setup.force_login(staffer)
    enrol(setup, staffer)

    attacker = Client()
    web_login(attacker, "boss", "boss-pass-1")
    response = attacker.get(url("accounts:mfa_setup"))

    assert response.status_code == 302
    assert response["Location"].startswith(url("accounts:mfa_verify"))
    assert TOTPDevice.objects.filter(user=staffer).count() == 1


def test_wrong_codes_count_toward_the_lockout_and_end_the_session(staffer, mfa_for_staff):
    setup = Client()
    setup.force_login(staffer)
    enrol(setup, staffer)
    client = Client()
    web_login(client, "boss", "boss-pass-1")

    statuses = [client.post(url("accounts:mfa_verify"), {"code": "000000"}).status_code for _ in range(10)]

    # the tenth failed sign-in locks the account out (django-axes) and signs the half-done session out
    assert statuses == [400] * 9 + [429]
    assert "_auth_user_id" not in client.session
    assert web_login(Client(), "boss", "boss-pass-1").status_code == 429


def test_session_api_calls_wait_for_the_code(staffer, mfa_for_staff):
    setup = Client()
    setup.force_login(staffer)
    enrol(setup, staffer)
    client = Client()
    web_login(client, "boss", "boss-pass-1")

    response = client.get("/api/v1/me/?lang=es")

    assert response.status_code == 403
    assert response.json() == {
        "code": "mfa_required",
        "detail": "Termina primero de iniciar sesión con tu segundo factor en el sitio web.",
    }


def test_staff_are_not_asked_when_the_setting_is_off(client, staffer):
    assert web_login(client, "boss", "boss-pass-1")["Location"] == "/en/"
    assert client.get("/admin/").status_code == 200


# --- Partner owners ---------------------------------------------------------------------------


def test_partner_owners_must_set_up_a_second_factor_for_the_portal(client, settings):
    settings.MFA_REQUIRED_FOR_PARTNER_OWNERS = True
    owner = PartnerMemberFactory(user=UserFactory(username="owner", password="owner-pass-1")).user
    web_login(client, "owner", "owner-pass-1")

    portal = client.get(url("portal:dashboard"))

    assert portal.status_code == 302
    assert portal["Location"].startswith(url("accounts:mfa_setup"))
    device, _codes = enrol(client, owner)
    assert device.confirmed
    assert client.get(url("portal:dashboard")).status_code == 200


def test_partner_analysts_are_not_required_to(client, settings):
    settings.MFA_REQUIRED_FOR_PARTNER_OWNERS = True
    PartnerMemberFactory(
        user=UserFactory(username="analyst", password="analyst-pass-1"), role=PartnerMember.Role.ANALYST
    )
    web_login(client, "analyst", "analyst-pass-1")

    assert client.get(url("portal:dashboard")).status_code == 200


# --- A learner who turns it on ------------------------------------------------------------------


def test_a_learner_who_turned_it_on_is_asked_too_and_can_turn_it_off(client):
    learner = UserFactory(username="lin", password="lin-pass-12")
    client.force_login(learner)
    device, _codes = enrol(client, learner)

    other = Client()
    assert web_login(other, "lin", "lin-pass-12")["Location"].startswith(url("accounts:mfa_verify"))
    other.post(url("accounts:mfa_verify"), {"code": next_totp(device.key)})
    other.post(url("accounts:mfa_setup"), {"action": "disable"})

    assert TOTPDevice.objects.filter(user=learner).count() == 0
    assert web_login(Client(), "lin", "lin-pass-12")["Location"] == "/en/"


# --- The API token door -----------------------------------------------------------------------


def test_the_token_needs_the_code_of_an_account_with_an_app(staffer):
    setup = Client()
    setup.force_login(staffer)
    device, _codes = enrol(setup, staffer)
    api = APIClient()

    missing = api.post(TOKEN_URL, {"username": "boss", "password": "boss-pass-1"}, format="json")
    wrong = api.post(TOKEN_URL, {"username": "boss", "password": "boss-pass-1", "otp": "123"}, format="json")
    right = api.post(
        TOKEN_URL,
        {"username": "boss", "password": "boss-pass-1", "otp": next_totp(device.key)},
        format="json",
    )

    assert (missing.status_code, missing.json()["code"]) == (400, "otp_required")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "otp_invalid")
    assert right.status_code == 200
    assert right.json()["token"] == Token.objects.get(user=staffer).key


def test_the_token_of_staff_without_a_required_app_is_refused(staffer, mfa_for_staff):
    response = APIClient().post(
        f"{TOKEN_URL}?lang=zh-hans", {"username": "boss", "password": "boss-pass-1"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "code": "mfa_enrolment_required",
        "detail": "您的账户需要双重验证。请先在网站上完成设置。",
    }
    assert Token.objects.count() == 0
