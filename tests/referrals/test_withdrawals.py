"""Withdrawals: asked for from the available balance, approved by staff in the admin with a
payout statement, and never overdrawn by two requests at once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from referrals.exceptions import WithdrawalExceedsBalance, WithdrawalInvalid, WithdrawalNotRequested
from referrals.models import Commission, PayoutStatement, Withdrawal
from referrals.selectors import earnings_for
from referrals.services import (
    commissions_release_due,
    withdrawal_approve,
    withdrawal_reject,
    withdrawal_request,
)
from tests.commerce.concurrency import run_together
from tests.factories import UserFactory

from .conftest import BUYER_DEVICE


@pytest.fixture
def earned(course, make_referrer, visit, buy):
    """alice with 19.90 CNY available and 19.90 CNY pending."""
    alice = make_referrer("alice")
    visit(alice, course=course)
    buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    Commission.objects.update(hold_until=timezone.now() - timedelta(seconds=1))
    commissions_release_due()
    buy(UserFactory(username="carl"), course, visitor_id=BUYER_DEVICE)
    return alice


@pytest.mark.django_db
def test_a_withdrawal_takes_from_available_only(earned):
    with pytest.raises(WithdrawalExceedsBalance):
        withdrawal_request(referrer=earned, amount="19.91", currency="CNY")
    withdrawal_request(referrer=earned, amount="15.00", currency="CNY")
    assert earnings_for(referrer=earned)["CNY"] == {
        "pending": Decimal("19.90"),
        "available": Decimal("4.90"),
        "paid": Decimal("0.00"),
        "requested": Decimal("15.00"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-5", "1.234", "abc", "NaN", "Infinity", 1.5])
def test_bad_amounts_are_refused_and_change_nothing(earned, amount):
    with pytest.raises(WithdrawalInvalid):
        withdrawal_request(referrer=earned, amount=amount, currency="CNY")
    with pytest.raises(WithdrawalInvalid):
        withdrawal_request(referrer=earned, amount="1.00", currency="XXX")
    assert not Withdrawal.objects.exists()


@pytest.mark.django_db
def test_staff_approval_pays_and_closes_a_statement(earned, admin_client, admin_user):
    withdrawal = withdrawal_request(referrer=earned, amount="12.00", currency="CNY")

    # when staff approve it in the admin with the bank transfer's reference
    response = admin_client.post(
        f"/admin/referrals/withdrawal/{withdrawal.pk}/approve/", {"reference": "TRX-1", "note": ""}
    )
    assert response.status_code == 302

    # then it is paid, and its statement adds up from the ledger
    withdrawal.refresh_from_db()
    assert (withdrawal.status, withdrawal.reference, withdrawal.decided_by) == ("paid", "TRX-1", admin_user)
    statement = PayoutStatement.objects.get(withdrawal=withdrawal)
    assert (statement.opening_balance, statement.earned, statement.reversed, statement.paid_out) == (
        Decimal("0"),
        Decimal("39.80"),
        Decimal("0"),
        Decimal("12.00"),
    )
    assert statement.closing_balance == Decimal("27.80")
    assert earnings_for(referrer=earned)["CNY"]["paid"] == Decimal("12.00")
    assert earnings_for(referrer=earned)["CNY"]["available"] == Decimal("7.90")
    # a second approval is refused and changes nothing
    with pytest.raises(WithdrawalNotRequested):
        withdrawal_approve(withdrawal=withdrawal, staff_user=admin_user, reference="TRX-2")
    assert PayoutStatement.objects.count() == 1
    # the next statement opens with the last one's closing balance
    second = withdrawal_request(referrer=earned, amount="7.90", currency="CNY")
    statement2 = withdrawal_approve(withdrawal=second, staff_user=admin_user, reference="TRX-2")
    assert (statement2.opening_balance, statement2.earned, statement2.closing_balance) == (
        Decimal("27.80"),
        Decimal("0"),
        Decimal("19.90"),
    )
    # and the learner reads it on the statement page
    from django.test import Client

    client = Client()
    client.force_login(earned.user)
    page = client.get(f"/en/referrals/statements/{withdrawal.number}/")
    assert page.status_code == 200 and "TRX-1" in page.content.decode()
    other = Client()
    other.force_login(UserFactory(username="mallory"))
    assert other.get(f"/en/referrals/statements/{withdrawal.number}/").status_code == 404


@pytest.mark.django_db
def test_a_rejection_gives_the_amount_back(earned, admin_user):
    withdrawal = withdrawal_request(referrer=earned, amount="19.90", currency="CNY")
    withdrawal_reject(withdrawal=withdrawal, staff_user=admin_user)
    assert earnings_for(referrer=earned)["CNY"]["available"] == Decimal("19.90")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_withdrawals_cannot_overdraw(earned):
    # given 19.90 available, two requests of 15.00 arrive at once from two threads
    def request(_index):
        return withdrawal_request(referrer=earned, amount="15.00", currency="CNY")

    results = run_together(2, request)

    # then exactly one is accepted and the balance never goes below zero
    accepted = [r for r in results if isinstance(r, Withdrawal)]
    refused = [r for r in results if isinstance(r, WithdrawalExceedsBalance)]
    assert (len(accepted), len(refused)) == (1, 1), results
    assert Withdrawal.objects.count() == 1
    assert earnings_for(referrer=earned)["CNY"]["available"] == Decimal("4.90")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_small_withdrawals_take_at_most_the_balance(earned):
    results = run_together(10, lambda _i: withdrawal_request(referrer=earned, amount="3.00", currency="CNY"))
    accepted = [r for r in results if isinstance(r, Withdrawal)]
    assert len(accepted) == 6  # 6 x 3.00 <= 19.90 < 7 x 3.00
    assert all(isinstance(r, Withdrawal | WithdrawalExceedsBalance) for r in results)
    assert earnings_for(referrer=earned)["CNY"]["available"] == Decimal("1.90")
