"""Signed-in learners' catalog pages (home, catalog, course page) are cached whole, per
learner: a repeat costs only the session (the user is cached too), and whatever the page shows of the
learner (the header, "for you", what they own, their review) shows at once after it changes."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client
from django.urls import reverse
from django.utils import translation

from courses.models import Enrollment
from partners.models import PartnerMember
from tests.factories import CourseFactory, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]


def page(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


@pytest.fixture
def learner_client():
    user = UserFactory(username="mei")
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize("name", ["courses:home", "courses:list", "courses:detail"])
def test_a_repeat_costs_the_session_only(learner_client, django_assert_num_queries, name):
    course = CourseFactory(slug="budget", title_en="Budgeting")
    url = page(name, course.slug) if name == "courses:detail" else page(name)
    first = learner_client.get(url)
    assert first.status_code == 200

    with django_assert_num_queries(1):
        again = learner_client.get(url)

    html = again.content.decode()
    assert again.status_code == 200
    assert 'data-testid="logout"' in html and ">mei<" in html
    assert "__zq-csrf-token__" not in html
    assert again.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert again.headers["ETag"]
    # and an unchanged page revalidates to a 304
    assert learner_client.get(url, HTTP_IF_NONE_MATCH=again.headers["ETag"]).status_code == 304


def test_one_learners_page_is_never_served_to_another(learner_client):
    url = page("courses:home")
    assert ">mei<" in learner_client.get(url).content.decode()
    other = Client()
    other.force_login(UserFactory(username="li"))

    html = other.get(url).content.decode()

    assert ">li<" in html and ">mei<" not in html
    # and an anonymous visitor gets the anonymous page
    assert 'data-testid="logout"' not in Client().get(url).content.decode()


def test_a_purchase_shows_at_once_on_the_course_page(learner_client, django_capture_on_commit_callbacks):
    course = CourseFactory(slug="tea", title_en="Tea")
    url = page("courses:detail", "tea")
    assert 'data-testid="review-form"' not in learner_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # as the enrollment commits
        Enrollment.objects.create(user=learner_client.user, course=course)

    # an enrolled learner may review the course: the form shows at once
    assert 'data-testid="review-form"' in learner_client.get(url).content.decode()


def test_a_new_name_and_a_partner_membership_show_at_once(learner_client):
    url = page("courses:home")
    html = learner_client.get(url).content.decode()
    assert "Partner portal" not in html

    user = learner_client.user
    user.username = "mei-lin"
    user.save()
    PartnerMember.objects.create(partner=PartnerFactory(), user=user)

    html = learner_client.get(url).content.decode()
    assert ">mei-lin<" in html
    assert "Partner portal" in html


def test_a_page_with_a_pending_message_is_not_served_from_the_cache(learner_client, rf):
    url = page("courses:home")
    learner_client.get(url)
    learner_client.cookies["messages"] = CookieStorage(rf.get("/"))._encode(
        [Message(messages.SUCCESS, "Your order is paid.")]
    )

    html = learner_client.get(url).content.decode()

    assert "Your order is paid." in html


def test_a_wishlist_change_shows_at_once_on_the_course_page(
    learner_client, django_capture_on_commit_callbacks
):
    from courses.services import wishlist_add, wishlist_remove

    course = CourseFactory(slug="ink", title_en="Ink painting")
    url = page("courses:detail", "ink")
    assert 'aria-pressed="false"' in learner_client.get(url).content.decode()

    # each change shows once it commits
    with django_capture_on_commit_callbacks(execute=True):
        wishlist_add(user=learner_client.user, course=course)
    assert 'aria-pressed="true"' in learner_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        wishlist_remove(user=learner_client.user, course=course)
    assert 'aria-pressed="false"' in learner_client.get(url).content.decode()


def test_the_header_cart_count_and_unread_badge_follow_at_once(learner_client):
    from accounts.services import user_unread_notifications_add
    from commerce.services import cart_add, cart_remove

    course = CourseFactory(slug="tea-basics")
    url = page("courses:home")
    assert 'data-testid="cart-count"' not in learner_client.get(url).content.decode()

    cart_add(user=learner_client.user, course_slug=course.slug)
    with_item = learner_client.get(url).content.decode()
    cart_remove(user=learner_client.user, course_slug=course.slug)
    emptied = learner_client.get(url).content.decode()
    user_unread_notifications_add(user_id=learner_client.user.pk, delta=2)
    noticed = learner_client.get(url).content.decode()

    assert 'data-testid="cart-count">1' in with_item
    assert 'data-testid="cart-count"' not in emptied
    assert 'data-testid="unread-count" aria-label="2 unread">2<' in noticed
