"""Discount codes: generation, quote, redeem/release/confirm, rate limit, races."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from campaigns import services
from campaigns.exceptions import (
    CampaignNotRunning,
    CodeExhausted,
    CodeExpired,
    CodeInvalid,
    CodeLimitReached,
    CodeNotApplicable,
    TooManyAttempts,
)
from campaigns.models import Campaign, CampaignFixedDiscount, CodeRedemption, DiscountCode, VisitorAssignment
from core.rawsql import deferred_writes
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory, DiscountCodeFactory, TouchFactory, VariantFactory

pytestmark = pytest.mark.django_db

PRICE = Decimal("29.00")


def _setup(**campaign_kwargs):
    course = CourseFactory()
    campaign = CampaignFactory(courses=[course], **campaign_kwargs)
    return campaign, course


def _quote(code, user, course, **kwargs):
    return services.discount_code_quote(
        code=code, user=user, course_ids=[course.pk], currency="USD", amounts={course.pk: PRICE}, **kwargs
    )


def test_generated_codes_are_unique_unguessable_and_from_the_unambiguous_alphabet():
    campaign, _course = _setup()

    codes = services.discount_codes_generate(
        campaign=campaign, count=50, max_redemptions=1, per_customer_limit=1
    )

    values = [c.code for c in codes]
    assert len(values) == len(set(values)) == 50
    assert all(len(v) == 10 and set(v) <= set(services.CODE_ALPHABET) for v in values)
    assert len({c.batch_id for c in codes}) == 1


def test_quote_gives_the_percentage_off_the_campaign_courses_only():
    campaign, course = _setup()
    other = CourseFactory()
    code = DiscountCodeFactory(campaign=campaign, code="BANK10")
    user = UserFactory()

    quote = services.discount_code_quote(
        code=" bank10 ",
        user=user,
        course_ids=[course.pk, other.pk],
        currency="USD",
        amounts={course.pk: PRICE, other.pk: PRICE},
    )

    assert quote.code_id == code.pk
    assert quote.campaign_id == campaign.pk
    assert quote.discounts == {course.pk: Decimal("2.90")}
    assert quote.total == Decimal("2.90")


def test_fixed_discount_per_currency_is_capped_at_the_price():
    campaign, course = _setup(discount_type=Campaign.DiscountType.FIXED)
    CampaignFixedDiscount.objects.create(campaign=campaign, currency="USD", amount=Decimal("50"))
    DiscountCodeFactory(campaign=campaign, code="FIXED50")

    quote = _quote("FIXED50", UserFactory(), course)
    assert quote.discounts == {course.pk: PRICE}
    with pytest.raises(CodeNotApplicable):
        services.discount_code_quote(
            code="FIXED50",
            user=UserFactory(),
            course_ids=[course.pk],
            currency="EUR",
            amounts={course.pk: PRICE},
        )


def test_variant_discount_depth_applies_to_its_visitors():
    campaign, course = _setup()
    variant = VariantFactory(campaign=campaign, discount_percent=Decimal("20"))
    VisitorAssignment.objects.create(campaign=campaign, visitor_id="v-1", variant=variant)
    DiscountCodeFactory(campaign=campaign, code="DEEP20")

    quote = _quote("DEEP20", UserFactory(), course, visitor_id="v-1")

    assert quote.variant_id == variant.pk
    assert quote.discounts == {course.pk: Decimal("5.80")}


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        (lambda c: None, CodeInvalid),
        (
            lambda c: DiscountCodeFactory(
                campaign=c, code="OLD1", expires_at=timezone.now() - timedelta(minutes=1)
            ),
            CodeExpired,
        ),
        (lambda c: DiscountCodeFactory(campaign=c, code="USED1", redemptions_count=1), CodeExhausted),
        (lambda c: DiscountCodeFactory(campaign=c, code="OFF1", is_active=False), CodeInvalid),
    ],
)
def test_quote_refusals(setup, error):
    campaign, course = _setup()
    setup(campaign)
    code = {CodeExpired: "OLD1", CodeExhausted: "USED1"}.get(error, "OFF1")

    with pytest.raises(error):
        _quote(code, UserFactory(), course)


@pytest.mark.parametrize("status", ["draft", "submitted", "approved", "ended"])
def test_quote_needs_a_running_campaign(status):
    campaign, course = _setup(status=status)
    DiscountCodeFactory(campaign=campaign, code="NOTYET")

    with pytest.raises(CampaignNotRunning) as exc:
        _quote("NOTYET", UserFactory(), course)
    assert exc.value.code == "campaign_not_running"


def test_holdout_visitor_is_never_offered_the_discount():
    campaign, course = _setup(holdout_share=Decimal("0.1"))
    VisitorAssignment.objects.create(campaign=campaign, visitor_id="holdout-1", is_holdout=True)
    DiscountCodeFactory(campaign=campaign, code="HOLD10", max_redemptions=10)

    with pytest.raises(CodeNotApplicable):
        _quote("HOLD10", UserFactory(), course, visitor_id="holdout-1")
    assert _quote("HOLD10", UserFactory(), course, visitor_id="other").total == Decimal("2.90")


def test_redeem_release_confirm_move_the_counter():
    campaign, course = _setup()
    code = DiscountCodeFactory(campaign=campaign, code="ONCE1")
    user = UserFactory()
    quote = _quote("ONCE1", user, course)

    services.discount_code_redeem(quote=quote, user=user, order_ref="ORD-1")
    services.discount_code_redeem(quote=quote, user=user, order_ref="ORD-1")  # retried: same reservation
    code.refresh_from_db()
    assert code.redemptions_count == 1
    with pytest.raises(CodeExhausted):
        _quote("ONCE1", UserFactory(), course)

    services.discount_code_release(order_ref="ORD-1")
    services.discount_code_release(order_ref="ORD-1")
    code.refresh_from_db()
    assert code.redemptions_count == 0
    assert CodeRedemption.objects.get(order_ref="ORD-1").status == CodeRedemption.Status.RELEASED

    services.discount_code_redeem(quote=quote, user=user, order_ref="ORD-2")
    services.discount_code_confirm(order_ref="ORD-2")
    assert CodeRedemption.objects.get(order_ref="ORD-2").status == CodeRedemption.Status.CONFIRMED


@pytest.mark.postgres
def test_a_use_taken_with_the_orders_writes_is_checked_when_they_go_out():
    # given a quote made while the code had a use left, and the last use taken meanwhile
    campaign, course = _setup()
    code = DiscountCodeFactory(campaign=campaign, code="LAST1", max_redemptions=1)
    user = UserFactory()
    quote = _quote("LAST1", user, course)
    DiscountCode.objects.filter(pk=code.pk).update(redemptions_count=1)
    # when the reservation waits with an order's writes (a checkout's transaction)
    with pytest.raises(CodeExhausted), transaction.atomic(), deferred_writes("default"):
        redemption = services.discount_code_redeem(quote=quote, user=user, order_ref="ORD-LATE")
        assert redemption.pk is None  # not written yet
    # then the used-up code is raised when they go out, and nothing of it stays
    assert not CodeRedemption.objects.filter(order_ref="ORD-LATE").exists()
    assert DiscountCode.objects.get(pk=code.pk).redemptions_count == 1


def test_the_browsers_assignment_decides_before_the_learners_touches():
    # given a learner whose latest touch with a variant saw 20 % off, and a later touch without
    campaign, course = _setup()
    variant = VariantFactory(campaign=campaign, discount_percent=Decimal("20"))
    user = UserFactory()
    earlier = timezone.now() - timedelta(minutes=5)
    TouchFactory(campaign=campaign, user=user, variant=variant, created_at=earlier)
    TouchFactory(campaign=campaign, user=user, variant=None)
    # and a browser assigned the campaign's own offer (no variant)
    VisitorAssignment.objects.create(campaign=campaign, visitor_id="v-own", variant=None)
    DiscountCodeFactory(campaign=campaign, code="OWN10", max_redemptions=10)
    # then in that browser the code gives the campaign's own offer, not the touch's
    in_browser = _quote("OWN10", user, course, visitor_id="v-own")
    assert in_browser.variant_id is None
    # and elsewhere (another browser, the API) the latest touch that had a variant decides
    elsewhere = _quote("OWN10", user, course, visitor_id="v-unknown")
    assert (elsewhere.variant_id, elsewhere.discounts) == (variant.pk, {course.pk: Decimal("5.80")})
    assert _quote("OWN10", user, course).variant_id == variant.pk


def test_per_customer_limit():
    campaign, course = _setup()
    DiscountCodeFactory(campaign=campaign, code="MANY1", max_redemptions=10, per_customer_limit=1)
    user = UserFactory()
    services.discount_code_redeem(quote=_quote("MANY1", user, course), user=user, order_ref="A")

    with pytest.raises(CodeLimitReached):
        _quote("MANY1", user, course)
    assert _quote("MANY1", UserFactory(), course).total == Decimal("2.90")


def test_wrong_codes_are_rate_limited_per_client():
    campaign, course = _setup()
    DiscountCodeFactory(campaign=campaign, code="REAL10", max_redemptions=10)
    user = UserFactory()
    for attempt in range(services.CODE_FAILURE_LIMIT):
        with pytest.raises(CodeInvalid):
            _quote(f"GUESS{attempt}", user, course)

    with pytest.raises(TooManyAttempts) as exc:
        _quote("REAL10", user, course)
    assert exc.value.status_code == 429
    # Another client is not affected.
    assert _quote("REAL10", UserFactory(), course).total == Decimal("2.90")
    assert _quote("REAL10", None, course, client="ip:10.0.0.9").total == Decimal("2.90")


# --- Races on PostgreSQL ---------------------------------------------------------------------


def _race(count, worker):
    barrier = threading.Barrier(count)
    results: list[str] = []
    lock = threading.Lock()

    def run(i):
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                worker(i)
            outcome = "ok"
        except Exception as exc:  # the outcome is what the test asserts on
            outcome = getattr(exc, "code", type(exc).__name__)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_redemptions_of_a_single_use_code_let_exactly_one_through():
    campaign, course = _setup()
    code = DiscountCodeFactory(campaign=campaign, code="SINGLE1", max_redemptions=1)
    users = [UserFactory() for _i in range(20)]
    quotes = [_quote("SINGLE1", user, course) for user in users]

    results = _race(
        20, lambda i: services.discount_code_redeem(quote=quotes[i], user=users[i], order_ref=f"R{i}")
    )

    assert sorted(results) == ["code_exhausted"] * 19 + ["ok"]
    code.refresh_from_db()
    assert code.redemptions_count == 1
    assert CodeRedemption.objects.filter(code=code).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_per_customer_limit_of_one_holds_under_concurrent_checkouts_of_one_learner():
    campaign, course = _setup()
    code = DiscountCodeFactory(campaign=campaign, code="ONEEACH", max_redemptions=100, per_customer_limit=1)
    user = UserFactory()
    quote = _quote("ONEEACH", user, course)

    results = _race(10, lambda i: services.discount_code_redeem(quote=quote, user=user, order_ref=f"L{i}"))

    assert sorted(results) == ["code_limit_reached"] * 9 + ["ok"]
    code.refresh_from_db()
    assert code.redemptions_count == 1
    assert DiscountCode.objects.get(pk=code.pk).redemptions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_locked_quote_is_made_only_inside_a_transaction():
    # Outside one its lock would end with its own statement, while the redemption that
    # follows trusts the quote's checks as made under that lock.
    campaign, course = _setup()
    code = DiscountCodeFactory(campaign=campaign, code="LOCKME")
    with pytest.raises(TransactionManagementError):
        _quote("LOCKME", UserFactory(), course, lock=True)
    with transaction.atomic():
        assert _quote("LOCKME", UserFactory(), course, lock=True).locked_code == code
