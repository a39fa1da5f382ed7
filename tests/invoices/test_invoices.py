"""Invoice requests: one per paid order (even under a race), refunded orders refused, the
tax number checked, issued invoices frozen, the mail sent through the outbox after the
commit with the PDF attached."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse

from commerce.exceptions import OrderNotFound
from commerce.models import Order
from commerce.services import order_refund
from core.models import OutboxMessage
from core.money import format_money
from core.outbox import outbox_drain
from invoices.exceptions import (
    InvalidInvoicePdf,
    InvalidTaxNumber,
    InvoiceExists,
    InvoiceIssued,
    OrderNotInvoiceable,
    OrderRefunded,
    TaxNumberRequired,
)
from invoices.models import Invoice
from invoices.services import invoice_issue, invoice_request, invoice_update, tax_number_clean
from tests.commerce.concurrency import run_together
from tests.factories import UserFactory

from .conftest import VALID_USCC, pdf_upload

pytestmark = pytest.mark.django_db


def _company(order, user, **changes):
    data = {
        "user": user,
        "order_number": order.number,
        "title_kind": "company",
        "title": "北京知桥科技有限公司",
        "tax_number": VALID_USCC,
        "email": "finance@example.com",
    }
    return invoice_request(**{**data, **changes})


# --- The unified social credit code ---------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (VALID_USCC, VALID_USCC),
        ("9111 0000 6000 3734 1l", VALID_USCC),  # spaces and a lower-case check character
        ("91350100M000100Y43", "91350100M000100Y43"),
    ],
)
def test_a_valid_code_is_accepted_in_its_compact_form(value, expected):
    assert tax_number_clean(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "91110000600037341M",  # wrong check character
        "91110000600037341",  # 17 characters
        "911100006000373411L",  # 19 characters
        "9111000060003734IL",  # I is not in the alphabet
        "",
        "abcdefghijklmnopqr",
    ],
)
def test_a_wrong_code_is_refused(value):
    with pytest.raises(InvalidTaxNumber):
        tax_number_clean(value)


# --- Requests -------------------------------------------------------------------------------


def test_a_company_invoice_is_requested_for_the_amount_paid(paid_order, learner):
    invoice = _company(paid_order, learner, tax_number="9111 0000 6000 3734 1l")
    assert (invoice.status, invoice.tax_number, invoice.amount, invoice.currency) == (
        "requested",
        VALID_USCC,
        paid_order.total,
        "CNY",
    )


def test_a_personal_invoice_needs_no_code_and_keeps_none(paid_order, learner):
    invoice = _company(paid_order, learner, title_kind="personal", title="Ana Núñez", tax_number="whatever")
    assert (invoice.title_kind, invoice.tax_number) == ("personal", "")


def test_a_company_invoice_without_or_with_a_bad_code_is_refused_and_changes_nothing(paid_order, learner):
    with pytest.raises(TaxNumberRequired):
        _company(paid_order, learner, tax_number="  ")
    with pytest.raises(InvalidTaxNumber):
        _company(paid_order, learner, tax_number="91110000600037341M")
    assert Invoice.objects.count() == 0


def test_one_invoice_per_order(paid_order, learner):
    _company(paid_order, learner)
    with pytest.raises(InvoiceExists):
        _company(paid_order, learner, title="Another title")
    assert Invoice.objects.get().title == "北京知桥科技有限公司"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_make_one_invoice(learner):
    from commerce.services import order_checkout
    from tests.factories import CourseFactory

    course = CourseFactory(slug="race-course")
    order = order_checkout(
        user=learner,
        items=[{"course": course.slug}],
        currency="CNY",
        payment={"provider": "sandbox", "token": "tok_success"},
        idempotency_key=None,
    ).order
    results = run_together(2, lambda i: _company(order, learner, title=f"Title {i}"))
    created = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, InvoiceExists)]
    assert (len(created), len(refused)) == (1, 1), results
    assert Invoice.objects.filter(order=order).count() == 1


def test_refunded_and_unpaid_orders_cannot_request(paid_order, learner):
    order_refund(order=paid_order, amount=None, reason="changed mind", staff_user=None)
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    with pytest.raises(OrderRefunded):
        _company(paid_order, learner)
    Order.objects.filter(pk=paid_order.pk).update(status=Order.Status.PENDING)
    with pytest.raises(OrderNotInvoiceable):
        _company(paid_order, learner)
    assert Invoice.objects.count() == 0


def test_another_learners_order_is_not_found(paid_order):
    with pytest.raises(OrderNotFound):
        _company(paid_order, UserFactory())
    assert Invoice.objects.count() == 0


def test_a_request_can_be_corrected_until_it_is_issued(paid_order, learner):
    _company(paid_order, learner)
    invoice_update(
        user=learner,
        order_number=paid_order.number,
        title_kind="personal",
        title="Ana",
        tax_number="",
        email="ana@example.com",
    )
    invoice = Invoice.objects.get()
    assert (invoice.title_kind, invoice.title, invoice.email) == ("personal", "Ana", "ana@example.com")
    staff = UserFactory(is_staff=True)
    invoice_issue(invoice_id=invoice.pk, pdf=pdf_upload(), invoice_number="0123", staff_user=staff)
    with pytest.raises(InvoiceIssued):
        invoice_update(
            user=learner,
            order_number=paid_order.number,
            title_kind="personal",
            title="Bob",
            email="b@example.com",
        )
    with pytest.raises(InvoiceIssued):
        invoice_issue(invoice_id=invoice.pk, pdf=pdf_upload(), invoice_number="999", staff_user=staff)
    invoice.refresh_from_db()
    assert (invoice.title, invoice.invoice_number) == ("Ana", "0123")


# --- Issuing and the mail ------------------------------------------------------------------


@pytest.mark.parametrize(
    "upload",
    [pdf_upload(content=b"GIF89a not a pdf"), pdf_upload(content=b""), None],
    ids=["gif", "empty", "none"],
)
def test_only_a_pdf_can_be_attached(paid_order, learner, upload):
    invoice = _company(paid_order, learner)
    with pytest.raises(InvalidInvoicePdf):
        invoice_issue(invoice_id=invoice.pk, pdf=upload, staff_user=None)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.pdf.name) == ("requested", "")


def test_issuing_mails_the_pdf_after_the_commit_once(paid_order, learner):
    invoice = _company(paid_order, learner)
    outbox_drain()  # the checkout's receipt
    mail.outbox.clear()
    staff = UserFactory(is_staff=True)
    with transaction.atomic():
        invoice_issue(invoice_id=invoice.pk, pdf=pdf_upload(), invoice_number="04400000", staff_user=staff)
        # Inside the transaction nothing is sent: the mail is an outbox row.
        assert mail.outbox == []
        assert OutboxMessage.objects.filter(topic="invoices.issued_mail").count() == 1
    outbox_drain()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["finance@example.com", "learner@example.com"]
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"invoice-{str(paid_order.number)[:8]}.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")
    invoice.refresh_from_db()
    assert invoice.emailed_at is not None and invoice.issued_by == staff
    # A redelivery of the same message (at least once) sends nothing more.
    from invoices.services import invoice_send_issued

    assert invoice_send_issued(invoice_id=invoice.pk) is False
    assert len(mail.outbox) == 1


def test_the_mail_is_in_the_orders_language(paid_order, learner):
    Order.objects.filter(pk=paid_order.pk).update(language="ja")
    invoice = _company(paid_order, learner)
    outbox_drain()  # the checkout's receipt
    mail.outbox.clear()
    with transaction.atomic():
        invoice_issue(invoice_id=invoice.pk, pdf=pdf_upload(), staff_user=None)
    outbox_drain()
    assert "請求書" in mail.outbox[0].subject
    assert format_money(paid_order.total, "CNY", "ja") in mail.outbox[0].body


# --- Pages ----------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_learner_requests_on_the_web_and_sees_it_on_the_order_page(paid_order, learner):
    client = _client(learner)
    url = reverse("invoices:invoice", args=[paid_order.number])
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"title_kind": "company", "title": "Co", "tax_number": "123", "email": "a@example.com"}
    )
    assert bad.status_code == 400 and Invoice.objects.count() == 0
    assert "unified social credit code" in bad.content.decode()
    good = client.post(
        url, {"title_kind": "company", "title": "Co", "tax_number": VALID_USCC, "email": "a@example.com"}
    )
    assert good.status_code == 302 and Invoice.objects.get().title == "Co"
    order_page = client.get(reverse("commerce:order_detail", args=[paid_order.number])).content.decode()
    assert 'data-testid="invoice-status"' in order_page
    assert reverse("invoices:receipt_pdf", args=[paid_order.number]) in order_page


def test_the_issued_invoice_is_downloaded_by_its_owner_only(paid_order, learner):
    invoice = _company(paid_order, learner)
    url = reverse("invoices:invoice_pdf", args=[paid_order.number])
    assert _client(learner).get(url).status_code == 404  # not issued yet
    invoice_issue(invoice_id=invoice.pk, pdf=pdf_upload(), staff_user=None)
    response = _client(learner).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert _client(UserFactory()).get(url).status_code == 404
    page = _client(learner).get(reverse("commerce:order_detail", args=[paid_order.number])).content.decode()
    assert 'data-testid="invoice-pdf"' in page
    # Posting to an issued invoice changes nothing.
    _client(learner).post(
        reverse("invoices:invoice", args=[paid_order.number]),
        {"title_kind": "personal", "title": "X", "email": "x@example.com"},
    )
    assert Invoice.objects.get().title == "北京知桥科技有限公司"


def test_staff_issue_from_the_admin_queue(paid_order, learner):
    invoice = _company(paid_order, learner)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = _client(admin)
    queue = client.get(reverse("admin:invoices_invoice_changelist")).content.decode()
    assert "北京知桥科技有限公司" in queue
    url = reverse("admin:invoices_invoice_issue", args=[invoice.pk])
    refused = client.post(url, {"invoice_number": "1", "pdf": pdf_upload(content=b"not a pdf")})
    assert refused.status_code == 400
    done = client.post(url, {"invoice_number": "04400001", "pdf": pdf_upload()})
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.invoice_number) == ("issued", "04400001")
    assert invoice.pdf.name.startswith("invoices/") and "fapiao" not in invoice.pdf.name
    # Issued: it leaves the queue, and the admin cannot change or delete it.
    assert (
        "北京知桥科技有限公司"
        not in client.get(reverse("admin:invoices_invoice_changelist")).content.decode()
    )
    change = client.post(reverse("admin:invoices_invoice_change", args=[invoice.pk]), {"title": "Changed"})
    assert change.status_code in (302, 403)
    invoice.refresh_from_db()
    assert invoice.title == "北京知桥科技有限公司"
    assert (
        client.post(reverse("admin:invoices_invoice_delete", args=[invoice.pk]), {"post": "yes"}).status_code
        == 403
    )
