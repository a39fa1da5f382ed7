"""The landing page's "buy now" form brings its discount code to the cart, the checkout page
and the session-authenticated checkout API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from campaigns.models import OrderAttribution
from commerce.discounts import CART_CODE_SESSION_KEY
from commerce.models import Order

pytestmark = pytest.mark.django_db


def _landing_buy_now(client, course, code: str = "BANK10"):
    return client.post(
        reverse("commerce:cart_add"),
        {"course": course.slug, "currency": "USD", "discount_code": code, "buy_now": "1"},
    )


def test_buy_now_with_a_code_then_sign_in_and_pay_on_the_checkout_page(
    client, learner, course, campaign, code
):
    # given an anonymous visitor who pressed "buy now" on the landing page
    response = _landing_buy_now(client, course)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("commerce:checkout"))
    assert client.session[CART_CODE_SESSION_KEY] == "BANK10"

    # when they sign in and open the checkout page
    client.force_login(learner)
    page = client.get(reverse("commerce:checkout") + "?currency=USD")

    # then the code is already filled in
    assert page.status_code == 200
    form = page.context["form"]
    assert form["discount_code"].value() == "BANK10"
    assert 'value="BANK10"' in page.content.decode()

    # when they pay
    response = client.post(
        reverse("commerce:checkout"),
        {"currency": "USD", "discount_code": "BANK10", "token": "tok_success", "idempotency_key": "k1"},
    )

    # then the order is discounted and attributed, and the code leaves the session
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("commerce:order_detail", kwargs={"number": order.number})
    assert (order.status, order.total, order.campaign_id) == ("paid", Decimal("26.10"), campaign.pk)
    assert OrderAttribution.objects.get().reason == "code"
    assert CART_CODE_SESSION_KEY not in client.session


def test_checkout_api_uses_the_code_kept_with_the_cart(client, learner, course, campaign, code):
    client.force_login(learner)
    _landing_buy_now(client, course)

    response = client.post(
        "/api/v1/checkout/",
        {"currency": "USD", "payment": {"provider": "sandbox", "token": "tok_success"}},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["order"]["discount"], response.json()["order"]["discount_code"]) == (
        "2.90",
        "BANK10",
    )
    assert CART_CODE_SESSION_KEY not in client.session


def test_checkout_api_with_an_explicit_empty_code_ignores_the_cart_code(
    client, learner, course, campaign, code
):
    client.force_login(learner)
    _landing_buy_now(client, course)

    response = client.post(
        "/api/v1/checkout/",
        {"currency": "USD", "discount_code": "", "payment": {"provider": "sandbox", "token": "tok_success"}},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["order"]["discount"] == "0.00"


def test_a_wrong_code_on_the_checkout_page_is_an_error_not_a_500(client, learner, course, campaign, code):
    client.force_login(learner)
    _landing_buy_now(client, course, code="WRONG1")

    response = client.post(
        reverse("commerce:checkout"),
        {"currency": "USD", "discount_code": "WRONG1", "token": "tok_success", "idempotency_key": "k2"},
    )

    assert response.status_code == 400
    assert "This discount code is not valid." in response.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.parametrize(("code", "status"), [("x" * 65, 400), ("\x00BANK", 400), ("", 302)])
def test_odd_codes_on_the_buy_now_form_never_break_the_cart(client, course, code, status):
    response = client.post(reverse("commerce:cart_add"), {"course": course.slug, "discount_code": code})
    # A NUL byte is refused before any view (core.input_guard), a code too long by the form
    # (400); an empty one is no code.
    assert response.status_code == status
    assert client.session.get(CART_CODE_SESSION_KEY, "") in ("", "BANK")
