import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from commerce.models import CartLine, Order
from commerce.services import cart_add, order_checkout
from courses.models import Enrollment
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, lang="en", **kwargs):
    with translation.override(lang):
        return reverse(name, kwargs=kwargs or None)


def test_urls_are_under_the_language_prefix():
    assert url("commerce:cart") == "/en/cart/"
    assert url("commerce:orders", "ja") == "/ja/orders/"
    assert url("commerce:order_detail", number="abc") == "/en/orders/abc/"


def test_anonymous_cart_is_kept_in_the_session(client, course):
    response = client.post(url("commerce:cart_add"), {"course": course.slug})
    assert (response.status_code, response["Location"]) == (302, url("commerce:cart"))
    page = client.get(url("commerce:cart")).content.decode()
    assert f'data-course="{course.slug}"' in page
    assert client.session["cart"] == [{"course": course.slug, "live_session": None}]
    client.post(url("commerce:cart_remove"), {"course": course.slug})
    assert client.session["cart"] == []


def test_signing_in_merges_the_session_cart_into_the_account(client, course):
    # given an anonymous cart and an account that already has another course in its cart
    user = UserFactory(username="merger")
    owned_in_cart = CourseFactory()
    cart_add(user=user, course_slug=owned_in_cart.slug)
    client.post(url("commerce:cart_add"), {"course": course.slug})
    # when the visitor signs in through the real sign-in page
    response = client.post(url("accounts:login"), {"username": "merger", "password": "pass-1234"})
    # then both courses are in the account's cart and the session cart is gone
    assert response.status_code == 302
    assert sorted(CartLine.objects.filter(cart__user=user).values_list("course__slug", flat=True)) == sorted(
        [course.slug, owned_in_cart.slug]
    )
    assert "cart" not in client.session


def test_adding_an_unknown_course_shows_an_error_not_a_500(client):
    response = client.post(url("commerce:cart_add"), {"course": "nope"}, follow=True)
    assert response.status_code == 200
    assert "does not exist" in response.content.decode()


def test_adding_a_live_class_without_session_is_refused(client):
    session = LiveSessionFactory()
    response = client.post(url("commerce:cart_add"), {"course": session.course.slug}, follow=True)
    assert response.status_code == 200
    assert "Choose a live session" in response.content.decode()
    response = client.post(
        url("commerce:cart_add"), {"course": session.course.slug, "live_session": session.pk}, follow=True
    )
    assert session.course.title in response.content.decode()


def test_signed_in_learner_pays_on_the_checkout_page(client, learner, course):
    client.force_login(learner)
    client.post(url("commerce:cart_add"), {"course": course.slug})
    page = client.get(url("commerce:checkout") + "?currency=EUR")
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page.content.decode()).group(1)
    form = {"currency": "EUR", "token": "tok_success", "discount_code": "", "idempotency_key": key}

    response = client.post(url("commerce:checkout"), form)
    again = client.post(url("commerce:checkout"), form)  # a double click

    order = Order.objects.get()
    assert response.status_code == again.status_code == 302
    assert response["Location"] == again["Location"] == url("commerce:order_detail", number=str(order.number))
    assert (order.status, order.total, order.currency) == ("paid", Decimal("27.00"), "EUR")
    assert Enrollment.objects.filter(user=learner, course=course, is_active=True).count() == 1
    detail = client.get(response["Location"])
    assert 'data-status="paid"' in detail.content.decode()


def test_declined_payment_on_the_checkout_page(client, learner, course):
    client.force_login(learner)
    cart_add(user=learner, course_slug=course.slug)
    response = client.post(
        url("commerce:checkout"),
        {"currency": "USD", "token": "tok_decline", "discount_code": "", "idempotency_key": "x1"},
        follow=True,
    )
    assert 'data-status="failed"' in response.content.decode()
    assert CartLine.objects.filter(cart__user=learner).count() == 1  # still there to retry


