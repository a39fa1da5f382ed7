"""A statement as CSV (UTF-8 with a byte-order mark, so Excel shows Chinese and Japanese
campaign names) and as XLSX (openpyxl). Both hold the same rows: the summary, then one
row per campaign."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.cldr import format_date

from .models import PartnerStatement


def statement_rows(statement: PartnerStatement) -> list[list]:
    rows = [
        [_("Partner"), statement.partner.name],
        # The period is read by a person; the amounts stay numbers for the spreadsheet's sums.
        [_("Period"), f"{format_date(statement.period_start)} – {format_date(statement.period_end)}"],
        [_("Currency"), statement.currency],
        [_("Opening balance"), statement.opening_balance],
        [_("Earned"), statement.earned],
        [_("Reversed by refunds"), statement.reversed],
        [_("Paid out"), statement.paid_out],
        [_("Closing balance"), statement.closing_balance],
        [],
        [_("Campaign"), _("Earned"), _("Reversed by refunds"), _("Net")],
    ]
    for line in statement.lines.all():
        name = line.campaign_name or _("No campaign")
        rows.append([name, line.earned, line.reversed, line.earned + line.reversed])
    return rows


def statement_csv(statement: PartnerStatement) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in statement_rows(statement):
        writer.writerow([str(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statement_xlsx(statement: PartnerStatement) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{statement.period_start:%Y-%m} {statement.currency}"
    for row in statement_rows(statement):
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            if cell.data_type == "n":
                cell.number_format = "#,##0" if statement.currency == "JPY" else "#,##0.00"
    sheet.column_dimensions["A"].width = 32
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def statement_filename(statement: PartnerStatement, extension: str) -> str:
    return (
        f"statement-{statement.partner.slug}-{statement.period_start:%Y-%m}-{statement.currency}.{extension}"
    )
