"""The receipt of an order as a PDF (fpdf2), for every learner, in the order's language.

The same embedded CJK font as the certificates (``certificate_font_path``: WenQuanYi Micro
Hei from Debian's ``fonts-wqy-microhei``, or ``CERTIFICATE_FONT``), since an order can mix a
Japanese title with a Spanish learner's name. Amounts are written by ``core.money`` in the
order's language, as the e-mailed receipt writes them."""

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from commerce.models import Order
from core.money import format_money
from courses.learning.certificate_pdf import certificate_arabic_font_path, certificate_font_path

from .exceptions import ReceiptNotAvailable

_FAMILY = "receipt"
_FALLBACK = "receipt-fallback"
# WenQuanYi has no Arabic letters: they come from the certificates' Arabic fallback font
# (CERTIFICATE_ARABIC_FONT, Noto or DejaVu), shaped and ordered right to left by HarfBuzz.
RTL_LANGUAGES = frozenset({"ar"})
# Orders that took money at some point: refunded ones keep their receipt (with the refund).
RECEIPTED = (Order.Status.PAID, Order.Status.PARTIALLY_REFUNDED, Order.Status.REFUNDED)


def receipt_pdf(*, order: Order) -> bytes:
    """A one-page (or longer, for many lines) A4 receipt. ``order`` comes with its lines
    (``order_get`` prefetches them) and its user."""
    if order.status not in RECEIPTED:
        raise ReceiptNotAvailable()
    language = order.language or settings.LANGUAGE_CODE
    with translation.override(language):
        return _render(order, language)


def _render(order: Order, language: str) -> bytes:
    def money(amount) -> str:
        return format_money(amount, order.currency, language)

    # Right to left, the page is mirrored, not only the letters: the course column is on
    # the right, the amounts run leftwards from it, labels stand right of their values,
    # and every text is aligned to the right edge.
    rtl = language in RTL_LANGUAGES
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(_("Receipt"))
    pdf.set_author("Zhiqiao")
    pdf.set_creator("Zhiqiao")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(_FAMILY, fname=str(certificate_font_path()))
    fallback = certificate_arabic_font_path(required=rtl)
    if fallback is not None:
        pdf.add_font(_FALLBACK, fname=str(fallback))
        pdf.set_fallback_fonts([_FALLBACK])
    if rtl:
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    start = "R" if rtl else "L"  # where a line of text begins

    pdf.set_font(_FAMILY, size=16)
    pdf.set_text_color(47, 111, 143)
    pdf.cell(width, 9, _("Zhiqiao"), align=start, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(30, 30, 30)
    pdf.set_font(_FAMILY, size=22)
    pdf.cell(width, 12, _("Receipt"), align=start, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    pdf.set_font(_FAMILY, size=10)
    paid = order.paid_at or order.created_at
    user = order.user
    facts = [
        (_("Order"), str(order.number)),
        (_("Date paid"), formats.date_format(timezone.localtime(paid), "DATETIME_FORMAT")),
        (
            _("Billed to"),
            " · ".join(part for part in (user.get_full_name(), user.email) if part) or user.username,
        ),
        (_("Status"), order.get_status_display()),
    ]
    label_width = 38
    for label, value in facts:
        top = pdf.get_y()
        pdf.set_text_color(90, 90, 90)
        pdf.set_x(pdf.l_margin + (width - label_width if rtl else 0))
        pdf.cell(label_width, 6, label, align=start)
        pdf.set_text_color(30, 30, 30)
        pdf.set_xy(pdf.l_margin + (0 if rtl else label_width), top)
        pdf.multi_cell(width - label_width, 6, value, align=start, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    # (width, heading, alignment) in reading order: the course first, then the amounts.
    columns = [
        (width - 96, _("Course"), start),
        (32, _("Price"), "R"),
        (32, _("Discount"), "R"),
        (32, _("Line total"), "R"),
    ]
    if rtl:
        columns = [(column_width, heading, "R") for column_width, heading, _align in reversed(columns)]
    pdf.set_font(_FAMILY, size=10)
    pdf.set_fill_color(238, 242, 245)
    for column_width, heading, align in columns:
        pdf.cell(column_width, 8, heading, border="B", fill=True, align=align)
    pdf.ln(8)
    for line in order.lines.all():
        top = pdf.get_y()
        discount = f"−{money(line.discount)}" if line.discount else "—"
        values = [line.title, money(line.unit_price), discount, money(line.total)]
        title_index = 0
        if rtl:
            values.reverse()
            title_index = len(values) - 1
        bottom = top + 6
        x = pdf.l_margin
        for index, ((column_width, _heading, align), value) in enumerate(zip(columns, values, strict=True)):
            pdf.set_xy(x, top)
            if index == title_index:
                # The title may wrap: the row is as tall as its lines.
                pdf.multi_cell(column_width, 6, value, align=align, new_x="LMARGIN", new_y="NEXT")
                bottom = max(bottom, pdf.get_y())
            else:
                pdf.cell(column_width, 6, value, align=align)
            x += column_width
        pdf.set_y(bottom + 1)
    pdf.ln(2)

    def total_row(label: str, value: str, size: float = 10) -> None:
        pdf.set_font(_FAMILY, size=size)
        cells = [(width - 40, label), (40, value)]
        for cell_width, text in reversed(cells) if rtl else cells:
            pdf.cell(cell_width, 7, text, align="R")
        pdf.ln(7)

    total_row(_("Subtotal"), money(order.subtotal))
    if order.discount:
        label = (
            _("Discount (%(code)s)") % {"code": order.discount_code} if order.discount_code else _("Discount")
        )
        total_row(label, f"−{money(order.discount)}")
    total_row(_("Total"), money(order.total), size=12)
    if order.amount_refunded:
        total_row(_("Refunded"), f"−{money(order.amount_refunded)}")
        total_row(_("Net paid"), money(order.total - order.amount_refunded), size=12)
    pdf.ln(8)
    pdf.set_font(_FAMILY, size=8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        width,
        4.5,
        _("This receipt confirms your payment. It is not a tax invoice: request one from your order page."),
        align=start,
    )
    return bytes(pdf.output())
