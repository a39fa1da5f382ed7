"""Statements where partners see them: the partner API (scoped, fixed query count) and
the portal (pages, CSV with a byte-order mark, XLSX)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from partners.models import ApiKey
from partners.services import api_key_issue
from payouts.models import PartnerStatement
from payouts.services import statements_close_due
from tests.analytics.factories import at, campaign, member, partner
from tests.payouts.builders import earn

NOW = at(date(2026, 4, 10))


@pytest.fixture
def closed(db):
    """The bank's and the museum's March statements."""
    bank, museum = partner("bank"), partner("museum")
    earn(bank, campaign(bank, name="信用卡 Spring"), "12.34", date(2026, 3, 2))
    earn(museum, campaign(museum), "1.00", date(2026, 3, 2))
    statements_close_due(now=NOW)
    return bank, museum


def _key(who, scopes=(ApiKey.Scope.READ_STATEMENTS,)) -> str:
    return api_key_issue(partner=who, name="k", scopes=list(scopes), created_by=None)[1]


@pytest.mark.django_db
def test_api_lists_only_the_keys_partner_statements_with_lines(api_client, closed):
    bank, museum = closed
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(bank)}")

    body = api_client.get(reverse("partner_api:statement_list")).json()
    museum_statement = PartnerStatement.objects.get(partner=museum)
    foreign = api_client.get(reverse("partner_api:statement_detail", kwargs={"pk": museum_statement.pk}))

    assert [row["closing_balance"] for row in body["results"]] == ["12.34"]
    assert body["results"][0]["lines"][0]["campaign_name"] == "信用卡 Spring"
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "statement_not_found"


@pytest.mark.django_db
def test_api_needs_the_statements_scope(api_client, closed):
    bank, _museum = closed
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(bank, scopes=[ApiKey.Scope.READ_METRICS])}")

    response = api_client.get(reverse("partner_api:statement_list"))

    assert response.status_code == 403


@pytest.mark.django_db
def test_api_balance_counts_the_open_month(api_client, closed):
    bank, _museum = closed
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(bank)}")

    body = api_client.get(reverse("partner_api:balance")).json()

    assert body == [{"currency": "USD", "balance": "12.34", "this_month": "0.00", "paid_out": "0.00"}]


@pytest.mark.django_db
@pytest.mark.parametrize("months", [1, 4])
def test_api_statement_list_costs_a_fixed_number_of_queries(api_client, django_assert_num_queries, months):
    bank = partner("bank")
    for month in range(1, months + 1):
        earn(bank, campaign(bank), "1.00", date(2026, month, 3))
    statements_close_due(now=at(date(2026, 6, 1)))
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {_key(bank)}")

    # key lookup, its last-use stamp, count, page, lines
    with django_assert_num_queries(5):
        response = api_client.get(reverse("partner_api:statement_list"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_portal_pages_and_downloads(client, closed):
    bank, museum = closed
    client.force_login(member(bank, "bank-owner"))
    statement = PartnerStatement.objects.get(partner=bank)

    listing = client.get(reverse("portal:statement_list"))
    detail = client.get(reverse("portal:statement_detail", kwargs={"pk": statement.pk}))
    as_csv = client.get(reverse("portal:statement_csv", kwargs={"pk": statement.pk}))
    as_xlsx = client.get(reverse("portal:statement_xlsx", kwargs={"pk": statement.pk}))
    foreign = client.get(
        reverse("portal:statement_detail", kwargs={"pk": PartnerStatement.objects.get(partner=museum).pk})
    )

    assert listing.status_code == 200 and "12.34" in listing.content.decode()
    assert detail.status_code == 200 and "信用卡 Spring" in detail.content.decode()
    assert as_csv.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert ["信用卡 Spring", "12.34", "0.00", "12.34"] in rows
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["信用卡 Spring", 12.34, 0, 12.34] in [
        [v if not isinstance(v, Decimal) else float(v) for v in row] for row in values
    ]
    assert foreign.status_code == 404


@pytest.mark.django_db
def test_the_nightly_task_closes_every_month_up_to_the_current_one(closed):
    from django.utils import timezone

    from payouts.tasks import close_statements

    today = timezone.now().date()
    open_months = (today.year - 2026) * 12 + today.month - 4  # April 2026 .. last month

    # both partners carry a balance, so each closed month gets a statement for each
    assert close_statements() == 2 * open_months
    assert close_statements() == 0
