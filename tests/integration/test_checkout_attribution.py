"""Checkout and payment wired to campaigns: discount codes, attribution at payment, partner
shares in the ledger, refunds, released codes."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.exceptions import CodeExhausted, CodeLimitReached, CodeNotApplicable, TooManyAttempts
from campaigns.models import CodeRedemption, OrderAttribution, VisitorAssignment
from commerce.exceptions import DiscountCodeInvalid, PaymentDeclined
from commerce.models import LedgerEntry, Order, OrderLine
from commerce.payments.sandbox import SIGNATURE_HEADER, sign
from commerce.services import order_checkout, order_refund, order_release_expired_holds
from tests.campaigns.factories import CampaignFactory, DiscountCodeFactory, PartnerMemberFactory, TouchFactory
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

from .conftest import PAY, VISITOR

pytestmark = pytest.mark.django_db


def _checkout(user, *courses, code="", token="tok_success", visitor="", sessions=None):
    sessions = sessions or {}
    return order_checkout(
        user=user,
        items=[{"course": c.slug, "live_session": sessions.get(c.pk)} for c in courses],
        currency="USD",
        discount_code=code,
        payment={"provider": "sandbox", "token": token},
        visitor_id=visitor,
    ).order


def _api(user, cookie: str = "") -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    if cookie:
        client.cookies["zq_vid"] = cookie
    return client


def _entries(order) -> dict[str, Decimal]:
    """Net amount per party (summed in Python: SQLite adds decimals as floats)."""
    net: dict[str, Decimal] = {}
    for party, amount in LedgerEntry.objects.filter(order=order).values_list("party", "amount"):
        net[party] = net.get(party, Decimal("0")) + amount
    return net


def _parties(campaign, course) -> tuple[str, str, str]:
    bank, museum = (
        f"partner:{pk}"
        for pk in campaign.campaign_partners.order_by("partner_id").values_list("partner_id", flat=True)
    )
    return bank, museum, f"instructor:{course.instructor_id}"


# --- a code at checkout ---------------------------------------------------------------------


def test_checkout_with_a_code_is_discounted_attributed_and_shared_with_the_partners(
    learner, course, campaign, code
):
    # given a running campaign (bank 10 %, museum 5 %) with a 10 % code
    bank, museum, instructor = _parties(campaign, course)

    # when the learner checks out with the code, typed loosely
    order = _checkout(learner, course, code=" bank10 ")

    # then the order is discounted and paid
    assert (order.status, order.subtotal, order.discount, order.total) == (
        "paid",
        Decimal("29.00"),
        Decimal("2.90"),
        Decimal("26.10"),
    )
    # and attributed to the campaign by its code
    order.refresh_from_db()
    assert order.campaign_id == campaign.pk
    attribution = OrderAttribution.objects.get()
    assert (attribution.order_ref, attribution.reason, attribution.code_id) == (
        str(order.number),
        "code",
        code.pk,
    )
    assert (attribution.amount, attribution.discount_amount, attribution.currency) == (
        Decimal("26.10"),
        Decimal("2.90"),
        "USD",
    )
    assert attribution.is_self_purchase is False
    # and the code's use is confirmed
    code.refresh_from_db()
    assert code.redemptions_count == 1
    assert CodeRedemption.objects.get().status == "confirmed"
    # and every party gets its share; the entries add up to what was paid
    line = OrderLine.objects.get(order=order)
    assert line.revenue_split == [{"party": bank, "share": "0.1000"}, {"party": museum, "share": "0.0500"}]
    assert _entries(order) == {
        instructor: Decimal("7.83"),
        bank: Decimal("2.61"),
        museum: Decimal("1.31"),  # 1.305 rounded half up
        "platform": Decimal("14.35"),
    }
    assert sum(_entries(order).values()) == order.total


def test_code_beats_the_cookie_through_the_api(learner, course, campaign, code):
    # given the learner's cookie last touched another campaign
    other = CampaignFactory(courses=[course])
    TouchFactory(campaign=other, visitor_id=VISITOR, created_at=timezone.now() - timedelta(hours=1))

    # when they check out through the API with the first campaign's code
    response = _api(learner, cookie=VISITOR).post(
        "/api/v1/checkout/",
        {"items": [{"course": course.slug}], "currency": "USD", "discount_code": "BANK10", "payment": PAY},
        format="json",
    )

    # then the code wins
    assert response.status_code == 201, response.content
    body = response.json()["order"]
    assert (body["status"], body["discount"], body["total"]) == ("paid", "2.90", "26.10")
    order = Order.objects.get()
    assert (order.campaign_id, order.visitor_id) == (campaign.pk, VISITOR)
    assert OrderAttribution.objects.get().reason == "code"


def test_unknown_code_is_refused_and_rate_limited(learner, course, campaign, code):
    for _attempt in range(10):
        with pytest.raises(DiscountCodeInvalid):
            _checkout(learner, course, code="NOPE1234")
    # the right code is refused too now: codes cannot be enumerated
    with pytest.raises(TooManyAttempts) as exc:
        _checkout(learner, course, code="BANK10")
    assert exc.value.status_code == 429
    assert Order.objects.count() == 0


def test_code_of_a_campaign_without_the_course_is_refused(learner, campaign, code):
    outside = CourseFactory(slug="not-in-campaign")
    with pytest.raises(CodeNotApplicable):
        _checkout(learner, outside, code="BANK10")
    assert Order.objects.count() == 0


def test_code_only_discounts_the_campaign_courses_of_a_mixed_order(learner, course, campaign, code):
    outside = CourseFactory(slug="not-in-campaign")
    order = _checkout(learner, course, outside, code="BANK10")
    lines = {line.course_id: (line.discount, line.total) for line in order.lines.all()}
    assert lines == {
        course.pk: (Decimal("2.90"), Decimal("26.10")),
        outside.pk: (Decimal("0.00"), Decimal("29.00")),
    }
    assert order.total == Decimal("55.10")
    assert sum(_entries(order).values()) == Decimal("55.10")


# --- the cookie -----------------------------------------------------------------------------


def test_cookie_last_touch_inside_the_window_attributes_without_a_code(learner, course, campaign):
    # given two campaigns touched by the visitor's cookie, the later one 2 days ago
    now = timezone.now()
    earlier = CampaignFactory(courses=[course])
    TouchFactory(campaign=earlier, visitor_id=VISITOR, created_at=now - timedelta(days=5))
    latest = TouchFactory(campaign=campaign, visitor_id=VISITOR, created_at=now - timedelta(days=2))
    bank, museum, _instructor = _parties(campaign, course)

    # when the learner buys through the API without a code
    response = _api(learner, cookie=VISITOR).post(
        "/api/v1/checkout/",
        {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY},
        format="json",
    )

    # then there is no discount and the last touch wins
    assert response.status_code == 201, response.content
    assert (response.json()["order"]["discount"], response.json()["order"]["total"]) == ("0.00", "29.00")
    order = Order.objects.get()
    assert order.campaign_id == campaign.pk
    attribution = OrderAttribution.objects.get()
    assert (attribution.reason, attribution.touch_id, attribution.code_id) == ("last_touch", latest.pk, None)
    # and the partners share the full price
    entries = _entries(order)
    assert (entries[bank], entries[museum]) == (Decimal("2.90"), Decimal("1.45"))
    assert sum(entries.values()) == Decimal("29.00")


def test_touch_outside_the_window_is_not_attributed(learner, course):
    # given the only touch is 10 days old and the campaign's window is 7 days
    short = CampaignFactory(courses=[course], attribution_window_days=7)
    TouchFactory(campaign=short, visitor_id=VISITOR, created_at=timezone.now() - timedelta(days=10))

    # when the learner buys
    order = _checkout(learner, course, visitor=VISITOR)

    # then the order belongs to no campaign and only the instructor and the platform share it
    order.refresh_from_db()
    assert order.campaign_id is None
    assert OrderAttribution.objects.count() == 0
    assert set(_entries(order)) == {f"instructor:{course.instructor_id}", "platform"}
    assert OrderLine.objects.get(order=order).revenue_split == []


def test_a_bad_cookie_is_ignored(learner, course, campaign):
    response = _api(learner, cookie="not-a-uuid'; DROP TABLE x;--").post(
        "/api/v1/checkout/",
        {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY},
        format="json",
    )
    assert response.status_code == 201
    assert Order.objects.get().campaign_id is None


# --- the control group ----------------------------------------------------------------------


def test_holdout_visitor_with_a_code_gets_no_discount(learner, course, campaign, code):
    # given the visitor's cookie was put in the campaign's control group
    VisitorAssignment.objects.create(campaign=campaign, visitor_id=VISITOR, is_holdout=True)

    # when they check out with the campaign's code
    response = _api(learner, cookie=VISITOR).post(
        "/api/v1/checkout/",
        {"items": [{"course": course.slug}], "currency": "USD", "discount_code": "BANK10", "payment": PAY},
        format="json",
    )

    # then the code is refused and nothing was bought or used
    assert (response.status_code, response.json()["code"]) == (400, "code_not_applicable")
    assert Order.objects.count() == 0
    code.refresh_from_db()
    assert code.redemptions_count == 0


def test_holdout_learner_recognised_by_account_gets_no_discount(learner, course, campaign, code):
    TouchFactory(campaign=campaign, visitor_id="", user=learner, is_holdout=True)
    with pytest.raises(CodeNotApplicable):
        _checkout(learner, course, code="BANK10")


def test_holdout_visitor_buying_at_full_price_is_attributed_as_holdout(learner, course, campaign):
    VisitorAssignment.objects.create(campaign=campaign, visitor_id=VISITOR, is_holdout=True)
    TouchFactory(campaign=campaign, visitor_id=VISITOR, is_holdout=True)

    order = _checkout(learner, course, visitor=VISITOR)

    assert order.total == Decimal("29.00")
    attribution = OrderAttribution.objects.get()
    assert (attribution.reason, attribution.is_holdout) == ("last_touch", True)


# --- self-purchase --------------------------------------------------------------------------


def test_partner_member_buying_with_own_code_is_flagged_and_left_out_of_payouts(course, campaign, code):
    member = PartnerMemberFactory(partner=campaign.partner)

    order = _checkout(member.user, course, code="BANK10")

    assert order.total == Decimal("26.10")
    assert OrderAttribution.objects.get().is_self_purchase is True
    assert OrderLine.objects.get(order=order).revenue_split == []
    assert set(_entries(order)) == {f"instructor:{course.instructor_id}", "platform"}
    assert sum(_entries(order).values()) == Decimal("26.10")


# --- refunds --------------------------------------------------------------------------------


def test_refunds_reverse_partner_entries_and_the_attributed_revenue(learner, course, campaign, code):
    # given a paid order with the code
    staff = UserFactory(username="staff", is_staff=True)
    order = _checkout(learner, course, code="BANK10")
    bank, museum, instructor = _parties(campaign, course)

    # when staff refund 10.00
    order_refund(order=order, amount="10.00", reason="partial", staff_user=staff)

    # then each party gives back its part and the ledger nets to what is left
    refunds = dict(LedgerEntry.objects.filter(order=order, kind="refund").values_list("party", "amount"))
    assert refunds == {
        instructor: Decimal("-3.00"),
        bank: Decimal("-1.00"),
        museum: Decimal("-0.50"),
        "platform": Decimal("-5.50"),
    }
    assert sum(_entries(order).values()) == Decimal("16.10")
    assert OrderAttribution.objects.get().refunded_amount == Decimal("10.00")

    # when the rest is refunded
    order_refund(order=order, amount=None, reason="the rest", staff_user=staff)

    # then every party nets zero and the attribution is fully refunded
    assert _entries(order) == {instructor: 0, bank: 0, museum: 0, "platform": 0}
    attribution = OrderAttribution.objects.get()
    assert (attribution.amount, attribution.refunded_amount) == (Decimal("26.10"), Decimal("26.10"))
    order.refresh_from_db()
    assert order.status == "refunded"


def test_refund_of_an_unattributed_order_touches_no_attribution(learner, course):
    staff = UserFactory(username="staff", is_staff=True)
    order = _checkout(learner, course)
    order_refund(order=order, amount=None, reason="r", staff_user=staff)
    assert OrderAttribution.objects.count() == 0
    assert sum(_entries(order).values()) == 0


# --- codes given back -----------------------------------------------------------------------


def test_a_declined_payment_releases_the_code(learner, course, campaign):
    single = DiscountCodeFactory(campaign=campaign, code="ONLYONCE", max_redemptions=1)

    with pytest.raises(PaymentDeclined):
        _checkout(learner, course, code="ONLYONCE", token="tok_decline")

    failed = Order.objects.get()
    assert (failed.status, failed.campaign_id) == ("failed", None)
    assert CodeRedemption.objects.get().status == "released"
    single.refresh_from_db()
    assert single.redemptions_count == 0
    assert OrderAttribution.objects.count() == 0
    assert LedgerEntry.objects.count() == 0
    # and the single use is there for the next buyer
    order = _checkout(UserFactory(username="next"), course, code="ONLYONCE")
    assert order.discount == Decimal("2.90")
    single.refresh_from_db()
    assert single.redemptions_count == 1


def test_an_expired_seat_hold_releases_the_code(learner, campaign):
    session = LiveSessionFactory(capacity=3)
    campaign.campaign_courses.create(course=session.course, position=1)
    single = DiscountCodeFactory(campaign=campaign, code="LIVEONCE", max_redemptions=1)
    order = _checkout(
        learner,
        session.course,
        code="LIVEONCE",
        token="tok_pending",
        sessions={session.course.pk: session.pk},
    )
    single.refresh_from_db()
    assert (order.status, single.redemptions_count) == ("pending", 1)

    cancelled = order_release_expired_holds(now=timezone.now() + timedelta(hours=1))

    assert cancelled == 1
    single.refresh_from_db()
    assert single.redemptions_count == 0
    assert CodeRedemption.objects.get().status == "released"


def test_a_pending_payment_confirmed_by_webhook_is_attributed(client, learner, course, campaign, code):
    order = _checkout(learner, course, code="BANK10", token="tok_pending", visitor=VISITOR)
    assert CodeRedemption.objects.get().status == "reserved"
    body = json.dumps(
        {"id": "evt_1", "type": "payment.succeeded", "data": {"reference": order.payment_reference}}
    ).encode()

    response = client.post(
        "/api/v1/payments/webhooks/sandbox/",
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: sign(body)},
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.campaign_id) == ("paid", campaign.pk)
    assert CodeRedemption.objects.get().status == "confirmed"
    assert OrderAttribution.objects.get().reason == "code"
    assert sum(_entries(order).values()) == Decimal("26.10")


def test_late_payment_after_a_decline_takes_the_code_again(client, learner, course, campaign, code):
    # a pending order whose payment is first reported failed, then succeeded
    order = _checkout(learner, course, code="BANK10", token="tok_pending")
    for event_id, kind in (("evt_f", "payment.failed"), ("evt_s", "payment.succeeded")):
        body = json.dumps(
            {"id": event_id, "type": kind, "data": {"reference": order.payment_reference}}
        ).encode()
        client.post(
            "/api/v1/payments/webhooks/sandbox/",
            data=body,
            content_type="application/json",
            headers={SIGNATURE_HEADER: sign(body)},
        )
    order.refresh_from_db()
    code.refresh_from_db()
    assert (order.status, order.campaign_id) == ("paid", campaign.pk)
    assert (code.redemptions_count, CodeRedemption.objects.get().status) == (1, "confirmed")


def test_per_customer_limit_of_one(learner, campaign, code):
    first, second = CourseFactory(slug="c-1"), CourseFactory(slug="c-2")
    for c in (first, second):
        campaign.campaign_courses.create(course=c, position=2)
    _checkout(learner, first, code="BANK10")
    with pytest.raises(CodeLimitReached):
        _checkout(learner, second, code="BANK10")


def test_single_use_code_is_used_up(course, campaign):
    DiscountCodeFactory(campaign=campaign, code="ONLYONCE", max_redemptions=1)
    _checkout(UserFactory(username="a"), course, code="ONLYONCE")
    with pytest.raises(CodeExhausted):
        _checkout(UserFactory(username="b"), course, code="ONLYONCE")


def test_partners_share_only_in_the_campaigns_own_courses(learner, course, campaign):
    # given the visitor's last touch was the campaign, and a course outside the campaign
    TouchFactory(campaign=campaign, visitor_id=VISITOR, created_at=timezone.now() - timedelta(hours=1))
    outside = CourseFactory(slug="outside-course")
    bank, museum, _instructor = _parties(campaign, course)

    # when the learner buys both in one order
    order = _checkout(learner, course, outside, visitor=VISITOR)

    # then the order is attributed, but only the campaign's course carries partner shares
    order.refresh_from_db()
    assert order.campaign_id == campaign.pk
    splits = dict(OrderLine.objects.filter(order=order).values_list("course_id", "revenue_split"))
    assert splits == {
        course.pk: [{"party": bank, "share": "0.1000"}, {"party": museum, "share": "0.0500"}],
        outside.pk: [],
    }
    partner_lines = set(
        LedgerEntry.objects.filter(order=order, party__in=[bank, museum]).values_list(
            "order_line__course_id", flat=True
        )
    )
    assert partner_lines == {course.pk}
    assert sum(_entries(order).values()) == order.total
