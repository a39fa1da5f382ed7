"""Referral commissions on membership plans: a rate names a course or a plan (exactly one);
a referred plan purchase (its first period) pays a direct and an indirect commission on the
plan line, held, released, reversed by refunds, and the ledger adds up to the cent through
the instructors' settlement; renewals pay nobody. A learner shares a plan with a link, a
code and a poster, like a course."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.models import LedgerEntry, Order, Subscription, SubscriptionPeriod
from commerce.services import order_checkout
from commerce.services.subscriptions import subscription_periods_settle
from commerce.tasks import advance_subscriptions
from courses.models import LessonProgress
from referrals import services
from referrals.models import Commission, CommissionRate, Referral, Visit
from referrals.tasks import release_commissions
from tests.factories import CourseFactory, LessonFactory, UserFactory
from tests.plans.factories import make_plan

from .conftest import BUYER_DEVICE

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(db):
    course = CourseFactory(slug="plan-course")
    plan = make_plan(slug="gold", courses=[course], prices={"USD": Decimal("10.00"), "CNY": Decimal("68.00")})
    CommissionRate.objects.create(plan=plan, direct_rate=Decimal("0.1250"), indirect_rate=Decimal("0.0333"))
    return plan


def _plan_visit(referrer, plan, visitor_id=BUYER_DEVICE):
    services.visit_record(
        code=referrer.code,
        course_slug=None,
        plan_slug=plan.slug,
        visitor_id=visitor_id,
        user=None,
        address="203.0.113.7",
    )


def _buy_plan(user, plan, currency="USD", visitor_id=BUYER_DEVICE):
    return order_checkout(
        user=user,
        items=[{"plan": plan.slug}],
        currency=currency,
        payment={"provider": "sandbox", "token": "tok_success"},
        visitor_id=visitor_id,
    ).order


def _party(line, party):
    return LedgerEntry.objects.filter(order_line=line, party=party).aggregate(
        total=Sum("amount", default=Decimal("0"))
    )["total"]


def _line_total(line):
    return LedgerEntry.objects.filter(order_line=line).aggregate(total=Sum("amount"))["total"]


def test_a_rate_names_exactly_one_course_or_plan_and_one_rate_per_plan(plan):
    course = CourseFactory(slug="c")
    for kwargs in ({}, {"course": course, "plan": plan}):
        with pytest.raises(IntegrityError), transaction.atomic():
            CommissionRate.objects.create(direct_rate=Decimal("0.1"), **kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommissionRate.objects.create(plan=plan, direct_rate=Decimal("0.2"))
    assert CommissionRate.objects.count() == 1


def test_a_referred_plan_purchase_pays_two_levels_held_released_and_reversed(
    plan, make_referrer, refund, settings
):
    settings.PLAN_INSTRUCTOR_POOL_SHARE = "0.5"
    parent = make_referrer("parent")
    alice = make_referrer("alice", parent=parent)
    _plan_visit(alice, plan)

    # when bob buys the plan through alice's plan link
    order = _buy_plan(UserFactory(username="bob"), plan)

    # then alice earns 12.5 % and her parent 3.33 % of the plan line, pending until the
    # refund window has passed
    line = order.lines.get()
    assert line.plan_id == plan.pk
    commissions = {c.level: c for c in Commission.objects.filter(order_line=line)}
    assert {level: (c.referrer, c.amount, c.status) for level, c in commissions.items()} == {
        1: (alice, Decimal("1.25"), "pending"),
        2: (parent, Decimal("0.33"), "pending"),
    }
    assert commissions[1].hold_until > timezone.now() + timedelta(days=13)
    # the commissions are the ledger's own entries, and the line adds up to the cent
    assert _party(line, alice.party) == Decimal("1.25")
    assert _party(line, parent.party) == Decimal("0.33")
    assert _party(line, "platform") == Decimal("8.42")
    assert _line_total(line) == Decimal("10.00")

    # released when the hold has passed
    Commission.objects.update(hold_until=timezone.now() - timedelta(seconds=1))
    assert release_commissions.delay().get() == 2

    # a partial refund reverses each in proportion (on the running total, half up)
    refund(order, "3.33")
    for commission in commissions.values():
        commission.refresh_from_db()
    assert (commissions[1].reversed_amount, commissions[2].reversed_amount) == (
        Decimal("0.42"),
        Decimal("0.11"),
    )
    assert _party(line, alice.party) == commissions[1].net == Decimal("0.83")
    assert _line_total(line) == Decimal("6.67")

    # the finished period is shared with the instructor out of the platform's part: the
    # commissions stay whole and the line still adds up to the cent
    subscription = Subscription.objects.get(user=order.user)
    end = timezone.now() - timedelta(minutes=1)
    SubscriptionPeriod.objects.filter(subscription=subscription).update(
        starts_at=end - timedelta(days=30), ends_at=end
    )
    lesson = LessonFactory(section__course=plan.courses.get())
    LessonProgress.objects.create(
        user=order.user, lesson=lesson, completed=True, completed_at=end - timedelta(days=1)
    )
    assert subscription_periods_settle() == 1
    instructor = f"instructor:{plan.courses.get().instructor_id}"
    assert _party(line, instructor) == Decimal("3.34")  # half of the 6.67 the line nets, half up
    assert _party(line, "platform") > 0
    assert _line_total(line) == Decimal("6.67")

    # the refund of the rest reverses everything: every party nets zero
    refund(order)
    for commission in commissions.values():
        commission.refresh_from_db()
    assert {c.status for c in commissions.values()} == {"reversed"}
    assert _party(line, alice.party) == _party(line, parent.party) == _party(line, instructor) == 0
    assert _line_total(line) == 0


def test_a_plan_commission_never_takes_the_instructors_pool(make_referrer, settings):
    settings.PLAN_INSTRUCTOR_POOL_SHARE = "0.5"
    greedy = make_plan(slug="greedy", prices={"USD": Decimal("10.00")})
    CommissionRate.objects.create(plan=greedy, direct_rate=Decimal("0.6000"), indirect_rate=Decimal("0.2"))
    alice = make_referrer("alice", parent=make_referrer("parent"))
    _plan_visit(alice, greedy)

    order = _buy_plan(UserFactory(username="bob"), greedy)

    rates = dict(Commission.objects.filter(referral__order=order).values_list("level", "rate"))
    assert rates == {1: Decimal("0.5000")}  # capped; nothing left for the indirect level
    assert _party(order.lines.get(), "platform") == Decimal("5.00")


def test_a_plan_without_its_own_rate_uses_the_default_rates(make_referrer, settings):
    settings.REFERRAL_DEFAULT_RATE = "0.10"
    settings.REFERRAL_DEFAULT_INDIRECT_RATE = "0.02"
    plain = make_plan(slug="plain", prices={"CNY": Decimal("68.00")})
    alice = make_referrer("alice", parent=make_referrer("parent"))
    _plan_visit(alice, plain)

    order = _buy_plan(UserFactory(username="bob"), plain, currency="CNY")

    amounts = dict(Commission.objects.filter(referral__order=order).values_list("level", "amount"))
    assert amounts == {1: Decimal("6.80"), 2: Decimal("1.36")}


def test_a_renewal_pays_no_commission(plan, make_referrer):
    alice = make_referrer("alice")
    _plan_visit(alice, plan)
    bob = UserFactory(username="bob")
    first = _buy_plan(bob, plan)
    subscription = Subscription.objects.get(user=bob)
    end = timezone.now() - timedelta(minutes=1)
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_start=end - timedelta(days=30), current_period_end=end
    )
    SubscriptionPeriod.objects.filter(subscription=subscription).update(
        starts_at=end - timedelta(days=30), ends_at=end
    )

    # the visit is still inside the attribution window when the renewal is charged
    assert advance_subscriptions.delay().get()["renewed"] == 1

    renewal = Order.objects.filter(user=bob).exclude(pk=first.pk).get()
    assert renewal.status == "paid"
    assert not Referral.objects.filter(order=renewal).exists()
    assert not LedgerEntry.objects.filter(order=renewal, party__startswith="referrer:").exists()
    assert Commission.objects.count() == 1


def test_a_plan_link_records_the_plan_and_opens_the_plan_page(plan, make_referrer, client):
    alice = make_referrer("alice")

    response = client.get(f"/r/{alice.code}/plans/gold/", HTTP_ACCEPT_LANGUAGE="ja")

    assert (response.status_code, response["Location"]) == (302, "/ja/plans/gold/")
    visit = Visit.objects.get()
    assert (visit.referrer, visit.plan, visit.course) == (alice, plan, None)
    assert client.get(f"/r/{alice.code}/plans/no-such-plan/").status_code == 302
    assert Visit.objects.get(pk__gt=visit.pk).plan is None


def test_the_api_gives_a_plan_link_poster_and_commissions(plan, make_referrer):
    alice = make_referrer("alice")
    client = APIClient()
    client.force_authenticate(alice.user)

    mine = client.get("/api/v1/me/referral/?plan=gold")

    assert mine.status_code == 200
    body = mine.json()
    assert (body["plan"], body["course"]) == ("gold", None)
    assert body["url"].endswith(f"/r/{alice.code}/plans/gold/")
    assert body["poster_url"].endswith("/api/v1/me/referral/poster/?plan=gold")
    english = client.get("/api/v1/me/referral/poster/?plan=gold&lang=en")
    japanese = client.get("/api/v1/me/referral/poster/?plan=gold&lang=ja")
    assert (english.status_code, english["Content-Type"]) == (200, "image/png")
    assert english.content[:8] == b"\x89PNG\r\n\x1a\n"
    # the plan's title is drawn in the language asked for
    assert english.content != japanese.content

    unknown = client.get("/api/v1/me/referral/?plan=no-such-plan")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "plan_not_found")
    both = client.get("/api/v1/me/referral/poster/?plan=gold&course=x")
    assert both.status_code == 400

    _plan_visit(alice, plan)
    _buy_plan(UserFactory(username="bob"), plan)
    listed = client.get("/api/v1/me/referral/commissions/").json()["results"]
    assert [(c["plan"], c["plan_title"], c["course"], c["amount"]) for c in listed] == [
        ("gold", "Plan gold", None, "1.25")
    ]


def test_the_share_page_of_a_plan_and_the_earnings_page_list_plans(plan, make_referrer, client):
    alice = make_referrer("alice")
    _plan_visit(alice, plan)
    _buy_plan(UserFactory(username="bob"), plan)
    client.force_login(alice.user)

    earnings = client.get("/zh-hans/referrals/").content.decode()
    share = client.get("/zh-hans/referrals/plans/gold/")
    picked = client.get("/en/referrals/share/", {"course": "https://example.com/en/plans/gold/"})

    assert 'href="/zh-hans/referrals/plans/gold/"' in earnings
    assert earnings.count("会员 gold") == 2  # shared from the list, and the commission's line
    assert share.status_code == 200
    assert f"/r/{alice.code}/plans/gold/" in share.content.decode()
    # The poster is drawn in the page's language, not the browser's Accept-Language: the
    # poster's API path has no language prefix of its own.
    assert "?plan=gold&amp;lang=zh-hans" in share.content.decode()
    assert picked["Location"] == "/en/referrals/plans/gold/"
    assert client.get("/en/referrals/plans/no-such-plan/").status_code == 404
