"""The cart and checkout pages price the cart with the discount code kept in the session:
the discount per line and the total after discount, exactly what the order will say. A
preview reserves nothing and never counts the same code twice against the wrong-code limit;
the learner applies and removes codes with POST forms."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns import services as campaign_services
from campaigns.models import CodeRedemption, DiscountCode, VisitorAssignment
from commerce.discounts import CART_CODE_SESSION_KEY
from commerce.models import Order
from commerce.services import cart_add
from core import ratelimit
from tests.factories import CourseFactory

from .conftest import VISITOR

pytestmark = pytest.mark.django_db


def url(name, lang="en"):
    with translation.override(lang):
        return reverse(name)


def _failures(user) -> int:
    return ratelimit.count(campaign_services.CODE_FAILURE_SCOPE, f"user:{user.pk}")


def _keep_code(client, code):
    session = client.session
    session[CART_CODE_SESSION_KEY] = code
    session.save()


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def shopper(client, learner, course):
    """A signed-in learner with the campaign's course (29.00 USD) in the cart."""
    cart_add(user=learner, course_slug=course.slug)
    client.force_login(learner)
    return learner


def test_checkout_shows_the_discount_per_line_and_the_total_after_discount(client, shopper, course, code):
    # given the landing page's code kept with the cart and a second course outside the campaign
    other = CourseFactory(slug="not-in-campaign")
    cart_add(user=shopper, course_slug=other.slug)
    _keep_code(client, "bank10")

    # when the learner opens the checkout page
    response = client.get(url("commerce:checkout") + "?currency=USD")

    # then each line shows its own discount and the total is after the discount
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [(line.item.course.slug, line.discount, line.total) for line in preview.lines] == [
        (course.slug, Decimal("2.90"), Decimal("26.10")),
        (other.slug, Decimal("0"), Decimal("29.00")),
    ]
    assert (preview.code, preview.subtotal, preview.discount, preview.total) == (
        "BANK10",
        Decimal("58.00"),
        Decimal("2.90"),
        Decimal("55.10"),
    )
    html = _text(response)
    assert 'data-testid="line-discount">−$2.90<' in html
    assert 'data-testid="preview-discount">−$2.90<' in html
    assert 'data-testid="checkout-total">$55.10<' in html
    assert "Pay $55.10" in html
    # and the payment form sends exactly the code that was priced
    assert response.context["form"]["discount_code"].value() == "BANK10"


def test_a_preview_reserves_nothing_and_counts_nothing(client, shopper, code):
    _keep_code(client, "BANK10")

    for _ in range(campaign_services.CODE_FAILURE_LIMIT + 2):
        assert client.get(url("commerce:checkout")).status_code == 200
        assert client.get(url("commerce:cart")).status_code == 200

    code.refresh_from_db()
    assert (code.redemptions_count, CodeRedemption.objects.count(), _failures(shopper)) == (0, 0, 0)


def test_paying_after_the_preview_charges_the_previewed_total(client, shopper, campaign, code):
    _keep_code(client, "BANK10")
    page = client.get(url("commerce:checkout") + "?currency=USD")
    form = page.context["form"]

    response = client.post(
        url("commerce:checkout"),
        {
            "currency": form["currency"].value(),
            "discount_code": form["discount_code"].value(),
            "token": "tok_success",
            "idempotency_key": form["idempotency_key"].value(),
        },
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.status, order.total, order.discount, order.campaign_id) == (
        "paid",
        page.context["preview"].total,
        Decimal("2.90"),
        campaign.pk,
    )


