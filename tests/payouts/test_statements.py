"""Monthly partner statements closed from the revenue-share ledger: balances that chain
month to month, lines per campaign, immutability, idempotence, and agreement with the
ledger to the cent."""

import random
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.db.models import Sum

from commerce.models import LedgerEntry
from payouts.models import PartnerPayout, PartnerStatement
from payouts.services import payout_record, statements_close_due
from tests.analytics.factories import at, campaign, partner
from tests.payouts.builders import earn, reverse_share

NOW = at(date(2026, 4, 10))


@pytest.mark.django_db
def test_months_close_in_order_with_balances_chained_and_lines_per_campaign():
    # given a bank with two campaigns earning in January and February, a refund in
    # February of a January order, and a payout in February
    bank = partner("bank")
    spring, autumn = campaign(bank, name="Spring 春"), campaign(bank, name="Autumn")
    january_sale = earn(bank, spring, "10.00", date(2026, 1, 5))
    earn(bank, autumn, "7.50", date(2026, 1, 31))
    earn(bank, spring, "4.25", date(2026, 2, 3))
    reverse_share(bank, january_sale, "3.00", date(2026, 2, 10))
    payout_record(
        partner=bank,
        currency="USD",
        amount=Decimal("12.00"),
        paid_on=date(2026, 2, 15),
        reference="TRX-1",
        now=NOW,
    )

    # when the months are closed in April
    written = statements_close_due(now=NOW)

    # then January, February and March (balance carried) each have a statement
    statements = {s.period_start: s for s in PartnerStatement.objects.filter(partner=bank)}
    assert written == 3
    january, february, march = (statements[date(2026, m, 1)] for m in (1, 2, 3))
    assert (january.opening_balance, january.earned, january.reversed, january.paid_out) == (
        Decimal("0"),
        Decimal("17.50"),
        Decimal("0"),
        Decimal("0"),
    )
    assert january.closing_balance == Decimal("17.50")
    assert (february.opening_balance, february.earned, february.reversed, february.paid_out) == (
        Decimal("17.50"),
        Decimal("4.25"),
        Decimal("-3.00"),
        Decimal("12.00"),
    )
    assert february.closing_balance == Decimal("6.75")
    assert (march.opening_balance, march.earned, march.closing_balance) == (
        Decimal("6.75"),
        Decimal("0"),
        Decimal("6.75"),
    )
    assert sorted((line.campaign_name, line.earned) for line in january.lines.all()) == [
        ("Autumn", Decimal("7.50")),
        ("Spring 春", Decimal("10.00")),
    ]
    assert [(line.campaign_name, line.earned, line.reversed) for line in february.lines.all()] == [
        ("Spring 春", Decimal("4.25"), Decimal("-3.00"))
    ]


@pytest.mark.django_db
def test_the_current_month_stays_open_and_a_rerun_writes_nothing():
    bank = partner("bank")
    earn(bank, campaign(bank), "5.00", date(2026, 3, 2))
    earn(bank, campaign(bank), "5.00", date(2026, 4, 2))

    first = statements_close_due(now=NOW)
    again = statements_close_due(now=NOW)

    assert (first, again) == (1, 0)
    assert list(PartnerStatement.objects.values_list("period_start", flat=True)) == [date(2026, 3, 1)]


@pytest.mark.django_db
def test_a_closed_statement_cannot_change():
    bank = partner("bank")
    earn(bank, campaign(bank), "5.00", date(2026, 3, 2))
    statements_close_due(now=NOW)
    statement = PartnerStatement.objects.get()

    statement.earned = Decimal("999")
    with pytest.raises(ValueError):
        statement.save()
    with pytest.raises(ValueError):
        statement.delete()
    with pytest.raises(ValueError):
        statement.lines.first().delete()
    statement.refresh_from_db()
    assert statement.earned == Decimal("5.00")


