import hmac
import json
import time
from decimal import Decimal
from unittest import mock

import pytest
from rest_framework.test import APIClient

from commerce.models import CartLine, Order, Payment, WebhookEvent
from commerce.payments.sandbox import SIGNATURE_HEADER, sign
from commerce.services import cart_add, order_checkout
from courses.models import Enrollment
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAY = {"provider": "sandbox", "token": "tok_success"}
URL = "/api/v1/checkout/"


@pytest.fixture
def client(learner):
    client = APIClient()
    client.force_authenticate(learner)
    return client


def test_checkout_answers_the_contract_shape(client, course):
    response = client.post(
        URL,
        {"items": [{"course": course.slug, "live_session": None}], "currency": "CNY", "payment": PAY},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 201
    order = response.json()["order"]
    assert set(order) >= {"number", "status", "currency", "subtotal", "discount", "total", "lines"}
    assert (order["status"], order["currency"], order["subtotal"], order["discount"], order["total"]) == (
        "paid",
        "CNY",
        "199.00",
        "0.00",
        "199.00",
    )
    assert [(line["course"], line["total"]) for line in order["lines"]] == [(course.slug, "199.00")]


def test_replay_returns_the_same_body(client, course):
    body = {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_reused_key_with_other_body_is_409(client, course):
    client.post(
        URL,
        {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    response = client.post(
        URL,
        {"items": [{"course": course.slug}], "currency": "EUR", "payment": PAY},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_declined_payment_is_402(client, course):
    response = client.post(
        URL,
        {
            "items": [{"course": course.slug}],
            "currency": "USD",
            "payment": {"provider": "sandbox", "token": "tok_decline"},
        },
        format="json",
    )
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "payment_declined"
    assert Order.objects.get(number=body["order"]).status == "failed"
    assert not Enrollment.objects.exists()


def test_errors_are_in_the_callers_language(client):
    response = client.post(
        URL,
        {"items": [{"course": "nope"}], "currency": "USD", "payment": PAY},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "course_not_found"
    assert response["Content-Language"] == "es"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"items": [{"course": "no-such"}], "currency": "USD", "payment": PAY}, 404, "course_not_found"),
        ({"items": [{"course": "unpublished"}], "currency": "USD", "payment": PAY}, 404, "course_not_found"),
        ({"items": [{"course": "owned"}], "currency": "USD", "payment": PAY}, 409, "already_enrolled"),
        (
            {"items": [{"course": "python-101"}], "currency": "GBP", "payment": PAY},
            400,
            "currency_not_available",
        ),
        ({"items": [{"course": "python-101"}], "currency": "", "payment": PAY}, 400, "invalid"),
        ({"items": [], "currency": "USD", "payment": PAY}, 400, "empty_cart"),
        ({"currency": "USD", "payment": PAY}, 400, "empty_cart"),
        ({"items": "python-101", "currency": "USD"}, 400, "invalid"),
        ({"items": [{"course": "python-101", "live_session": "x"}], "currency": "USD"}, 400, "invalid"),
        ({"items": [{"course": "python-101", "live_session": -3}], "currency": "USD"}, 400, "invalid"),
        (
            {"items": [{"course": "python-101", "live_session": 99999}], "currency": "USD"},
            404,
            "live_session_not_found",
        ),
        ({"items": [{"nope": 1}], "currency": "USD"}, 400, "invalid"),
        ({"items": [None], "currency": "USD"}, 400, "invalid"),
        ({"items": [{"course": ["a"]}], "currency": "USD"}, 400, "invalid"),
        ({"items": [{"course": "python-101"}], "currency": "USD", "payment": "card"}, 400, "invalid"),
        (
            {"items": [{"course": "python-101"}], "currency": "USD", "payment": {"provider": "paypal"}},
            400,
            "provider_not_available",
        ),
        (
            {"items": [{"course": "python-101"}], "currency": "USD", "discount_code": "X1"},
            400,
            "code_invalid",
        ),
        ([1, 2], 400, "invalid"),
    ],
)
def test_bad_input_is_never_a_500(client, learner, course, body, status, code):
    CourseFactory(slug="unpublished", is_published=False)
    owned = CourseFactory(slug="owned")
    Enrollment.objects.create(user=learner, course=owned)
    response = client.post(URL, body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Order.objects.count() == 0


def test_checkout_without_items_buys_the_cart(client, learner, course):
    # given a learner with one course in their cart
    cart_add(user=learner, course_slug=course.slug)
    # when they check out naming no items
    response = client.post(URL, {"currency": "USD", "payment": PAY}, format="json")
    # then the cart became a paid order and is empty
    assert response.status_code == 201
    order = response.json()["order"]
    assert (order["status"], order["total"], len(order["lines"])) == ("paid", "29.00", 1)
    assert not CartLine.objects.filter(cart__user=learner).exists()
    assert Enrollment.objects.filter(user=learner, course=course, is_active=True).count() == 1


def test_malformed_json_is_400(client):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_overlong_idempotency_key_is_400(client, course):
    response = client.post(
        URL,
        {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 256,
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_idempotency_key")


def test_anonymous_cannot_checkout_or_list(course):
    client = APIClient()
    assert client.post(
        URL, {"items": [{"course": course.slug}], "currency": "USD"}, format="json"
    ).status_code in (
        401,
        403,
    )
    assert client.get("/api/v1/orders/").status_code in (401, 403)
    assert Order.objects.count() == 0


def _orders(user, count):
    for _ in range(count):
        course = CourseFactory()
        order_checkout(user=user, items=[{"course": course.slug}], currency="USD", payment=PAY)


@pytest.mark.parametrize("count", [5, 30])
def test_order_list_costs_a_fixed_number_of_queries(client, learner, count, django_assert_num_queries):
    _orders(learner, count)
    # count, the page of orders, their lines with course and session
    with django_assert_num_queries(3):
        response = client.get("/api/v1/orders/?page_size=50")
    assert response.status_code == 200
    assert response.json()["count"] == count
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("lines", [3, 20])
def test_order_detail_costs_a_fixed_number_of_queries(client, learner, lines, django_assert_num_queries):
    courses = [CourseFactory() for _ in range(lines)]
    order = order_checkout(
        user=learner, items=[{"course": c.slug} for c in courses], currency="USD", payment=PAY
    ).order
    # the order, its lines with course and session
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/orders/{order.number}/")
    assert response.status_code == 200
    assert len(response.json()["lines"]) == lines
    assert response.json()["total"] == str(Decimal("29.00") * lines)


def test_other_learners_order_is_404(client, course):
    stranger = UserFactory(username="stranger")
    order = order_checkout(user=stranger, items=[{"course": course.slug}], currency="USD", payment=PAY).order
    assert client.get(f"/api/v1/orders/{order.number}/").status_code == 404
    assert client.get("/api/v1/orders/not-a-uuid/").json()["code"] == "order_not_found"
    assert client.get("/api/v1/orders/").json()["count"] == 0


# --- webhooks -----------------------------------------------------------------------------


def _pending(learner, course):
    return order_checkout(
        user=learner,
        items=[{"course": course.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_pending"},
    ).order


def _post_event(event_id, event_type, reference, *, signature=None):
    body = json.dumps({"id": event_id, "type": event_type, "data": {"reference": reference}}).encode()
    return APIClient().post(
        "/api/v1/payments/webhooks/sandbox/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature if signature is not None else sign(body)},
    )


def test_pending_then_succeeded_webhook_pays(learner, course):
    order = _pending(learner, course)
    response = _post_event("evt_1", "payment.succeeded", order.payment_reference)
    assert response.json() == {"received": True, "duplicate": False, "outcome": "paid"}
    order.refresh_from_db()
    assert order.status == "paid"
    assert Enrollment.objects.filter(user=learner, course=course).exists()


def test_redelivered_event_is_a_duplicate_and_changes_nothing(learner, course):
    order = _pending(learner, course)
    _post_event("evt_1", "payment.succeeded", order.payment_reference)
    response = _post_event("evt_1", "payment.succeeded", order.payment_reference)
    assert response.json() == {"received": True, "duplicate": True, "outcome": "duplicate"}
    assert WebhookEvent.objects.filter(event_id="evt_1").count() == 1
    assert Enrollment.objects.filter(user=learner, course=course).count() == 1


def test_event_before_its_order_is_visible_is_refused_then_accepted_on_redelivery(learner, course):
    # given a pending order whose payment reference the webhook cannot see yet (the
    # checkout that stores it has not committed)
    order = _pending(learner, course)
    reference = order.payment_reference
    Order.objects.filter(pk=order.pk).update(payment_reference="")
    # when the success arrives first, it is refused without being recorded
    response = _post_event("evt_early", "payment.succeeded", reference)
    assert (response.status_code, response.json()["code"]) == (409, "payment_not_found")
    assert not WebhookEvent.objects.exists()
    # and when the provider delivers it again after the checkout committed, it pays
    Order.objects.filter(pk=order.pk).update(payment_reference=reference)
    response = _post_event("evt_early", "payment.succeeded", reference)
    assert response.json() == {"received": True, "duplicate": False, "outcome": "paid"}
    order.refresh_from_db()
    assert order.status == "paid"


def test_webhook_signature_is_compared_in_constant_time(learner, course):
    # a plain == would leak how many leading characters of a forged signature are right
    order = _pending(learner, course)
    with mock.patch("commerce.payments.sandbox.hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        _post_event("evt_1", "payment.succeeded", order.payment_reference)
    assert compare.call_count == 1


def test_failed_after_succeeded_changes_nothing(learner, course):
    order = _pending(learner, course)
    _post_event("evt_1", "payment.succeeded", order.payment_reference)
    response = _post_event("evt_2", "payment.failed", order.payment_reference)
    assert response.json()["outcome"] == "no_change"
    order.refresh_from_db()
    assert order.status == "paid"


def test_failed_webhook_releases_the_seat(learner):
    session = LiveSessionFactory(capacity=2)
    order = order_checkout(
        user=learner,
        items=[{"course": session.course.slug, "live_session": session.pk}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_pending"},
    ).order
    _post_event("evt_1", "payment.failed", order.payment_reference)
    order.refresh_from_db()
    session.refresh_from_db()
    assert (order.status, session.seats_taken) == ("failed", 0)


def test_succeeded_after_failed_takes_the_seat_again_and_pays(learner):
    session = LiveSessionFactory(capacity=2)
    order = order_checkout(
        user=learner,
        items=[{"course": session.course.slug, "live_session": session.pk}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_pending"},
    ).order
    _post_event("evt_1", "payment.failed", order.payment_reference)
    response = _post_event("evt_2", "payment.succeeded", order.payment_reference)
    assert response.json()["outcome"] == "late_payment_accepted"
    order.refresh_from_db()
    session.refresh_from_db()
    assert (order.status, session.seats_taken) == ("paid", 1)


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1,v1=abc",
        f"t={int(time.time())},v1=" + "0" * 64,
        "garbage",
        f"t={int(time.time()) - 3600},v1=x",
    ],
    # Fixed ids: the values hold the time, and pytest-xdist's workers must collect the same names.
    ids=["empty", "stale", "wrong-digest", "garbage", "hour-old"],
)
def test_bad_signature_is_refused_and_changes_nothing(learner, course, signature):
    order = _pending(learner, course)
    response = _post_event("evt_1", "payment.succeeded", order.payment_reference, signature=signature)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
    order.refresh_from_db()
    assert order.status == "pending"
    assert WebhookEvent.objects.count() == 0


def test_bad_webhook_bodies_are_400_not_500():
    for body in (b"not json", b"[]", b'{"id": "e"}', b'{"id": "e", "type": "x", "data": 5}'):
        response = APIClient().post(
            "/api/v1/payments/webhooks/sandbox/",
            body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: sign(body)},
        )
        assert (response.status_code, response.json()["code"]) == (400, "invalid_payload")
    assert (
        APIClient()
        .post("/api/v1/payments/webhooks/paypal/", b"{}", content_type="application/json")
        .status_code
        == 404
    )
