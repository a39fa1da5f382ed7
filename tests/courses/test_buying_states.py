"""Buying states: not owned (price, "Add to cart"), in the cart ("In cart"), owned ("Go to
course"/"Continue" with progress, never a price), free ("Enroll free", no payment step), on
course cards, the course page and the catalog API; the cart count in the header."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from commerce.models import Cart, CartLine, Order
from core.caching import user_namespace_bump
from courses.models import Enrollment
from courses.services import enrollment_grant
from tests.factories import CourseFactory, LessonFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

FREE = {"CNY": Decimal("0"), "USD": Decimal("0"), "JPY": Decimal("0"), "EUR": Decimal("0")}


def url(name, *args, language="en"):
    with translation.override(language):
        return reverse(name, args=args)


def buy_box_state(response) -> str:
    return re.search(r'data-testid="buy-box" data-buy-state="(\w+)"', response.content.decode()).group(1)


def card_states(response) -> dict[str, str]:
    """slug -> state of every course card on the page."""
    html = response.content.decode()
    states = {}
    for card in re.finditer(
        r'data-testid="course-card" data-slug="([\w-]+)"(.*?)</article>', html, re.DOTALL
    ):
        found = re.search(r'data-buy-state="(\w+)"', card.group(2))
        states[card.group(1)] = found.group(1) if found else None
    return states


def in_cart(user, *courses):
    cart = Cart.objects.create(user=user)
    for course in courses:
        CartLine.objects.create(cart=cart, course=course)


def owned(user, course, *, completed_lessons: int = 0):
    enrollment = enrollment_grant(user=user, course=course)
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_lessons=completed_lessons)


def with_lessons(course, count):
    section = SectionFactory(course=course, position=0)
    for i in range(count):
        LessonFactory(section=section, position=i)
    return course


# --- Course page -------------------------------------------------------------------------


def test_a_course_not_owned_shows_its_price_and_the_buy_buttons(client):
    CourseFactory(slug="tea")
    response = client.get(url("courses:detail", "tea"))
    html = response.content.decode()
    assert buy_box_state(response) == "available"
    assert "$29.00" in html
    assert "Add to cart" in html and "Buy now" in html


def test_a_course_in_the_cart_says_so_instead_of_add_to_cart(client):
    learner = UserFactory()
    in_cart(learner, CourseFactory(slug="tea"))
    client.force_login(learner)
    response = client.get(url("courses:detail", "tea"))
    assert buy_box_state(response) == "in_cart"
    assert "In cart" in response.content.decode()
    assert "Add to cart" not in response.content.decode()


@pytest.mark.parametrize(
    ("completed", "label", "shown"), [(0, "Go to course", "0% complete"), (4, "Continue", "Completed")]
)
def test_an_owned_course_leads_into_it_with_progress_and_never_a_price(client, completed, label, shown):
    learner = UserFactory()
    course = with_lessons(CourseFactory(slug="tea"), 4)
    owned(learner, course, completed_lessons=completed)
    client.force_login(learner)
    response = client.get(url("courses:detail", "tea"))
    html = response.content.decode()
    assert buy_box_state(response) == "owned"
    assert label in html and shown in html
    assert "$29.00" not in html.split('data-testid="buy-box"')[1]
    assert "Add to cart" not in html and "Buy now" not in html
    assert url("courses:course_resume", "tea") in html


def test_a_free_course_is_enrolled_in_without_any_payment_step(client):
    learner = UserFactory()
    course = with_lessons(CourseFactory(slug="open", prices=FREE), 2)
    client.force_login(learner)
    page = client.get(url("courses:detail", "open", language="zh-hans"))
    assert buy_box_state(page) == "free"
    assert "Add to cart" not in page.content.decode()

    response = client.post(url("courses:enroll_free", "open", language="zh-hans"))

    assert response.status_code == 302
    assert response["Location"] == url("courses:course_resume", "open", language="zh-hans")
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert (enrollment.source, enrollment.is_active) == ("free", True)
    assert not Order.objects.exists()
    # enrolling twice keeps one enrollment
    client.post(url("courses:enroll_free", "open"))
    assert Enrollment.objects.filter(user=learner).count() == 1


def test_a_paid_course_cannot_be_enrolled_in_for_free(client):
    learner = UserFactory()
    CourseFactory(slug="paid")
    client.force_login(learner)
    response = client.post(url("courses:enroll_free", "paid"))
    assert response.status_code == 302
    assert response["Location"] == url("courses:detail", "paid")
    assert not Enrollment.objects.exists()


# --- Cards and the header ------------------------------------------------------------------


def test_catalog_cards_show_each_course_in_the_learners_state(client):
    learner = UserFactory()
    mine, wanted, other = (
        CourseFactory(slug="mine"),
        CourseFactory(slug="wanted"),
        CourseFactory(slug="other"),
    )
    CourseFactory(slug="open", prices=FREE)
    owned(learner, with_lessons(mine, 2), completed_lessons=2)
    in_cart(learner, wanted)
    client.force_login(learner)

    for page in (url("courses:list"), url("courses:home")):
        states = card_states(client.get(page))
        assert states == {"mine": "owned", "wanted": "in_cart", "other": "available", "open": "free"}
    html = client.get(url("courses:list")).content.decode()
    mine_card = re.search(r'data-slug="mine"(.*?)</article>', html, re.DOTALL).group(1)
    assert "100% complete" in mine_card and "$29.00" not in mine_card
    # the header counts the cart
    assert re.search(r'data-testid="cart-count">1<', html)
    assert other.slug in html


def test_a_visitor_sees_the_shared_cards_and_no_cart_count(client):
    CourseFactory(slug="tea")
    html = client.get(url("courses:list")).content.decode()
    assert card_states(client.get(url("courses:list"))) == {"tea": "available"}
    assert 'data-testid="cart-count"' not in html


def test_a_visitors_session_cart_is_counted_and_never_served_to_others(client):
    CourseFactory(slug="tea")
    client.post(url("commerce:cart_add"), {"course": "tea", "currency": "USD"})
    response = client.get(url("courses:list"))
    assert card_states(response) == {"tea": "in_cart"}
    assert re.search(r'data-testid="cart-count">1<', response.content.decode())
    # another visitor gets the shared page, without that cart
    client.cookies.clear()
    assert card_states(client.get(url("courses:list"))) == {"tea": "available"}


@pytest.mark.parametrize("size", [3, 12])
def test_signed_in_catalog_costs_the_same_for_any_number_of_owned_and_carted_courses(
    client, django_assert_num_queries, size
):
    learner = UserFactory()
    courses = CourseFactory.create_batch(size)
    for course in courses[: size // 3]:
        owned(learner, course)
    in_cart(learner, *courses[size // 3 : 2 * size // 3])
    client.force_login(learner)
    client.get(url("courses:list"))  # warms the shared fragment cache and the cached user
    # The learner's whole page is cached too (a repeat costs the session only): drop it to
    # count a render. Session + cart lines (header and cards) + partner membership (the
    # portal link) + owned courses; the user and the catalog come from the shared cache.
    user_namespace_bump(learner.pk)
    with django_assert_num_queries(4):
        response = client.get(url("courses:list"))
    states = card_states(response)
    assert list(states.values()).count("owned") == size // 3
    assert list(states.values()).count("in_cart") == size // 3


# --- API -----------------------------------------------------------------------------------


def test_the_catalog_api_gives_each_course_the_callers_buying_state(api_client):
    learner = UserFactory()
    mine, wanted = CourseFactory(slug="mine"), CourseFactory(slug="wanted")
    CourseFactory(slug="open", prices=FREE)
    CourseFactory(slug="other")
    owned(learner, with_lessons(mine, 4), completed_lessons=1)
    in_cart(learner, wanted)

    anonymous = api_client.get("/api/v1/courses/").json()["results"]
    assert {c["slug"]: c["buying"]["state"] for c in anonymous} == {
        "mine": "available",
        "wanted": "available",
        "open": "free",
        "other": "available",
    }
    api_client.force_authenticate(learner)
    results = api_client.get("/api/v1/courses/").json()["results"]
    assert {c["slug"]: c["buying"] for c in results} == {
        "mine": {"state": "owned", "progress": 25},
        "wanted": {"state": "in_cart", "progress": None},
        "open": {"state": "free", "progress": None},
        "other": {"state": "available", "progress": None},
    }
    detail = api_client.get("/api/v1/courses/mine/").json()
    assert detail["buying"] == {"state": "owned", "progress": 25}
    # the shared cached answer was not changed by the learner's states
    api_client.force_authenticate(None)
    again = api_client.get("/api/v1/courses/").json()["results"]
    assert {c["slug"]: c["buying"]["state"] for c in again}["mine"] == "available"
