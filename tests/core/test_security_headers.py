"""Security headers on every answer: a Content-Security-Policy whose scripts run only from
our origin or with the response's nonce; HSTS and the HTTPS redirect when configured."""

import re

import pytest
from django.test import override_settings

from courses.services import lesson_progress_set
from tests.courses.learning_factories import course_with_lessons, enrolled_learner

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives if name}


@pytest.mark.parametrize(
    "url", ["/en/", "/en/courses/", "/api/v1/categories/", "/api/docs/", "/admin/login/"]
)
def test_every_answer_has_a_content_security_policy(client, url):
    response = client.get(url)

    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    # A nonce is added only to answers whose page used one (the certificate below).
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_api_docs_load_their_start_up_script_as_a_file(client):
    html = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/", {"script": ""})

    assert "<script>" not in html
    assert 'src="/api/docs/?script="' in html
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_the_certificate_print_script_runs_by_the_nonce_of_its_response(client):
    course, lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    client.force_login(learner)

    response = client.get(f"/en/learn/{course.slug}/certificate/")

    html = response.content.decode()
    source = _policy(response)["script-src"][1]
    assert re.fullmatch(r"'nonce-[A-Za-z0-9+/=_-]{16,}'", source)
    nonce = source[len("'nonce-") : -1]
    assert f'<script nonce="{nonce}">' in html
    assert "onclick=" not in html
    # the page's one inline script (static/js/time-zone.js is loaded from our origin)
    assert len(re.findall(r"<script(?![^>]*\bsrc=)", html)) == 1


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_REDIRECT_EXEMPT=[r"^healthz$", r"^readyz$"],
    LANGUAGE_COOKIE_SECURE=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
)
def test_behind_a_tls_proxy_https_is_enforced_and_cookies_are_secure(client):
    plain = client.get("/en/courses/")
    proxied = client.get("/en/courses/", HTTP_X_FORWARDED_PROTO="https")
    language = client.post(
        "/i18n/setlang/", {"language": "ja", "next": "/ja/"}, HTTP_X_FORWARDED_PROTO="https"
    )
    probe = client.get("/healthz")

    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/en/courses/"
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert language.cookies["django_language"]["secure"] is True
    assert probe.status_code == 200


@override_settings(LANGUAGE_COOKIE_SECURE=True, LANGUAGE_COOKIE_HTTPONLY=True)
def test_the_language_cookie_set_at_sign_in_is_secure_when_configured(client):
    from tests.factories import LearnerProfileFactory, UserFactory

    LearnerProfileFactory(user=UserFactory(username="ana"), preferred_language="es", language_chosen=True)

    response = client.post("/en/accounts/login/", {"username": "ana", "password": "pass-1234"})

    cookie = response.cookies["django_language"]
    assert (cookie.value, cookie["secure"], cookie["httponly"]) == ("es", True, True)