def test_a_wrong_code_shows_a_clear_message_and_the_undiscounted_total(client, shopper, code):
    _keep_code(client, "WRONG1")

    response = client.get(url("commerce:checkout") + "?currency=USD")

    html = _text(response)
    assert response.status_code == 200
    assert 'data-testid="discount-code-error">This discount code is not valid.' in html
    assert 'data-testid="checkout-total">$29.00<' in html
    assert response.context["preview"].applied is False
    # the order would be paid without the wrong code, as the page shows
    assert response.context["form"]["discount_code"].value() == ""


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("ja", "この割引コードは無効です。"),
        ("es", "Este código de descuento no es válido."),
    ],
)
def test_the_wrong_code_message_is_in_the_learners_language(client, shopper, code, lang, message):
    _keep_code(client, "WRONG1")

    response = client.get(url("commerce:checkout", lang) + "?currency=USD")

    assert response.status_code == 200
    assert message in response.content.decode()


def test_reloading_a_page_with_a_wrong_code_counts_it_once(client, shopper, code):
    # given a wrong code brought from outside (e.g. a forged "buy now" form)
    _keep_code(client, "WRONG1")

    # when the learner reloads the checkout page more often than the wrong-code limit
    for _ in range(campaign_services.CODE_FAILURE_LIMIT + 2):
        assert client.get(url("commerce:checkout")).status_code == 200

    # then it counted once, so the learner can still apply the real code
    assert _failures(shopper) == 1
    response = client.post(url("commerce:cart_code_apply"), {"code": "BANK10", "currency": "USD"})
    assert response.status_code == 302
    assert client.session[CART_CODE_SESSION_KEY] == "BANK10"


def test_each_new_wrong_code_counts_so_the_preview_cannot_be_used_to_guess_codes(client, shopper, code):
    for attempt in range(campaign_services.CODE_FAILURE_LIMIT):
        _keep_code(client, f"GUESS{attempt}")
        client.get(url("commerce:checkout"))

    _keep_code(client, "BANK10")
    response = client.get(url("commerce:checkout") + "?currency=USD")

    assert _failures(shopper) == campaign_services.CODE_FAILURE_LIMIT
    assert response.status_code == 200
    assert "Too many wrong discount codes. Please try again later." in response.content.decode()
    assert response.context["preview"].total == Decimal("29.00")


def test_apply_a_code_on_the_cart_page(client, shopper, code):
    response = client.post(
        url("commerce:cart_code_apply"), {"code": " bank10 ", "currency": "USD", "next": url("commerce:cart")}
    )

    assert (response.status_code, response["Location"]) == (302, url("commerce:cart"))
    page = client.get(url("commerce:cart") + "?currency=USD")
    html = _text(page)
    assert "Discount code applied." in html
    assert 'data-testid="cart-total">$26.10<' in html
    assert 'data-testid="discount-code-value">BANK10<' in html


def test_apply_a_wrong_code_is_refused_counted_and_not_kept(client, shopper, code):
    response = client.post(
        url("commerce:cart_code_apply"), {"code": "WRONG1", "currency": "USD"}, follow=True
    )

    assert response.status_code == 200
    assert "This discount code is not valid." in response.content.decode()
    assert CART_CODE_SESSION_KEY not in client.session
    assert _failures(shopper) == 1


def test_a_refused_code_leaves_the_applied_one_in_place(client, shopper, code):
    client.post(url("commerce:cart_code_apply"), {"code": "BANK10", "currency": "USD"})
    client.post(url("commerce:cart_code_apply"), {"code": "WRONG1", "currency": "USD"})

    assert client.session[CART_CODE_SESSION_KEY] == "BANK10"


def test_remove_the_code_on_the_checkout_page(client, shopper, code):
    _keep_code(client, "BANK10")

    response = client.post(url("commerce:cart_code_remove"), {"next": url("commerce:checkout")})

    assert (response.status_code, response["Location"]) == (302, url("commerce:checkout"))
    assert CART_CODE_SESSION_KEY not in client.session
    page = client.get(url("commerce:checkout") + "?currency=USD")
    assert 'data-testid="checkout-total">$29.00<' in _text(page)
    assert page.context["form"]["discount_code"].value() == ""