@pytest.mark.django_db
def test_partners_and_currencies_get_their_own_statements_and_the_platform_none():
    bank, museum = partner("bank"), partner("museum")
    earn(bank, campaign(bank), "5.00", date(2026, 3, 2))
    earn(bank, campaign(bank, currency="CNY"), "30.00", date(2026, 3, 2), currency="CNY")
    earn(museum, None, "2.00", date(2026, 3, 9))

    statements_close_due(now=NOW)

    rows = sorted(PartnerStatement.objects.values_list("partner__slug", "currency", "closing_balance"))
    assert rows == [
        ("bank", "CNY", Decimal("30.00")),
        ("bank", "USD", Decimal("5.00")),
        ("museum", "USD", Decimal("2.00")),
    ]
    museum_line = PartnerStatement.objects.get(partner=museum).lines.get()
    assert (museum_line.campaign_id, museum_line.campaign_name) == (None, "")


@pytest.mark.django_db
def test_statements_agree_with_the_ledger_to_the_cent_over_random_history():
    # given three partners, random sales, refunds and payouts over five months
    rng = random.Random(20261206)
    partners = [partner(f"p{i}") for i in range(3)]
    campaigns = {p.pk: [campaign(p), campaign(p)] for p in partners}
    for _ in range(60):
        who = rng.choice(partners)
        day = (
            date(2025, rng.randint(11, 12), rng.randint(1, 28))
            if rng.random() < 0.4
            else date(2026, rng.randint(1, 3), rng.randint(1, 28))
        )
        sale = earn(who, rng.choice(campaigns[who.pk]), f"{rng.randint(1, 5000) / 100:.2f}", day)
        if rng.random() < 0.3:
            later = date(2026, rng.randint(max(day.month if day.year == 2026 else 1, 1), 3), 28)
            reverse_share(who, sale, f"{sale[1].amount * Decimal('0.5'):.2f}", later)
    statements_close_due(now=at(date(2026, 2, 1)))  # close up to January first
    for who in partners:
        owed = LedgerEntry.objects.filter(party=f"partner:{who.pk}", created_at__lt=at(date(2026, 2, 1), 0))
        balance = owed.aggregate(total=Sum("amount"))["total"] or Decimal("0")
        if balance > 1:
            payout_record(
                partner=who,
                currency="USD",
                amount=(balance / 2).quantize(Decimal("0.01")),
                paid_on=date(2026, 2, 20),
                reference=f"T-{who.pk}",
                now=at(date(2026, 2, 21)),
            )

    # when the rest closes in April
    statements_close_due(now=NOW)

    # then for every partner the statements add up to the ledger and the payouts exactly
    for who in partners:
        statements = PartnerStatement.objects.filter(partner=who).order_by("period_start")
        ledger_total = LedgerEntry.objects.filter(
            party=f"partner:{who.pk}", created_at__lt=at(date(2026, 4, 1), 0)
        ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
        paid = PartnerPayout.objects.filter(partner=who).aggregate(total=Sum("amount"))["total"] or Decimal(
            "0"
        )
        assert sum(s.earned + s.reversed for s in statements) == ledger_total
        assert statements.last().closing_balance == ledger_total - paid
        previous = Decimal("0")
        for statement in statements:
            assert statement.opening_balance == previous
            lines = list(statement.lines.all())
            assert sum(line.earned for line in lines) == statement.earned
            assert sum(line.reversed for line in lines) == statement.reversed
            previous = statement.closing_balance


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_closers_at_once_close_each_month_once():
    bank = partner("bank")
    earn(bank, campaign(bank), "5.00", date(2026, 2, 2))
    earn(bank, campaign(bank), "6.00", date(2026, 3, 2))
    barrier, written, errors = threading.Barrier(4), [], []

    def close() -> None:
        try:
            barrier.wait()
            written.append(statements_close_due(now=NOW))
        except Exception as exc:  # every failure is reported, not only the first
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(written) == [0, 0, 0, 2]
    assert PartnerStatement.objects.count() == 2
