"""Fraud rules: same device as the referrer, bursts from one address, the upline buying
through a recruit's link. Flagged referrals are kept for staff and never paid."""

from decimal import Decimal

import pytest

from commerce.models import LedgerEntry
from referrals.models import Commission, Referral
from tests.factories import UserFactory

from .conftest import BUYER_DEVICE, REFERRER_DEVICE

pytestmark = pytest.mark.django_db


def _referral_parties(order):
    return set(
        LedgerEntry.objects.filter(order=order, party__startswith="referrer:").values_list("party", flat=True)
    )


def test_an_order_from_the_referrers_device_is_flagged_and_not_paid(course, make_referrer, visit, buy):
    # given alice, whose browser we know (she opened her earnings page from it)
    alice = make_referrer("alice", visitor_id=REFERRER_DEVICE)
    visit(alice, course=course, visitor_id=REFERRER_DEVICE)

    # when a second account buys from that same browser
    order = buy(UserFactory(username="sockpuppet"), course, visitor_id=REFERRER_DEVICE)

    # then it is flagged "same device", kept for staff and not in the ledger
    referral = Referral.objects.get(order=order)
    assert (referral.is_flagged, referral.flags) == (True, ["same_device"])
    assert Commission.objects.get().status == "flagged"
    assert _referral_parties(order) == set()


def test_a_device_the_referrer_bought_from_counts_as_theirs(course, make_referrer, visit, buy):
    alice = make_referrer("alice")
    other = UserFactory(username="other")
    buy(alice.user, course, visitor_id=REFERRER_DEVICE)  # alice's own purchase from her browser
    visit(alice, course=course, visitor_id=REFERRER_DEVICE)
    from tests.factories import CourseFactory

    second = CourseFactory(slug="second")
    order = buy(other, second, visitor_id=REFERRER_DEVICE)
    assert Referral.objects.get(order=order).flags == ["same_device"]


def test_an_honest_order_from_another_device_is_paid(course, make_referrer, visit, buy):
    alice = make_referrer("alice", visitor_id=REFERRER_DEVICE)
    visit(alice, course=course, visitor_id=BUYER_DEVICE)
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    assert Referral.objects.get(order=order).is_flagged is False
    assert _referral_parties(order) == {alice.party}


def test_a_burst_of_orders_from_one_address_is_flagged(course, make_referrer, visit, buy, settings):
    settings.REFERRAL_BURST_LIMIT = 2
    alice = make_referrer("alice")
    orders = []
    for n in range(3):
        device = f"33333333-3333-4333-8333-33333333333{n}"
        visit(alice, course=course, visitor_id=device, address="198.51.100.9")
        orders.append(buy(UserFactory(username=f"buyer{n}"), course, visitor_id=device))

    flags = [Referral.objects.get(order=order).flags for order in orders]
    assert flags == [[], [], ["burst"]]
    assert [bool(_referral_parties(order)) for order in orders] == [True, True, False]
    # another address is not part of the burst
    visit(alice, course=course, visitor_id=BUYER_DEVICE, address="192.0.2.1")
    order = buy(UserFactory(username="calm"), course, visitor_id=BUYER_DEVICE)
    assert Referral.objects.get(order=order).flags == []


def test_the_upline_buying_through_a_recruit_pays_the_recruit_only(course, make_referrer, visit, buy):
    parent = make_referrer("parent")
    alice = make_referrer("alice", parent=parent)
    visit(alice, course=course)
    order = buy(parent.user, course, visitor_id=BUYER_DEVICE)
    levels = {c.level: (c.status, c.flag) for c in Commission.objects.all()}
    assert levels == {1: ("pending", ""), 2: ("flagged", "self_purchase")}
    assert _referral_parties(order) == {alice.party}
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("199.00")


def test_staff_see_flagged_referrals_in_the_admin(course, make_referrer, visit, buy, admin_client):
    alice = make_referrer("alice")
    visit(alice, course=course, user=alice.user)
    buy(alice.user, course, visitor_id=BUYER_DEVICE)
    page = admin_client.get("/admin/referrals/referral/?is_flagged__exact=1")
    assert page.status_code == 200
    assert "self_purchase" in page.content.decode()
    assert admin_client.get("/admin/referrals/commission/?status__exact=flagged").status_code == 200


def test_an_order_paid_with_the_referrers_card_is_flagged(course, make_referrer, visit, buy):
    # given alice paid for a course of her own with a card
    alice = make_referrer("alice")
    from tests.factories import CourseFactory

    buy(alice.user, CourseFactory(slug="hers"), token="tok_success_4242")
    visit(alice, course=course)

    # when another account pays for the referred course with that same card
    order = buy(UserFactory(username="cousin"), course, visitor_id=BUYER_DEVICE, token="tok_success_4242")

    # then the referral is flagged "same payment" and nothing is paid
    assert Referral.objects.get(order=order).flags == ["same_payment"]
    assert _referral_parties(order) == set()
    # while another card pays as usual
    visit(alice, course=course, visitor_id="44444444-4444-4444-8444-444444444444")
    other = buy(
        UserFactory(username="friend"),
        course,
        visitor_id="44444444-4444-4444-8444-444444444444",
        token="tok_success_5555",
    )
    assert Referral.objects.get(order=other).flags == []
    assert _referral_parties(other) == {alice.party}
