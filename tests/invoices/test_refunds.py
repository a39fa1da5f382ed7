"""A refund after the invoice: an issued invoice needs a red-letter reversal (红冲), full
or partial refund alike (staff queue, the learner's order page, a mail through the outbox,
once); a request not issued yet is cancelled by a full refund and follows a partial one."""

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from commerce.services import order_refund
from core.models import OutboxMessage
from core.outbox import outbox_drain
from invoices.exceptions import OrderRefunded
from invoices.services import invoice_issue, invoice_request, invoice_update
from tests.factories import UserFactory

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _request(order, user):
    return invoice_request(
        user=user, order_number=order.number, title_kind="personal", title="王小明", email="wang@example.com"
    )


def _issued(order, user):
    invoice = _request(order, user)
    invoice_issue(invoice_id=invoice.pk, pdf=pdf_upload(), invoice_number="0001", staff_user=None)
    outbox_drain()
    mail.outbox.clear()
    return invoice


def _refund(order, amount=None):
    return order_refund(order=order, amount=amount, reason="changed mind", staff_user=None)


@pytest.mark.parametrize("amount", [None, "10.00"], ids=["full", "partial"])
def test_a_refund_after_issuing_flags_the_invoice_for_a_red_letter_reversal(paid_order, learner, amount):
    invoice = _issued(paid_order, learner)
    paid_order.language = "zh-hans"
    paid_order.save(update_fields=["language"])

    _refund(paid_order, amount)

    invoice.refresh_from_db()
    assert invoice.status == "reversal_needed"
    assert invoice.reversal_flagged_at is not None
    assert invoice.pdf  # the issued document is kept
    notice = OutboxMessage.objects.get(dedupe_key=f"invoices.reversal_mail:{invoice.pk}")
    assert notice.payload == {"invoice_id": invoice.pk}
    outbox_drain()
    notices = [m for m in mail.outbox if "发票" in m.subject]  # the refund has its own mail
    assert len(notices) == 1
    sent = notices[0]
    assert sent.subject == f"您订单 {str(paid_order.number)[:8]} 的发票将被红冲"
    assert sorted(sent.to) == ["learner@example.com", "wang@example.com"]
    # a second refund changes nothing more and tells nobody twice
    if amount is not None:
        _refund(paid_order, "1.00")
        outbox_drain()
        assert len([m for m in mail.outbox if "发票" in m.subject]) == 1
        assert OutboxMessage.objects.filter(dedupe_key__startswith="invoices.reversal_mail").count() == 1


def test_staff_find_it_in_the_queue_and_mark_it_reversed(paid_order, learner):
    invoice = _issued(paid_order, learner)
    _refund(paid_order)
    staff = UserFactory(username="finance", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)

    queue = client.get("/admin/invoices/invoice/", {"status__exact": "reversal_needed"})
    waiting = client.get("/admin/invoices/invoice/")  # the default queue: requests to issue

    assert str(paid_order.number)[:8] in queue.content.decode()
    assert "Needs a red-letter reversal" in queue.content.decode()
    assert str(paid_order.number)[:8] not in waiting.content.decode()

    # from the filtered queue, as staff do after the red-letter invoice is issued
    client.post(
        "/admin/invoices/invoice/?status__exact=reversal_needed",
        {"action": "mark_reversed", "_selected_action": [invoice.pk]},
    )

    invoice.refresh_from_db()
    assert (invoice.status, invoice.reversed_by) == ("reversed", staff)


def test_the_learner_sees_the_state_on_the_order_page(paid_order, learner):
    _issued(paid_order, learner)
    _refund(paid_order, "10.00")
    client = Client()
    client.force_login(learner)

    order_page = client.get(f"/ja/orders/{paid_order.number}/").content.decode()
    invoice_page = client.get(f"/en/orders/{paid_order.number}/invoice/").content.decode()

    assert 'data-status="reversal_needed"' in order_page
    assert "赤伝" in order_page
    assert "will be reversed with a red-letter invoice" in invoice_page
    assert 'data-testid="invoice-pdf"' not in invoice_page


def test_a_full_refund_cancels_a_request_not_issued_yet(paid_order, learner):
    invoice = _request(paid_order, learner)

    _refund(paid_order)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.cancelled_at is not None) == ("cancelled", True)
    assert not OutboxMessage.objects.filter(dedupe_key__startswith="invoices.reversal_mail").exists()
    with pytest.raises(OrderRefunded):
        invoice_update(
            user=learner,
            order_number=paid_order.number,
            title_kind="personal",
            title="x",
            email="x@example.com",
        )
    with pytest.raises(OrderRefunded):
        invoice_issue(invoice_id=invoice.pk, pdf=pdf_upload(), staff_user=None)
    client = Client()
    client.force_login(learner)
    assert 'data-status="cancelled"' in client.get(f"/en/orders/{paid_order.number}/").content.decode()


def test_a_partial_refund_lowers_a_request_to_what_is_left_paid(paid_order, learner):
    invoice = _request(paid_order, learner)
    paid = invoice.amount

    _refund(paid_order, "10.00")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount) == ("requested", paid - Decimal("10.00"))
