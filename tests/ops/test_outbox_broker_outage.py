"""Side effects leave through the outbox even when the broker is down (issue 10).

The Celery broker is a Redis of the test's own, killed before the requests: a checkout
answers 201, a staff refund goes through (302 to the order), a webhook that pays a pending
order answers 200; their messages (receipts...) wait in the outbox, written in the same
transactions as the sales. When the broker is back, a real worker takes beat's drain and
delivers every one of them, once."""

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from commerce.models import Order
from commerce.services import order_checkout
from core.models import OutboxMessage
from core.tasks import outbox_drain
from tests.commerce.test_api import _post_event
from tests.factories import CourseFactory, UserFactory
from tests.fault_matrix import fault_record, money_counts
from tests.ops.services import celery_broker, spare_redis
from tests.ops.workers import Worker, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_with_the_broker_down_money_requests_succeed_and_their_messages_follow(tmp_path):
    course = CourseFactory(slug="outbox-course")
    buyer = UserFactory(username="outbox-buyer", email="buyer@example.com")
    token = Token.objects.create(user=buyer).key
    refunded = order_checkout(
        user=UserFactory(username="outbox-refunded", email="refunded@example.com"),
        items=[{"course": course.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_success"},
    ).order
    waiting = order_checkout(
        user=UserFactory(username="outbox-waiting", email="waiting@example.com"),
        items=[{"course": course.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_pending"},
    ).order
    staff = UserFactory(username="outbox-staff", is_staff=True, is_superuser=True)
    # Delivered or not, the setup's own messages are not what this test is about.
    OutboxMessage.objects.update(status=OutboxMessage.Status.SENT)
    started = timezone.now()
    before = money_counts()

    with spare_redis(tmp_path) as broker, celery_broker(broker.url):
        broker.kill()
        # when the broker is down, the money requests still succeed
        buy = Client(raise_request_exception=False).post(
            "/api/v1/checkout/",
            {
                "items": [{"course": course.slug}],
                "currency": "USD",
                "payment": {"provider": "sandbox", "token": "tok_success"},
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY="k-outage",
        )
        assert buy.status_code == 201, buy.content
        staff_client = Client(raise_request_exception=False)
        staff_client.force_login(staff)
        refund = staff_client.post(
            f"/admin/commerce/order/{refunded.pk}/refund/",
            {"amount": str(refunded.total), "reason": "outage"},
        )
        assert refund.status_code == 302, refund.content
        hook = _post_event("evt_outage", "payment.succeeded", waiting.payment_reference)
        assert hook.status_code == 200, hook.content
        assert Order.objects.get(pk=refunded.pk).status == Order.Status.REFUNDED
        assert Order.objects.get(pk=waiting.pk).status == Order.Status.PAID

        # and their messages wait in the outbox, written with the sales
        written = OutboxMessage.objects.filter(created_at__gte=started)
        assert written.count() >= 2
        assert set(written.values_list("status", flat=True)) == {OutboxMessage.Status.PENDING}
        assert set(written.values_list("attempts", flat=True)) == {0}
        paid_now = Order.objects.filter(status=Order.Status.PAID, paid_at__gte=started)
        assert paid_now.count() == 2 and not paid_now.filter(receipt_sent_at__isnull=False).exists()

        # when the broker is back and a worker takes beat's drain
        broker.start()
        worker = Worker(
            "outbox",
            "interactive",
            tmp_path / "outbox.log",
            {
                "DATABASE_URL": database_url(),
                "REDIS_URL": broker.url,
                "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
            },
        )
        try:
            worker.wait_ready()
            outbox_drain.apply_async(retry=True)
            # then every message goes out, once
            worker.wait_for(
                lambda: not written.exclude(status=OutboxMessage.Status.SENT).exists(), 60, "the outbox drain"
            )
            time.sleep(0.5)
        finally:
            worker.stop()
    assert set(written.values_list("attempts", flat=True)) == {1}
    assert not paid_now.filter(receipt_sent_at__isnull=True).exists()
    after = money_counts()
    connection.close()
    for flow, status in (
        ("checkout", buy.status_code),
        ("refund", refund.status_code),
        ("webhook", hook.status_code),
    ):
        fault_record(
            fault="broker down (outbox)",
            flow=flow,
            statuses={status: 1},
            before=before,
            after=after,
            lost=0 if written.filter(status=OutboxMessage.Status.SENT).count() == written.count() else 1,
            doubled=sum(1 for a in written.values_list("attempts", flat=True) if a > 1),
            note=f"{written.count()} outbox messages written during the outage, all sent after",
        )
