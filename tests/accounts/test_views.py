"""Account pages: sign up, sign in/out, password reset, profile."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import LearnerProfile, User
from tests.factories import CategoryFactory, LearnerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "es", "ar"])
@pytest.mark.parametrize("name", ["accounts:signup", "accounts:login", "accounts:password_reset"])
def test_account_pages_render_in_every_language(client, name, language):
    response = client.get(url(name, language))
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()


def test_signup_creates_user_and_profile_in_the_current_language_and_signs_in(client):
    # when a visitor signs up on the Japanese site
    response = client.post(
        url("accounts:signup", "ja"),
        {
            "username": "hanako",
            "email": "hanako@example.com",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
            "marketing_consent": "on",
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/ja/"
    user = User.objects.get(username="hanako")
    assert user.email == "hanako@example.com"
    assert user.profile.preferred_language == "ja"
    assert user.profile.marketing_consent is True
    assert user.profile.marketing_consent_at is not None
    assert client.get("/ja/").context["user"] == user
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"


def test_signup_rejects_duplicate_email_and_mismatched_passwords(client):
    UserFactory(username="taken", email="taken@example.com")
    response = client.post(
        url("accounts:signup"),
        {
            "username": "new",
            "email": "TAKEN@example.com",
            "password1": "x-Long-pass-1",
            "password2": "other-1",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"email", "password2"}
    assert User.objects.filter(username="new").exists() is False


def test_signup_ignores_an_offsite_next(client):
    response = client.post(
        url("accounts:signup"),
        {
            "username": "safe",
            "email": "safe@example.com",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/en/"


def test_login_redirects_to_the_language_chosen_in_the_profile(client):
    # given a learner who chose Spanish in their profile
    profile = LearnerProfileFactory(
        user=UserFactory(username="ana"), preferred_language="es", language_chosen=True
    )
    # when they sign in on the English site, coming from a course page
    response = client.post(
        url("accounts:login"), {"username": "ana", "password": "pass-1234", "next": "/en/courses/tea/?q=1"}
    )
    # then they land on the same page in Spanish
    assert response.status_code == 302
    assert response["Location"] == "/es/courses/tea/?q=1"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert client.session["_auth_user_id"] == str(profile.user.pk)


def test_login_keeps_the_language_of_the_page_when_none_was_chosen(client):
    # given a learner whose profile language was set for them (at sign-up, in Chinese)
    profile = LearnerProfileFactory(user=UserFactory(username="li"), preferred_language="zh-hans")
    assert profile.language_chosen is False
    # when they sign in while browsing the Spanish site
    response = client.post(
        url("accounts:login", "es"), {"username": "li", "password": "pass-1234", "next": "/es/courses/tea/"}
    )
    # then they stay in Spanish
    assert response.status_code == 302
    assert response["Location"] == "/es/courses/tea/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_choosing_a_language_in_the_profile_is_remembered_for_sign_in(client):
    # given a learner whose language was set for them
    user = UserFactory(username="mei")
    LearnerProfileFactory(user=user, preferred_language="zh-hans")
    client.force_login(user)
    # when they pick Japanese in the profile
    response = client.post(
        url("accounts:profile"),
        {"preferred_language": "ja", "country": "", "preferred_currency": "", "interests": []},
    )
    assert response.status_code == 302
    profile = LearnerProfile.objects.get(user=user)
    assert (profile.preferred_language, profile.language_chosen) == ("ja", True)
    client.logout()
    # then signing in on the English site lands in Japanese
    response = client.post(
        url("accounts:login"), {"username": "mei", "password": "pass-1234", "next": "/en/"}
    )
    assert response["Location"] == "/ja/"


def test_login_without_profile_creates_one_and_goes_home(client):
    UserFactory(username="staffer")
    response = client.post(url("accounts:login", "zh-hans"), {"username": "staffer", "password": "pass-1234"})
    assert response["Location"] == "/zh-hans/"
    assert LearnerProfile.objects.get(user__username="staffer").preferred_language == "zh-hans"


def test_login_with_wrong_password_stays_on_the_form(client):
    UserFactory(username="ana")
    response = client.post(url("accounts:login"), {"username": "ana", "password": "nope"})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only_and_signs_out(client):
    client.force_login(UserFactory())
    assert client.get(url("accounts:logout")).status_code == 405
    response = client.post(url("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client):
    UserFactory(username="mei", email="mei@example.com")
    # when
    response = client.post(url("accounts:password_reset", "zh-hans"), {"email": "mei@example.com"})
    # then
    assert response.status_code == 302
    assert response["Location"] == url("accounts:password_reset_done", "zh-hans")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mei@example.com"]
    link = re.search(r"http://testserver(/zh-hans/accounts/password-reset/[^\s]+/)", message.body).group(1)
    # the link leads to the form (Django redirects once to hide the token)
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "brand-New-pass-77", "new_password2": "brand-New-pass-77"})
    assert done["Location"] == url("accounts:password_reset_complete", "zh-hans")
    assert User.objects.get(username="mei").check_password("brand-New-pass-77")


def test_password_reset_for_unknown_email_sends_nothing_but_looks_the_same(client):
    response = client.post(url("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_profile_requires_login(client):
    response = client.get(url("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_profile_update_saves_and_redirects_to_the_new_language(client):
    CategoryFactory(slug="finance")
    CategoryFactory(slug="travel")
    profile = LearnerProfileFactory(preferred_language="en")
    client.force_login(profile.user)
    assert client.get(url("accounts:profile")).status_code == 200
    # when
    response = client.post(
        url("accounts:profile"),
        {
            "preferred_language": "zh-hans",
            "country": "SG",
            "preferred_currency": "CNY",
            "interests": ["travel", "finance"],
            "marketing_consent": "on",
        },
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/accounts/profile/"
    profile.refresh_from_db()
    assert profile.preferred_language == "zh-hans"
    assert profile.country == "SG"
    assert profile.preferred_currency == "CNY"
    assert profile.interests == ["finance", "travel"]
    assert profile.marketing_consent is True
    stamped = profile.marketing_consent_at
    assert stamped is not None
    assert client.session["currency"] == "CNY"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<html lang="zh-hans"' in page.content.decode()

    # when consent is withdrawn the stamp is cleared
    client.post(
        url("accounts:profile", "zh-hans"),
        {"preferred_language": "zh-hans", "country": "SG", "interests": ["travel"]},
    )
    profile.refresh_from_db()
    assert profile.marketing_consent is False
    assert profile.marketing_consent_at is None
    assert profile.interests == ["travel"]


def test_profile_rejects_unknown_interest_and_language(client):
    CategoryFactory(slug="finance")
    profile = LearnerProfileFactory(preferred_language="en")
    client.force_login(profile.user)
    response = client.post(
        url("accounts:profile"), {"preferred_language": "xx", "interests": ["hacking"], "country": "ZZ"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"preferred_language", "interests", "country"}
    profile.refresh_from_db()
    assert profile.preferred_language == "en"
    assert profile.interests == []


def test_development_mail_goes_to_the_console(client, settings, capsys, monkeypatch):
    # given the development default (no EMAIL_BACKEND in the environment)
    import importlib

    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    base = importlib.reload(importlib.import_module("config.settings.base"))
    assert base.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    UserFactory(username="mei", email="mei@example.com")
    # when a reset is asked for
    client.post(url("accounts:password_reset"), {"email": "mei@example.com"})
    # then the mail with its link is printed on the console
    printed = capsys.readouterr().out
    assert "To: mei@example.com" in printed
    assert "http://testserver/en/accounts/password-reset/" in printed


def test_profile_links_to_the_partners_the_learner_shares_data_with(client):
    profile = LearnerProfileFactory(preferred_language="en")
    client.force_login(profile.user)

    html = client.get(url("accounts:profile")).content.decode()

    assert 'href="/en/account/partners/"' in html
