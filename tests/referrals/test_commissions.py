"""Commissions: two levels at most, the ledger to the cent, held until the refund window
passes (released by the Celery task), reversed by refunds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from commerce.models import LedgerEntry
from referrals.models import Commission, CommissionRate, Referral
from referrals.selectors import earnings_for
from referrals.services import referrer_join
from referrals.tasks import release_commissions
from tests.factories import CourseFactory, InstructorFactory, UserFactory

from .conftest import BUYER_DEVICE

pytestmark = pytest.mark.django_db


def _ledger(order, party):
    return LedgerEntry.objects.filter(order=order, party=party).aggregate(total=Sum("amount", default=0))[
        "total"
    ]


def test_a_chain_of_four_pays_two_levels_and_never_a_third(course, make_referrer, visit, buy):
    # given a chain: top recruited upper, upper recruited parent, parent recruited dana
    top = make_referrer("top")
    upper = make_referrer("upper", parent=top)
    parent = make_referrer("parent", parent=upper)
    dana = make_referrer("dana", parent=parent)
    visit(dana, course=course)

    # when someone buys through dana's link
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)

    # then dana gets the direct 10 %, her parent the indirect 3 %, and nobody above them
    paid = {
        c.referrer.user.username: (c.level, c.amount)
        for c in Commission.objects.select_related("referrer__user")
    }
    assert paid == {"dana": (1, Decimal("19.90")), "parent": (2, Decimal("5.97"))}
    parties = set(
        LedgerEntry.objects.filter(order=order, party__startswith="referrer:").values_list("party", flat=True)
    )
    assert parties == {dana.party, parent.party}
    assert Referral.objects.get(order=order).upline == parent


def test_the_database_refuses_a_third_level(course, make_referrer, visit, buy):
    alice = make_referrer("alice")
    visit(alice, course=course)
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    commission = Commission.objects.get(referral__order=order)
    with pytest.raises(IntegrityError), transaction.atomic():
        Commission.objects.filter(pk=commission.pk).update(level=3)


def test_joining_through_a_link_sets_the_parent(course, make_referrer, visit):
    alice = make_referrer("alice")
    visit(alice, course=course, visitor_id=BUYER_DEVICE)
    bob = referrer_join(user=UserFactory(username="bob"), visitor_id=BUYER_DEVICE)
    assert bob.parent == alice


def test_the_ledger_adds_up_to_the_cent_with_partners_instructor_and_two_levels(make_referrer, visit, buy):
    # given a course priced so that every share rounds (29.99 USD, 33.33 % instructor)
    course = CourseFactory(
        slug="odd",
        instructor=InstructorFactory(revenue_share=Decimal("0.3333")),
        prices={"USD": Decimal("29.99")},
    )
    CommissionRate.objects.create(
        course=course, direct_rate=Decimal("0.1250"), indirect_rate=Decimal("0.0333")
    )
    parent = make_referrer("parent")
    alice = make_referrer("alice", parent=parent)
    visit(alice, course=course)

    order = buy(UserFactory(username="bob"), course, currency="USD", visitor_id=BUYER_DEVICE)

    # then each party's entry is its share rounded half up, the platform the remainder,
    # and the commissions are exactly the ledger's entries
    assert _ledger(order, alice.party) == Decimal("3.75")  # 29.99 * 0.125 = 3.74875
    assert _ledger(order, parent.party) == Decimal("1.00")  # 29.99 * 0.0333 = 0.998667
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("29.99")
    for commission in Commission.objects.filter(referral__order=order):
        assert commission.amount == _ledger(order, commission.referrer.party)


def test_rates_never_push_the_shares_past_the_whole_line(make_referrer, visit, buy):
    course = CourseFactory(
        slug="greedy",
        instructor=InstructorFactory(revenue_share=Decimal("0.9500")),
        prices={"CNY": Decimal("100.00")},
    )
    CommissionRate.objects.create(
        course=course, direct_rate=Decimal("0.1000"), indirect_rate=Decimal("0.1000")
    )
    alice = make_referrer("alice", parent=make_referrer("parent"))
    visit(alice, course=course)
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    assert _ledger(order, alice.party) == Decimal("5.00")  # what the instructor left
    assert not Commission.objects.filter(level=2).exists()
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("100.00")


def test_a_partial_refund_reverses_in_proportion_and_a_full_one_empties(
    course, make_referrer, visit, buy, refund
):
    parent = make_referrer("parent")
    alice = make_referrer("alice", parent=parent)
    visit(alice, course=course)
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)

    # when a third is refunded
    refund(order, "66.33")
    direct = Commission.objects.get(level=1)
    # then the commission shrinks by the ledger's reversal: 19.90 * 66.33 / 199 = 6.633 -> 6.63
    assert (direct.reversed_amount, direct.status) == (Decimal("6.63"), "pending")
    assert _ledger(order, alice.party) == direct.net == Decimal("13.27")

    # when the rest is refunded
    refund(order)
    for commission in Commission.objects.all():
        assert (commission.net, commission.status) == (Decimal("0.00"), "reversed")
        assert _ledger(order, commission.referrer.party) == Decimal("0.00")
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("0.00")
    # and nothing is left to earn
    assert earnings_for(referrer=alice) == {}


def test_commissions_are_held_then_released_by_the_task(course, make_referrer, visit, buy, settings):
    settings.REFERRAL_HOLD_DAYS = 14
    alice = make_referrer("alice")
    visit(alice, course=course)
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    commission = Commission.objects.get()
    assert commission.hold_until == order.paid_at + timedelta(days=14)
    assert earnings_for(referrer=alice)["CNY"] == {
        "pending": Decimal("19.90"),
        "available": Decimal("0.00"),
        "paid": Decimal("0.00"),
        "requested": Decimal("0.00"),
    }

    # the hourly task before the window has passed releases nothing
    assert release_commissions.delay().get() == 0
    # when the window has passed, it releases it once
    Commission.objects.update(hold_until=timezone.now() - timedelta(seconds=1))
    assert release_commissions.delay().get() == 1
    assert release_commissions.delay().get() == 0
    commission.refresh_from_db()
    assert commission.status == "available" and commission.released_at is not None
    assert earnings_for(referrer=alice)["CNY"]["available"] == Decimal("19.90")


def test_a_refund_after_release_lowers_the_available_balance(course, make_referrer, visit, buy, refund):
    alice = make_referrer("alice")
    visit(alice, course=course)
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    Commission.objects.update(hold_until=timezone.now())
    release_commissions.delay().get()
    refund(order)
    assert Commission.objects.get().status == "reversed"
    assert earnings_for(referrer=alice) == {}
