"""Who gets the referral: the campaigns' rule (code beats cookie, window, self purchase)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commerce.models import LedgerEntry
from referrals.exceptions import ReferralCodeOwn, ReferralCodeUnknown
from referrals.models import CodeClaim, Commission, Referral, Visit
from referrals.services import code_claim
from tests.factories import UserFactory

from .conftest import BUYER_DEVICE

pytestmark = pytest.mark.django_db


def test_a_link_visit_credits_the_referrer(course, make_referrer, visit, buy):
    # given a referrer whose link a visitor opened
    alice = make_referrer("alice")
    visit(alice, course=course)
    buyer = UserFactory(username="bob")

    # when that browser buys the course
    order = buy(buyer, course, visitor_id=BUYER_DEVICE)

    # then the referral is alice's, by the link, and she gets 10 % of 199.00 in the ledger
    referral = Referral.objects.get(order=order)
    assert (referral.referrer, referral.reason, referral.is_flagged) == (alice, "last_touch", False)
    commission = Commission.objects.get(referral=referral)
    assert (commission.level, commission.amount, commission.status) == (1, Decimal("19.90"), "pending")
    entry = LedgerEntry.objects.get(order=order, party=f"referrer:{alice.pk}")
    assert entry.amount == Decimal("19.90")


def test_a_code_beats_the_cookie(course, make_referrer, visit, buy):
    # given a visitor who opened alice's link, then typed carol's code
    alice, carol = make_referrer("alice"), make_referrer("carol")
    buyer = UserFactory(username="bob")
    visit(alice, course=course)
    code_claim(user=buyer, code=carol.code.lower())
    # and opened alice's link again after typing the code
    visit(alice, course=course)

    # when he buys
    order = buy(buyer, course, visitor_id=BUYER_DEVICE)

    # then carol, whose code he gave, is credited, not the newer cookie
    referral = Referral.objects.get(order=order)
    assert (referral.referrer, referral.reason) == (carol, "code")
    assert set(
        LedgerEntry.objects.filter(order=order, party__startswith="referrer:").values_list("party", flat=True)
    ) == {f"referrer:{carol.pk}"}


def test_a_visit_outside_the_window_credits_nobody(course, make_referrer, visit, buy, settings):
    settings.REFERRAL_ATTRIBUTION_WINDOW_DAYS = 30
    alice = make_referrer("alice")
    visit(alice, course=course)
    Visit.objects.update(created_at=timezone.now() - timedelta(days=31))
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    assert not Referral.objects.filter(order=order).exists()
    assert not LedgerEntry.objects.filter(order=order, party__startswith="referrer:").exists()


def test_a_visit_inside_the_window_still_counts(course, make_referrer, visit, buy, settings):
    settings.REFERRAL_ATTRIBUTION_WINDOW_DAYS = 30
    alice = make_referrer("alice")
    visit(alice, course=course)
    Visit.objects.update(created_at=timezone.now() - timedelta(days=29))
    order = buy(UserFactory(username="bob"), course, visitor_id=BUYER_DEVICE)
    assert Referral.objects.get(order=order).referrer == alice


def test_a_code_outside_the_window_loses_to_a_fresh_link(course, make_referrer, visit, buy):
    alice, carol = make_referrer("alice"), make_referrer("carol")
    buyer = UserFactory(username="bob")
    code_claim(user=buyer, code=carol.code)
    CodeClaim.objects.update(created_at=timezone.now() - timedelta(days=40))
    visit(alice, course=course)
    order = buy(buyer, course, visitor_id=BUYER_DEVICE)
    assert (Referral.objects.get(order=order).referrer, Referral.objects.get(order=order).reason) == (
        alice,
        "last_touch",
    )


def test_a_self_purchase_is_flagged_and_not_paid(course, make_referrer, visit, buy):
    # given alice opening her own link while signed in, then buying
    alice = make_referrer("alice")
    visit(alice, course=course, user=alice.user)
    order = buy(alice.user, course, visitor_id=BUYER_DEVICE)

    # then the referral is kept for staff, flagged, and nothing reaches the ledger
    referral = Referral.objects.get(order=order)
    assert (referral.is_flagged, referral.flags) == (True, ["self_purchase"])
    commission = Commission.objects.get(referral=referral)
    assert (commission.status, commission.flag) == ("flagged", "self_purchase")
    assert not LedgerEntry.objects.filter(order=order, party__startswith="referrer:").exists()
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == order.total


def test_codes_are_checked(make_referrer):
    alice = make_referrer("alice")
    with pytest.raises(ReferralCodeUnknown):
        code_claim(user=UserFactory(username="bob"), code="NOPE1234")
    with pytest.raises(ReferralCodeOwn):
        code_claim(user=alice.user, code=alice.code)


def test_an_order_nobody_referred_costs_one_query(course, django_assert_num_queries):
    from django.utils import timezone as tz

    from referrals.services import referral_decide

    buyer = UserFactory(username="bob")
    with django_assert_num_queries(1):
        assert referral_decide(user_id=buyer.pk, visitor_id=BUYER_DEVICE, paid_at=tz.now()) is None


def test_the_link_redirects_to_the_course_in_its_language_and_sets_the_cookie(client, course, make_referrer):
    course.language = "zh-hans"
    course.save(update_fields=["language"])
    alice = make_referrer("alice")
    response = client.get(f"/r/{alice.code}/{course.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/zh-hans/courses/{course.slug}/"
    visitor = response.cookies["zq_vid"].value
    assert Visit.objects.get(referrer=alice).visitor_id == visitor


def test_an_unknown_code_still_lands_home(client, db):
    response = client.get("/r/NOSUCHCODE/", HTTP_ACCEPT_LANGUAGE="ja")
    assert (response.status_code, response["Location"]) == (302, "/ja/")
    assert not Visit.objects.exists()
