"""Side effects never fail a sale: with the broker down the checkout still answers 201,
the receipt waits in the outbox and goes out when the drain runs (the broker is back)."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from config.celery import app
from core.models import OutboxMessage
from core.outbox import outbox_drain
from tests.factories import CourseFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DEAD_BROKER = "redis://127.0.0.1:8499/0"  # a port of our range where nothing listens


@pytest.fixture
def broker_down():
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.conf.broker_url = DEAD_BROKER
    app._pool = None  # drop pooled connections to the live broker
    yield
    app.conf.broker_url, app.conf.task_always_eager = previous
    app._pool = None


def test_checkout_answers_201_with_the_broker_down_and_the_receipt_follows(broker_down):
    course = CourseFactory()
    client = APIClient()
    client.force_authenticate(UserFactory(username="buyer", email="buyer@example.com"))

    response = client.post(
        "/api/v1/checkout/",
        {"items": [{"course": course.slug}], "currency": "USD", "payment": {"token": "tok_success"}},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert response.status_code == 201
    assert response.json()["order"]["status"] == "paid"
    message = OutboxMessage.objects.get()
    assert (message.topic, message.status) == ("commerce.order_receipt", "pending")
    assert len(mail.outbox) == 0

    # the broker is back: the beat drain (run here directly) sends the receipt once
    assert outbox_drain() == 1
    assert outbox_drain() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["buyer@example.com"]
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_webhook_that_pays_an_order_answers_200_with_the_broker_down(broker_down):
    import json

    from commerce.models import Order
    from commerce.payments.sandbox import SIGNATURE_HEADER, sign
    from commerce.services import order_checkout

    user = UserFactory(username="later", email="later@example.com")
    order = order_checkout(
        user=user, items=[{"course": CourseFactory().slug}], currency="USD", payment={"token": "tok_pending"}
    ).order
    body = json.dumps(
        {"id": "evt_1", "type": "payment.succeeded", "data": {"reference": order.payment_reference}}
    ).encode()

    response = APIClient().post(
        "/api/v1/payments/webhooks/sandbox/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(body)},
    )

    assert (response.status_code, response.json()["outcome"]) == (200, "paid")
    assert Order.objects.get().status == "paid"
    assert OutboxMessage.objects.get().status == "pending"
    assert outbox_drain() == 1
    assert [m.to for m in mail.outbox] == [["later@example.com"]]
