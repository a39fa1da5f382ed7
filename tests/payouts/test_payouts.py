"""Recording payouts: refused with a clear code when they would overdraw the balance,
repeat a transfer, fall in a closed month or in the future; two staff members paying
the same balance at once cannot both succeed."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import close_old_connections
from django.urls import reverse

from payouts.models import PartnerPayout
from payouts.services import partner_balance, payout_record, statements_close_due
from tests.analytics.factories import at, campaign, partner
from tests.factories import UserFactory
from tests.payouts.builders import earn

NOW = at(date(2026, 4, 10))


def _pay(who, amount: str, *, paid_on=date(2026, 4, 5), reference="TRX-1", currency="USD"):
    return payout_record(
        partner=who, currency=currency, amount=Decimal(amount), paid_on=paid_on, reference=reference, now=NOW
    )


@pytest.fixture
def bank(db):
    bank = partner("bank")
    earn(bank, campaign(bank), "50.00", date(2026, 3, 2))
    return bank


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "paid_on", "code"),
    [
        ("50.01", date(2026, 4, 5), "payout_exceeds_balance"),
        ("0", date(2026, 4, 5), "payout_invalid"),
        ("-5", date(2026, 4, 5), "payout_invalid"),
        ("1.005", date(2026, 4, 5), "payout_invalid"),
        ("10", date(2026, 4, 11), "payout_invalid"),
    ],
)
def test_bad_payouts_are_refused_and_write_nothing(bank, amount, paid_on, code):
    with pytest.raises(Exception) as refused:
        _pay(bank, amount, paid_on=paid_on)

    assert refused.value.code == code
    assert not PartnerPayout.objects.exists()


@pytest.mark.django_db
def test_a_transfer_is_recorded_once_and_lowers_the_balance(bank):
    _pay(bank, "20.00")

    with pytest.raises(Exception) as again:
        _pay(bank, "5.00")

    assert again.value.code == "payout_duplicate"
    assert partner_balance(partner_id=bank.pk, currency="USD") == Decimal("30.00")


@pytest.mark.django_db
def test_a_payout_cannot_be_dated_in_a_closed_month(bank):
    statements_close_due(now=NOW)  # closes March

    with pytest.raises(Exception) as refused:
        _pay(bank, "5.00", paid_on=date(2026, 3, 30))

    assert refused.value.code == "payout_month_closed"
    assert _pay(bank, "5.00", paid_on=date(2026, 4, 1)).amount == Decimal("5.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payouts_of_most_of_the_balance_at_once_cannot_both_pass():
    bank = partner("bank")
    earn(bank, campaign(bank), "50.00", date(2026, 3, 2))
    barrier, results = threading.Barrier(2), []

    def pay(reference: str) -> None:
        try:
            barrier.wait()
            _pay(bank, "30.00", reference=reference)
            results.append("paid")
        except Exception as exc:  # the refusal is the expected outcome for one of them
            results.append(getattr(exc, "code", repr(exc)))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=pay, args=(f"T-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["paid", "payout_exceeds_balance"]
    assert partner_balance(partner_id=bank.pk, currency="USD") == Decimal("20.00")


@pytest.mark.django_db
def test_staff_record_a_payout_in_the_admin_and_see_refusals_beside_the_form(client, bank):
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    client.force_login(staff)
    url = reverse("admin:payouts_partnerpayout_add")
    form = {
        "partner": bank.pk,
        "currency": "USD",
        "paid_on": "2026-04-05",
        "reference": "BANK-77",
        "note": "",
    }

    too_much = client.post(url, {**form, "amount": "80.00"})
    fine = client.post(url, {**form, "amount": "20.00"})

    assert too_much.status_code == 200  # the form again, with the reason
    assert "50.00" in too_much.content.decode()
    assert fine.status_code == 302
    payout = PartnerPayout.objects.get()
    assert (payout.amount, payout.reference, payout.recorded_by) == (Decimal("20.00"), "BANK-77", staff)
