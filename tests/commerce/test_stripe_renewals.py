"""Membership renewals charged to a saved Stripe payment method: the first payment saves
the method to the learner's Stripe Customer (``setup_future_usage=off_session``), each
renewal is an off-session PaymentIntent on that Customer. The fake Stripe API on 127.0.0.1
refuses what Stripe refuses (an off-session charge without a Customer or with a method
never attached to it), so these tests fail without the saving."""

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from commerce.models import Order, Payment, ProviderCustomer, Subscription, SubscriptionPeriod
from commerce.services import order_checkout
from commerce.services.subscriptions import subscription_renew
from notifications.models import Notification
from tests.factories import CourseFactory, UserFactory
from tests.plans.factories import make_plan

from .test_subscriptions import _period_over

pytestmark = pytest.mark.django_db


def _posts(fake, path: str) -> list[dict]:
    return [r for r in fake.requests if r["method"] == "POST" and r["path"] == path]


def _join(learner, plan, token="pm_card_visa") -> Order:
    return order_checkout(
        user=learner,
        items=[{"plan": plan.slug}],
        currency="USD",
        payment={"provider": "stripe", "token": token},
    ).order


@pytest.fixture
def member(fake_stripe):
    learner = UserFactory(email="member@example.com")
    plan = make_plan(courses=[CourseFactory()])
    order = _join(learner, plan)
    assert order.status == "paid"
    return Subscription.objects.get(user=learner)


def test_the_first_payment_saves_the_method_to_a_new_customer_of_the_learner(fake_stripe, member):
    [customer_post] = _posts(fake_stripe, "/v1/customers")
    assert customer_post["form"] == {"email": "member@example.com", "metadata[learner]": str(member.user_id)}
    assert customer_post["headers"]["idempotency-key"] == f"customer-learner-{member.user_id}"
    [customer] = fake_stripe.customers.values()
    [intent_post] = _posts(fake_stripe, "/v1/payment_intents")
    assert intent_post["form"]["customer"] == customer["id"]
    assert intent_post["form"]["setup_future_usage"] == "off_session"
    assert intent_post["form"]["payment_method"] == "pm_card_visa"
    assert "off_session" not in intent_post["form"]
    assert (member.provider_customer, member.payment_method) == (customer["id"], "pm_card_visa")
    assert fake_stripe.attached == {"pm_card_visa": customer["id"]}
    assert ProviderCustomer.objects.get(user=member.user).reference == customer["id"]


def test_a_second_plan_reuses_the_learners_customer(fake_stripe, member):
    other_plan = make_plan(slug="second-plan", courses=[CourseFactory()])

    assert _join(member.user, other_plan, token="pm_card_mastercard").status == "paid"

    assert len(_posts(fake_stripe, "/v1/customers")) == 1
    second = Subscription.objects.get(user=member.user, plan=other_plan)
    assert second.provider_customer == member.provider_customer
    assert fake_stripe.attached["pm_card_mastercard"] == member.provider_customer


def test_a_course_bought_with_stripe_saves_nothing(fake_stripe, learner, course):
    order = order_checkout(
        user=learner,
        items=[{"course": course.slug}],
        currency="USD",
        payment={"provider": "stripe", "token": "pm_card_visa"},
    ).order

    assert order.status == "paid"
    assert _posts(fake_stripe, "/v1/customers") == []
    assert "customer" not in _posts(fake_stripe, "/v1/payment_intents")[0]["form"]


