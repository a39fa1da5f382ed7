"""The invoice endpoints of the storefront API and the receipt PDF."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from commerce.models import Order
from invoices.models import Invoice
from tests.factories import UserFactory

from .conftest import VALID_USCC

pytestmark = pytest.mark.django_db

BODY = {"title_kind": "company", "title": "知桥科技", "tax_number": VALID_USCC, "email": "f@example.com"}


def _api(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def test_request_read_and_second_request(api_client, paid_order, learner):
    client = _api(api_client, learner)
    url = f"/api/v1/orders/{paid_order.number}/invoice/"
    assert client.get(url).json()["code"] == "invoice_not_found"
    created = client.post(url, BODY, format="json")
    assert created.status_code == 201
    assert created.json() | {"created_at": None} == {
        "order": str(paid_order.number),
        "status": "requested",
        "title_kind": "company",
        "title": "知桥科技",
        "tax_number": VALID_USCC,
        "email": "f@example.com",
        "amount": str(paid_order.total),
        "currency": "CNY",
        "invoice_number": "",
        "issued_at": None,
        "reversal_flagged_at": None,
        "reversed_at": None,
        "cancelled_at": None,
        "pdf_url": None,
        "created_at": None,
    }
    again = client.post(url, {**BODY, "title": "Other"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "invoice_exists")
    assert client.get(url).json()["title"] == "知桥科技"


def test_bad_input_is_a_clear_error_in_the_callers_language(api_client, paid_order, learner):
    client = _api(api_client, learner)
    url = f"/api/v1/orders/{paid_order.number}/invoice/?lang=zh-hans"
    bad = client.post(url, {**BODY, "tax_number": "91110000600037341M"}, format="json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_tax_number")
    assert "统一社会信用代码" in bad.json()["detail"]
    assert client.post(url, {**BODY, "email": "nope"}, format="json").status_code == 400
    assert client.post(url, ["x"], format="json").status_code == 400
    assert Invoice.objects.count() == 0


def test_refunded_order_answers_409(api_client, paid_order, learner):
    Order.objects.filter(pk=paid_order.pk).update(
        status=Order.Status.REFUNDED, amount_refunded=paid_order.total
    )
    response = _api(api_client, learner).post(
        f"/api/v1/orders/{paid_order.number}/invoice/", BODY, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "order_refunded")


@pytest.mark.parametrize("who", ["anonymous", "other"])
def test_others_get_nothing_and_change_nothing(api_client, paid_order, who):
    if who == "other":
        api_client.force_authenticate(UserFactory())
    url = f"/api/v1/orders/{paid_order.number}/invoice/"
    assert api_client.post(url, BODY, format="json").status_code in (401, 403, 404)
    assert api_client.get(f"/api/v1/orders/{paid_order.number}/receipt.pdf").status_code in (401, 403, 404)
    assert Invoice.objects.count() == 0


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", ["Receipt", "Gongfu tea", "CN¥"]),
        ("zh-hans", ["收据", "工夫茶", "¥"]),
        ("ja", ["領収書", "工夫茶", "元"]),
        ("es", ["Recibo", "Té gongfu", "CNY"]),
        # Shaped right to left: the text comes back in visual order, so the words, not the
        # money string as CLDR writes it (which begins with a right-to-left mark).
        ("ar", ["الإيصال", "الإجمالي", "199.00"]),
    ],
)
def test_the_receipt_pdf_is_in_the_orders_language(api_client, paid_order, learner, language, expected):
    Order.objects.filter(pk=paid_order.pk).update(language=language)
    response = _api(api_client, learner).get(f"/api/v1/orders/{paid_order.number}/receipt.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text = _text(response.content)
    from core.money import format_money

    total = format_money(paid_order.total, "CNY", language)
    needles = expected if language == "ar" else [*expected, total.replace("\xa0", " ")]
    for needle in needles:
        assert needle in text.replace("\xa0", " "), (needle, text)


def test_the_receipt_web_download_and_unpaid_orders(paid_order, learner):
    client = Client()
    client.force_login(learner)
    url = reverse("invoices:receipt_pdf", args=[paid_order.number])
    assert client.get(url).content.startswith(b"%PDF-")
    Order.objects.filter(pk=paid_order.pk).update(status=Order.Status.PENDING)
    assert client.get(url).status_code == 404
    api = Client()
    api.force_login(learner)
    response = api.get(f"/api/v1/orders/{paid_order.number}/receipt.pdf")
    assert (response.status_code, response.json()["code"]) == (409, "receipt_not_available")


def _row_positions(pdf: bytes, title: str, amount: str) -> tuple[float, list[float]]:
    """The x of the course title and of the amounts on the title's row, as drawn."""
    pieces: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            pieces.append((text, cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    title_x, title_y = next((x, y) for text, x, y in pieces if title in text)
    amounts = [x for text, x, y in pieces if amount in text and abs(y - title_y) < 1]
    return title_x, amounts


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_receipt_table_runs_in_the_languages_direction(api_client, paid_order, learner, language):
    Order.objects.filter(pk=paid_order.pk).update(language=language)
    response = _api(api_client, learner).get(f"/api/v1/orders/{paid_order.number}/receipt.pdf")

    title_x, amounts = _row_positions(response.content, "Gongfu tea", "199.00")

    # the price and the line total of the row; the course title leads: on the left in
    # English, on the right in Arabic (the columns are mirrored)
    assert len(amounts) == 2, amounts
    if language == "ar":
        assert title_x > max(amounts) and title_x > 297  # the right half of the A4 page (595 pt)
    else:
        assert title_x < min(amounts) and title_x < 297
