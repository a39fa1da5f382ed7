"""Reads the portal's customer CSV into the entries partner_customers_upsert takes.
Only the file's shape is checked here; the rules (consent, raw contact data) stay in the service."""

import csv
import io

from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError

COLUMNS = ("external_id", "interests", "country", "language", "consent")
REQUIRED_COLUMNS = ("external_id", "consent")
MAX_BYTES = 2 * 1024 * 1024
TRUE_WORDS = {"true", "1", "yes", "y"}


def customer_csv_parse(uploaded) -> list[dict]:
    """Columns ``external_id, interests (semicolon separated), country, language, consent``.
    Raises ApplicationError ``invalid_csv`` for a file that is not such a table."""
    if uploaded.size > MAX_BYTES:
        raise ApplicationError(_("The file is larger than 2 MB."), code="invalid_csv")
    try:
        text = uploaded.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationError(_("The file must be UTF-8 encoded CSV."), code="invalid_csv") from exc
    if "\x00" in text:
        # PostgreSQL refuses NUL in text; no CSV written by a spreadsheet contains one.
        raise ApplicationError(
            _("The file contains a NUL character, which is not allowed."), code="invalid_csv"
        )
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ApplicationError(
            _("Missing columns: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)},
            code="invalid_csv",
        )
    reader.fieldnames = header
    entries = []
    try:
        for row in reader:
            interests = [slug.strip() for slug in (row.get("interests") or "").split(";") if slug.strip()]
            entries.append(
                {
                    "external_id": (row.get("external_id") or "").strip(),
                    "interests": interests,
                    "country": (row.get("country") or "").strip(),
                    "language": (row.get("language") or "").strip(),
                    "consent": (row.get("consent") or "").strip().lower() in TRUE_WORDS,
                }
            )
    except csv.Error as exc:
        raise ApplicationError(_("The file is not valid CSV."), code="invalid_csv") from exc
    if not entries:
        raise ApplicationError(_("The file has no customers."), code="invalid_csv")
    return entries
