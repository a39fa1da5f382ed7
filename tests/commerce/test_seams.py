"""The seams the campaigns integration fills (attribution, discounts), and late events."""

import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from commerce.models import LedgerEntry, Order, OrderLine
from commerce.payments.sandbox import SIGNATURE_HEADER, sign
from commerce.services import order_checkout, order_release_expired_holds, payment_webhook_process
from core.outbox import outbox_drain
from courses.models import LiveSession
from tests.factories import LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_attribution_parties_reach_the_ledger_without_ledger_changes(learner, course):
    def attribute(*, order):
        order.campaign_id = 42
        parties = [{"party": "partner:7", "share": "0.1000"}, {"party": "partner:8", "share": "0.0500"}]
        return {course.pk: parties}

    with mock.patch("commerce.services.payments.attribution_for_paid_order", side_effect=attribute):
        order = order_checkout(
            user=learner, items=[{"course": course.slug}], currency="USD", payment={"token": "tok_success"}
        ).order

    assert Order.objects.get(pk=order.pk).campaign_id == 42
    assert OrderLine.objects.get(order=order).revenue_split == [
        {"party": "partner:7", "share": "0.1000"},
        {"party": "partner:8", "share": "0.0500"},
    ]
    entries = dict(LedgerEntry.objects.filter(order=order).values_list("party", "amount"))
    assert entries == {
        f"instructor:{course.instructor_id}": Decimal("8.70"),
        "partner:7": Decimal("2.90"),
        "partner:8": Decimal("1.45"),
        "platform": Decimal("15.95"),
    }


def test_discount_redeem_and_release_are_called_at_the_right_moments(learner, course):
    with (
        mock.patch("commerce.services.checkout.discount_redeem") as redeem,
        mock.patch("commerce.services.payments.discount_release") as release,
    ):
        order_checkout(
            user=learner, items=[{"course": course.slug}], currency="USD", payment={"token": "tok_pending"}
        )
        assert redeem.call_count == 1
        assert release.call_count == 0
        OrderLine.objects.update(seat_hold_expires_at=timezone.now() - timedelta(minutes=1), seat="held")
        order_release_expired_holds()
        assert release.call_count == 1


def test_late_success_after_the_seat_was_resold_is_refunded(learner):
    session = LiveSessionFactory(capacity=1)
    item = [{"course": session.course.slug, "live_session": session.pk}]
    late = order_checkout(user=learner, items=item, currency="USD", payment={"token": "tok_pending"}).order
    OrderLine.objects.filter(order=late).update(seat_hold_expires_at=timezone.now() - timedelta(minutes=1))
    assert order_release_expired_holds() == 1
    order_checkout(
        user=UserFactory(username="quick"), items=item, currency="USD", payment={"token": "tok_success"}
    )

    body = json.dumps(
        {"id": "evt_late", "type": "payment.succeeded", "data": {"reference": late.payment_reference}}
    )
    with mock.patch("commerce.payments.sandbox.SandboxProvider.refund", wraps=None) as refund:
        result = payment_webhook_process(
            provider_name="sandbox", body=body.encode(), headers={SIGNATURE_HEADER: sign(body.encode())}
        )
        # the provider is asked after the webhook's transaction, through the outbox
        assert refund.call_count == 0
        outbox_drain()
        assert refund.call_count == 1

    assert result.outcome == "late_payment_refunded"
    assert refund.call_args.kwargs["idempotency_key"] == f"late-{late.number}"
    assert refund.call_args.kwargs["amount"] == Decimal("29.00")
    late.refresh_from_db()
    assert late.status == "cancelled"
    assert LiveSession.objects.get(pk=session.pk).seats_taken == 1
