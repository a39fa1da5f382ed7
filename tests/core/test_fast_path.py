"""The anonymous fast path (core/fast_path.py): a cached anonymous GET is answered by the
first middleware from one Redis read, before the stack runs, and is the same answer the
stack gives; an edit shows at once through it; a signed-in visitor, a token, a session and
another language never get an anonymous entry; forms keep the visitor's own CSRF token."""

import re
from contextlib import contextmanager

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import CourseFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def page(name: str, *args, lang: str = "en") -> str:
    with translation.override(lang):
        return reverse(name, args=args)


@contextmanager
def redis_round_trips():
    """Counts the Redis round trips (commands and pipelines) made inside the block."""
    counted = {"n": 0}
    execute, pipeline = redis.Redis.execute_command, redis.client.Pipeline.execute

    def counting_execute(self, *args, **kwargs):
        counted["n"] += 1
        return execute(self, *args, **kwargs)

    def counting_pipeline(self, *args, **kwargs):
        counted["n"] += 1
        return pipeline(self, *args, **kwargs)

    redis.Redis.execute_command, redis.client.Pipeline.execute = counting_execute, counting_pipeline
    try:
        yield counted
    finally:
        redis.Redis.execute_command, redis.client.Pipeline.execute = execute, pipeline


def served_by_the_stack(response) -> bool:
    # AuthenticationMiddleware gives every request that goes down the stack a user.
    return hasattr(response.wsgi_request, "user")


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/api/v1/courses/", id="api-list"),
        pytest.param("/api/v1/courses/budget/", id="api-detail"),
        pytest.param("/api/v1/categories/", id="api-categories"),
        pytest.param("/en/", id="html-home"),
        pytest.param("/en/courses/", id="html-catalog"),
        pytest.param("/en/courses/budget/", id="html-course"),
    ],
)
def test_a_cached_anonymous_get_costs_one_redis_read_and_no_query(url, django_assert_num_queries):
    CourseFactory(slug="budget")
    client = Client()
    built = client.get(url)  # built by the stack, copied for the fast path
    assert built.status_code == 200 and served_by_the_stack(built)
    cookie = client.cookies.get("csrftoken")

    with django_assert_num_queries(0), redis_round_trips() as trips:
        fast = client.get(url)
    assert not served_by_the_stack(fast)
    assert trips["n"] == 1  # one MGET: the entry and the catalog version
    assert fast.status_code == 200
    # the stack's answer, headers included (a form's token is the visitor's own)
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub(b"", fast.content) == token.sub(b"", built.content)
    for header in ("Content-Type", "Vary", "Content-Language", "Content-Security-Policy", "Last-Modified"):
        assert fast.get(header) == built.get(header), header
    if cookie is None:
        assert fast["ETag"] == built["ETag"]

    with django_assert_num_queries(0):
        unchanged = client.get(url, HTTP_IF_NONE_MATCH=fast["ETag"])
    assert unchanged.status_code == 304 and not served_by_the_stack(unchanged)


def test_an_edit_shows_at_once_through_the_fast_path():
    course = CourseFactory(slug="budget", title_en="Budgeting")
    client = APIClient()
    anonymous = Client()
    for _ in range(2):
        assert client.get("/api/v1/courses/budget/").json()["title"] == "Budgeting"
        assert b"Budgeting" in anonymous.get("/en/courses/budget/").content
    assert not served_by_the_stack(anonymous.get("/en/courses/budget/"))

    course.title_en = "Budgeting 2"
    course.save()

    answer = client.get("/api/v1/courses/budget/")
    assert answer.json()["title"] == "Budgeting 2" and served_by_the_stack(answer)
    html = anonymous.get("/en/courses/budget/")
    assert b"Budgeting 2" in html.content and served_by_the_stack(html)
    # and the new answer is the one the fast path serves next
    again = anonymous.get("/en/courses/budget/")
    assert b"Budgeting 2" in again.content and not served_by_the_stack(again)


def test_signed_in_visitors_never_get_the_anonymous_entry():
    CourseFactory(slug="budget")
    url = "/en/courses/budget/"
    for _ in range(2):
        Client().get(url)
    learner = Client()
    learner.force_login(UserFactory(username="mei"))
    response = learner.get(url)
    assert served_by_the_stack(response) and response.wsgi_request.user.username == "mei"
    assert 'data-testid="logout"' in response.content.decode()


def test_api_callers_with_a_token_or_forced_sign_in_skip_the_fast_path():
    user = UserFactory()
    CourseFactory(slug="budget")
    for _ in range(2):
        APIClient().get("/api/v1/courses/")
    token = Token.objects.create(user=user)
    with_token = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/v1/courses/")
    assert served_by_the_stack(with_token) and with_token.wsgi_request.user == user
    forced = APIClient()
    forced.force_authenticate(user)
    assert served_by_the_stack(forced.get("/api/v1/courses/"))


def test_a_visitor_with_a_session_goes_down_the_stack():
    CourseFactory(slug="budget")
    for _ in range(2):
        Client().get("/en/courses/")
    visitor = Client()
    visitor.cookies["sessionid"] = "anything"
    assert served_by_the_stack(visitor.get("/en/courses/"))


def test_each_language_and_time_zone_has_its_own_entry():
    CourseFactory(slug="budget", title_en="Budgeting", title_ja="予算")
    client = APIClient()
    for _ in range(2):
        assert client.get("/api/v1/courses/budget/").json()["title"] == "Budgeting"
    japanese = client.get("/api/v1/courses/budget/", HTTP_ACCEPT_LANGUAGE="ja")
    assert japanese.json()["title"] == "予算" and served_by_the_stack(japanese)
    assert not served_by_the_stack(client.get("/api/v1/courses/budget/", HTTP_ACCEPT_LANGUAGE="ja"))
    tokyo = Client()
    tokyo.cookies["zq_tz"] = "Asia/Tokyo"
    assert served_by_the_stack(tokyo.get("/en/courses/budget/"))


def test_a_fast_page_with_a_form_carries_a_token_for_the_visitors_own_cookie():
    CourseFactory(slug="budget")
    url = page("courses:detail", "budget")
    for _ in range(2):
        Client().get(url)  # cached and copied by someone else

    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(url)
    assert not served_by_the_stack(response)
    html = response.content.decode()
    assert "__zq-csrf-token__" not in html and "csrftoken" in response.cookies
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    added = visitor.post(
        page("commerce:cart_add"), {"course": "budget", "currency": "USD", "csrfmiddlewaretoken": token}
    )
    assert added.status_code == 302  # not 403: the token matches the cookie set with it
