"""A signed-in learner's repeat of a cached catalog page is answered before URL resolution
(``courses.signed_in_pages.SignedInPageMiddleware``): no query, one Redis round trip for the
session and one for the user, the page and its versions; the same bytes and headers as the
full stack; never another learner's page; and everything that must end or change the page
(sign-out, a new password, a pending second factor, an enrollment) still does at once."""

import pytest
import redis.connection
from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts import mfa
from courses.models import Enrollment
from tests.factories import CourseFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

FAST_PATH = "courses.signed_in_pages.SignedInPageMiddleware"
PAGES = ["courses:home", "courses:list", "courses:detail"]


def page(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def url_of(name: str) -> str:
    return page(name, "budget") if name == "courses:detail" else page(name)


@pytest.fixture
def cached_sessions(settings):
    # Production's session engine: the session itself is read from Redis.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def learner_client(cached_sessions):
    user = UserFactory(username="mei")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def round_trips(monkeypatch):
    """Redis round trips (every packed send is one)."""
    sent = []
    original = redis.connection.AbstractConnection.send_packed_command

    def send_packed_command(conn, command, check_health=True):
        sent.append(command)
        return original(conn, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send_packed_command)
    return sent


@pytest.fixture
def no_url_resolution(monkeypatch):
    """Fails the request if it reaches URL resolution (the full stack)."""

    def refuse(self, request):
        raise AssertionError(f"{request.path} went through the full stack")

    def install():
        monkeypatch.setattr(BaseHandler, "resolve_request", refuse)

    return install


@pytest.mark.parametrize("name", PAGES)
def test_a_repeat_is_served_before_url_resolution_with_no_query_and_two_round_trips(
    learner_client, django_assert_num_queries, round_trips, no_url_resolution, name
):
    CourseFactory(slug="budget", title_en="Budgeting")
    url = url_of(name)
    assert learner_client.get(url).status_code == 200  # cached by the full stack

    no_url_resolution()
    round_trips.clear()
    with django_assert_num_queries(0):
        again = learner_client.get(url)

    assert len(round_trips) == 2  # the session; the user, the page and its three versions
    html = again.content.decode()
    assert again.status_code == 200
    assert 'data-testid="logout"' in html and ">mei<" in html
    assert "__zq-csrf-token__" not in html
    assert again.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    # and an unchanged page revalidates to a 304, still before URL resolution
    assert learner_client.get(url, HTTP_IF_NONE_MATCH=again.headers["ETag"]).status_code == 304


@pytest.mark.parametrize("name", PAGES)
def test_the_fast_answer_is_the_full_stacks_cached_answer(learner_client, name):
    CourseFactory(slug="budget", title_en="Budgeting")
    url = url_of(name)
    learner_client.get(url)
    # The same request twice (no CSRF cookie yet: both mint one), with and without the fast path.
    cookies = {settings.SESSION_COOKIE_NAME: learner_client.cookies[settings.SESSION_COOKIE_NAME].value}

    def ask():
        client = Client()
        client.cookies.load(cookies)
        return client.get(url)

    fast = ask()
    with override_middleware(without=FAST_PATH):
        full = ask()

    assert fast.status_code == full.status_code == 200
    assert sorted(fast.headers) == sorted(full.headers)
    for header in ("Cache-Control", "Content-Type", "Vary", "X-Frame-Options", "Content-Language"):
        assert fast.headers.get(header) == full.headers.get(header), header
    assert sorted(fast.cookies) == sorted(full.cookies) == [settings.CSRF_COOKIE_NAME]
    # The pages differ only by the CSRF tokens each minted.
    assert _without_tokens(fast) == _without_tokens(full)


def _without_tokens(response) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


class override_middleware:
    def __init__(self, *, without: str) -> None:
        from django.test import override_settings

        self.override = override_settings(
            MIDDLEWARE=[name for name in settings.MIDDLEWARE if name != without]
        )

    def __enter__(self):
        self.override.enable()

    def __exit__(self, *exc):
        self.override.disable()


def test_its_csrf_token_signs_the_learner_out(cached_sessions):
    user = UserFactory(username="mei")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = page("courses:home")
    client.get(url)
    html = client.get(url).content.decode()  # the fast path's page and cookie
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    response = client.post(page("accounts:logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert 'data-testid="logout"' not in client.get(url).content.decode()


def test_two_learners_never_see_each_others_page(cached_sessions):
    mei, li = Client(), Client()
    mei.force_login(UserFactory(username="mei"))
    li.force_login(UserFactory(username="li"))
    url = page("courses:home")
    for _ in range(3):  # the first fills each learner's entry, the others are fast
        mei_html = mei.get(url).content.decode()
        li_html = li.get(url).content.decode()
        assert ">mei<" in mei_html and ">li<" not in mei_html
        assert ">li<" in li_html and ">mei<" not in li_html
    anonymous = Client().get(url).content.decode()
    assert 'data-testid="logout"' not in anonymous and ">mei<" not in anonymous


def test_the_old_session_cookie_gets_the_anonymous_page_after_sign_out(learner_client):
    url = page("courses:home")
    learner_client.get(url)
    assert ">mei<" in learner_client.get(url).content.decode()
    old = learner_client.cookies[settings.SESSION_COOKIE_NAME].value

    learner_client.post(page("accounts:logout"))

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old
    html = replay.get(url).content.decode()
    assert ">mei<" not in html and 'data-testid="logout"' not in html


def test_a_new_password_ends_the_session_at_once(learner_client):
    url = page("courses:home")
    learner_client.get(url)
    learner_client.get(url)

    learner_client.user.set_password("a-new-long-password")
    learner_client.user.save()

    html = learner_client.get(url).content.decode()
    assert ">mei<" not in html and 'data-testid="logout"' not in html


def test_a_pending_second_factor_is_not_served_the_cached_page(learner_client):
    url = page("courses:home")
    learner_client.get(url)
    session = learner_client.session
    session[mfa.SESSION_KEY] = mfa.VERIFY
    session.save()

    response = learner_client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith(page("accounts:mfa_verify"))


def test_an_enrollment_shows_at_once(learner_client, django_capture_on_commit_callbacks):
    course = CourseFactory(slug="tea", title_en="Tea")
    url = page("courses:detail", "tea")
    learner_client.get(url)
    assert 'data-testid="review-form"' not in learner_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # as the enrollment commits
        Enrollment.objects.create(user=learner_client.user, course=course)

    assert 'data-testid="review-form"' in learner_client.get(url).content.decode()