def test_checkout_page_needs_sign_in(client):
    response = client.get(url("commerce:checkout"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_someone_elses_order_page_is_404(client, learner, course):
    other = UserFactory(username="other")
    order = order_checkout(
        user=other, items=[{"course": course.slug}], currency="USD", payment={"token": "tok_success"}
    ).order
    client.force_login(learner)
    assert client.get(url("commerce:order_detail", number=str(order.number))).status_code == 404
    assert client.get(url("commerce:order_detail", number="garbage")).status_code == 404


def test_order_page_in_japanese(client, learner):
    course = CourseFactory()
    order = order_checkout(
        user=learner, items=[{"course": course.slug}], currency="JPY", payment={"token": "tok_success"}
    ).order
    client.force_login(learner)
    page = client.get(url("commerce:order_detail", "ja", number=str(order.number))).content.decode()
    assert course.title_ja in page
    assert "￥4,200" in page


@pytest.mark.parametrize("count", [3, 15])
def test_orders_page_costs_a_fixed_number_of_queries(client, learner, count, django_assert_num_queries):
    for _ in range(count):
        order_checkout(
            user=learner,
            items=[{"course": CourseFactory().slug}],
            currency="USD",
            payment={"token": "tok_success"},
        )
    client.force_login(learner)
    # session, user, count, the header's partner-member check and cart count, orders, lines
    with django_assert_num_queries(7):
        response = client.get(url("commerce:orders"))
    assert response.content.decode().count("<tr>") == count + 1


@pytest.mark.parametrize("lines", [1, 12])
def test_order_page_costs_a_fixed_number_of_queries(client, learner, lines, django_assert_num_queries):
    # given a paid order with few or many lines, some for live sessions
    items = [{"course": CourseFactory().slug} for _ in range(lines)]
    session = LiveSessionFactory(capacity=5)
    items.append({"course": session.course.slug, "live_session": session.pk})
    order = order_checkout(user=learner, items=items, currency="USD", payment={"token": "tok_success"}).order
    client.force_login(learner)
    # then: session, user, the header's partner-member check and cart count, the order, its
    # lines, and its invoice (the receipt and invoice block of the invoices app)
    with django_assert_num_queries(7):
        response = client.get(url("commerce:order_detail", number=str(order.number)))
    assert response.status_code == 200
    assert response.content.decode().count("<tr><td><a href=") == lines + 1


@pytest.mark.parametrize(
    "post",
    [
        {"currency": "XXX", "token": "tok_success", "idempotency_key": "k1"},
        {"currency": "USD", "token": "tok_nope", "idempotency_key": "k1"},
        {"currency": "USD", "token": "tok_success"},
        {"currency": "USD", "token": "tok_success", "idempotency_key": "k1", "discount_code": "x" * 65},
        {},
    ],
)
def test_bad_checkout_page_posts_show_an_error_not_a_500(client, learner, course, post):
    cart_add(user=learner, course_slug=course.slug)
    client.force_login(learner)
    response = client.post(url("commerce:checkout"), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in html or 'data-testid="payment-error"' in html
    assert Order.objects.count() == 0
    # the page always carries a usable key for the next attempt
    key = re.search(r'name="idempotency_key" value="([^"]*)"', html).group(1)
    assert key == (post.get("idempotency_key") or key) and len(key) >= 2


def test_checkout_page_with_an_empty_cart_or_unpriced_currency_is_not_a_500(client, learner):
    client.force_login(learner)
    # an empty cart
    response = client.post(
        url("commerce:checkout"), {"currency": "USD", "token": "tok_success", "idempotency_key": "a"}
    )
    assert response.status_code == 400
    assert "Your cart is empty." in response.content.decode()
    # a course with no price in the chosen currency
    usd_only = CourseFactory(prices={"USD": Decimal("10.00")})
    cart_add(user=learner, course_slug=usd_only.slug)
    response = client.post(
        url("commerce:checkout"), {"currency": "EUR", "token": "tok_success", "idempotency_key": "b"}
    )
    assert response.status_code == 400
    assert "Some courses are not sold in this currency." in response.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.parametrize("live_session", ["abc", "-1", "0", "99999999999999999999999"])
def test_cart_add_with_a_bad_session_is_an_error_not_a_500(client, course, live_session):
    response = client.post(
        url("commerce:cart_add"), {"course": course.slug, "live_session": live_session}, follow=True
    )
    assert response.status_code == 400
    assert "This course could not be added to your cart." in response.content.decode()
    assert client.session.get("cart", []) == []