def test_the_renewal_is_an_off_session_charge_of_the_saved_method(fake_stripe, member):
    _period_over(member)

    assert subscription_renew(subscription_id=member.pk) == "renewed"

    renewal_post = _posts(fake_stripe, "/v1/payment_intents")[-1]
    renewal = Order.objects.filter(user=member.user).order_by("-id").first()
    assert renewal_post["form"] == {
        "amount": "1000",
        "currency": "usd",
        "customer": member.provider_customer,
        "payment_method": "pm_card_visa",
        "off_session": "true",
        "confirm": "true",
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never",
        "metadata[order_number]": str(renewal.number),
    }
    # The key of this period and attempt: a retry of the same attempt never charges twice.
    assert renewal_post["headers"]["idempotency-key"] == f"charge-subscription-{member.pk}-2-1"
    assert len(fake_stripe.charges) == 2
    assert SubscriptionPeriod.objects.get(subscription=member, number=2).status == "paid"
    assert renewal.total == Decimal("10.00")


def test_a_legacy_membership_without_a_saved_customer_renews_manually_without_a_charge(fake_stripe, member):
    # As every Stripe membership was before methods were saved: a bare PaymentMethod, which
    # Stripe refuses to charge again (see the fake's _refuse_saved_method_use).
    Subscription.objects.filter(pk=member.pk).update(provider_customer="")
    _period_over(member)
    intents_before = len(_posts(fake_stripe, "/v1/payment_intents"))

    assert subscription_renew(subscription_id=member.pk) == "awaiting_renewal"
    assert subscription_renew(subscription_id=member.pk) == "waiting"  # for the learner, till the grace end

    assert len(_posts(fake_stripe, "/v1/payment_intents")) == intents_before  # never tried
    member.refresh_from_db()
    assert (member.renewal, member.status, member.retry_count, member.next_retry_at) == (
        "manual",
        "past_due",
        0,
        None,
    )
    assert member.grace_until == member.current_period_end + timedelta(days=7)
    assert list(
        Notification.objects.filter(user=member.user, kind="membership").values_list(
            "params__event", flat=True
        )
    ) == ["renewal_due"]


def test_the_migration_turns_legacy_stripe_and_cnpay_memberships_manual(fake_stripe, member):
    migration = importlib.import_module("commerce.migrations.0007_subscription_renewal_mode")
    legacy = Subscription.objects.filter(pk=member.pk)
    legacy.update(provider_customer="")
    saved = make_plan(slug="saved", courses=[CourseFactory()])
    assert _join(UserFactory(), saved).status == "paid"
    wechat = Subscription.objects.get(plan=saved)
    Subscription.objects.filter(pk=wechat.pk).update(provider="wechatpay", provider_customer="")
    third = make_plan(slug="third", courses=[CourseFactory()])
    assert _join(UserFactory(), third).status == "paid"

    migration.live_memberships_without_a_chargeable_method_renew_manually(django_apps, None)

    assert dict(Subscription.objects.values_list("plan__slug", "renewal")) == {
        "all-access": "manual",
        "saved": "manual",
        "third": "automatic",
    }


@pytest.mark.parametrize("bank_says", ["authentication_required", "card_declined"])
def test_a_bank_that_wants_the_learner_or_declines_starts_dunning(fake_stripe, member, bank_says):
    fake_stripe.off_session_errors["pm_card_visa"] = bank_says
    _period_over(member)

    assert subscription_renew(subscription_id=member.pk) == "failed"

    member.refresh_from_db()
    assert (member.status, member.retry_count) == ("past_due", 1)
    assert member.next_retry_at is not None and member.grace_until is not None
    period = SubscriptionPeriod.objects.get(subscription=member, number=2)
    assert period.status == "failed"
    assert Payment.objects.get(order=period.order).failure_code == bank_says
    assert len(fake_stripe.charges) == 1

    # The learner fixes the card with the bank: the retry charges it off-session again.
    del fake_stripe.off_session_errors["pm_card_visa"]
    Subscription.objects.filter(pk=member.pk).update(next_retry_at=member.current_period_end)
    assert subscription_renew(subscription_id=member.pk) == "renewed"
    assert _posts(fake_stripe, "/v1/payment_intents")[-1]["headers"]["idempotency-key"] == (
        f"charge-subscription-{member.pk}-2-2"
    )