def test_a_visitor_can_keep_a_code_and_sees_it_priced_after_signing_in(client, learner, course, code):
    # given an anonymous visitor with the course in the cart
    client.post(url("commerce:cart_add"), {"course": course.slug})

    # when they apply a code
    client.post(url("commerce:cart_code_apply"), {"code": "BANK10"})

    # then it is kept, and the cart says the discount shows at checkout
    assert client.session[CART_CODE_SESSION_KEY] == "BANK10"
    cart = client.get(url("commerce:cart") + "?currency=USD")
    assert "The discount is checked and shown at checkout." in cart.content.decode()
    assert 'data-testid="cart-total">$29.00<' in _text(cart)

    # and once signed in (the cart and the code come along) the checkout prices it
    client.force_login(learner)
    page = client.get(url("commerce:checkout") + "?currency=USD")
    assert page.context["preview"].total == Decimal("26.10")


def test_the_control_group_sees_no_discount_in_the_preview(client, shopper, campaign, code):
    VisitorAssignment.objects.create(campaign=campaign, visitor_id=VISITOR, is_holdout=True)
    client.cookies["zq_vid"] = VISITOR
    _keep_code(client, "BANK10")

    response = client.get(url("commerce:checkout") + "?currency=USD")

    assert response.context["preview"].total == Decimal("29.00")
    assert "This discount code does not apply to these courses." in response.content.decode()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({}, 200),
        ({"code": ""}, 200),
        # A code no discount can have is refused like any form: a 400.
        ({"code": "x" * 65}, 400),
        # A NUL byte is refused before any view (core.input_guard).
        ({"code": "\x00"}, 400),
        ({"code": "A", "currency": "XXX"}, 200),
    ],
)
def test_bad_apply_input_is_an_error_message_not_a_500(client, shopper, code, data, status):
    response = client.post(url("commerce:cart_code_apply"), data, follow=True)

    assert response.status_code == status
    assert CART_CODE_SESSION_KEY not in client.session


def test_apply_and_remove_only_take_post(client, shopper):
    assert client.get(url("commerce:cart_code_apply")).status_code == 405
    assert client.get(url("commerce:cart_code_remove")).status_code == 405


def test_an_exhausted_code_in_the_session_is_explained(client, shopper, code):
    DiscountCode.objects.filter(pk=code.pk).update(redemptions_count=100)
    _keep_code(client, "BANK10")

    response = client.get(url("commerce:checkout") + "?currency=USD")

    assert "This discount code has been used up." in response.content.decode()
    assert response.context["preview"].total == Decimal("29.00")


# Session, cart lines, prices, then the code's look-up (the code with the learner's uses of
# it, its control group, its joint courses and the visitor's variant, assignment else the
# learner's latest touch, in one statement; a percent campaign, so no fixed amounts), and
# the header's cart count (the user comes from the auth cache): the same for any number of
# lines.
CHECKOUT_PAGE_QUERIES = 9


@pytest.mark.parametrize("extra", [0, 4])
def test_checkout_page_with_a_code_costs_a_fixed_number_of_queries(
    client, shopper, campaign, code, extra, django_assert_num_queries
):
    # given a cart of 1 or 5 campaign courses and the code kept with it
    for index in range(extra):
        more = CourseFactory(slug=f"campaign-extra-{index}")
        campaign.campaign_courses.create(course=more, position=index + 1)
        cart_add(user=shopper, course_slug=more.slug)
    _keep_code(client, "BANK10")
    client.get(url("commerce:checkout"))  # the first view checks the code once

    # when the page is shown again, then the count does not depend on the number of lines
    with django_assert_num_queries(CHECKOUT_PAGE_QUERIES):
        response = client.get(url("commerce:checkout") + "?currency=USD")
    assert len(response.context["preview"].lines) == extra + 1
    assert response.context["preview"].discount == Decimal("2.90") * (extra + 1)
