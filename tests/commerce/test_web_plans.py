"""Memberships and bundles bought in the browser on the provider's page, and how each
renews: a card paid on Stripe Checkout is saved to the learner's Stripe Customer and
charged off-session at the first renewal (the fake Stripe API on 127.0.0.1 refuses an
off-session charge of a method never attached to that Customer); WeChat Pay and Alipay
memberships renew manually: one reminder, never a charge, "Renew now" adds the next period
to the same subscription, the grace period's end ends it."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import LearnerProfile
from commerce.models import Order, ProviderCustomer, Subscription, SubscriptionPeriod
from commerce.payments.wechatpay_adapter import out_trade_no
from commerce.services.subscriptions import subscription_renew
from commerce.tasks import advance_subscriptions
from core.outbox import outbox_drain
from courses.models import Enrollment
from notifications.models import Notification
from tests.factories import CourseFactory, LearnerProfileFactory, UserFactory
from tests.plans.factories import make_bundle, make_plan

from .test_stripe import _stripe_signature
from .test_subscriptions import _period_over

pytestmark = pytest.mark.django_db

DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def url(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


def _posts(fake, path: str) -> list[dict]:
    return [r for r in fake.requests if r["method"] == "POST" and r["path"] == path]


@pytest.fixture
def stripe_default(fake_stripe, settings):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.PAYMENT_PROVIDERS_ENABLED = ["stripe"]
    return fake_stripe


@pytest.fixture
def cnpay(fake_wechatpay, fake_alipay, settings):
    settings.PAYMENT_PROVIDERS_ENABLED = ["sandbox", "wechatpay", "alipay"]
    return fake_wechatpay, fake_alipay


def _product_form(client, query: str) -> tuple[str, dict]:
    page = client.get(url("commerce:product_checkout") + query, headers={"User-Agent": DESKTOP})
    assert page.status_code == 200
    html = page.content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)
    return html, {"discount_code": "", "idempotency_key": key}


def _deliver_session(session: dict, event_id: str) -> dict:
    payload = json.dumps(
        {"id": event_id, "object": "event", "type": "checkout.session.completed", "data": {"object": session}}
    )
    return (
        APIClient()
        .post(
            "/api/v1/payments/webhooks/stripe/",
            payload,
            content_type="application/json",
            headers={"Stripe-Signature": _stripe_signature(payload)},
        )
        .json()
    )


# --- Stripe Checkout --------------------------------------------------------------------


def test_plan_bought_on_stripe_checkout_saves_the_card_and_the_first_renewal_charges_it(
    client, learner, stripe_default
):
    plan = make_plan(courses=[CourseFactory()])
    client.force_login(learner)
    html, form = _product_form(client, f"?plan={plan.slug}&currency=USD")
    assert 'data-testid="hosted-payment-note"' in html and 'name="token"' not in html

    response = client.post(url("commerce:product_checkout"), {**form, "plan": plan.slug, "currency": "USD"})

    order = Order.objects.get(user=learner)
    [session] = stripe_default.sessions.values()
    assert (response.status_code, response["Location"]) == (302, session["url"])
    customer = ProviderCustomer.objects.get(user=learner, provider="stripe").reference
    [sent] = _posts(stripe_default, "/v1/checkout/sessions")
    assert sent["form"]["customer"] == customer
    assert sent["form"]["payment_intent_data[setup_future_usage]"] == "off_session"
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == "1000"
    assert sent["headers"]["idempotency-key"] == f"session-order-{order.number}"
    # Made before the page, outside any transaction, once.
    assert [p["headers"]["idempotency-key"] for p in _posts(stripe_default, "/v1/customers")] == [
        f"customer-learner-{learner.pk}"
    ]

    # The learner pays on Stripe's page (a card we never see) and the webhook says so.
    paid = stripe_default.complete_session(session["id"])
    assert _deliver_session(paid, "evt_plan_1")["outcome"] == "paid"

    subscription = Subscription.objects.get(user=learner)
    assert (subscription.status, subscription.renewal, subscription.provider_customer) == (
        "active",
        "automatic",
        customer,
    )
    assert subscription.payment_method == ""  # read back before the first renewal
    [card] = [m for m, owner in stripe_default.attached.items() if owner == customer]

    _period_over(subscription)
    assert subscription_renew(subscription_id=subscription.pk) == "renewed"

    subscription.refresh_from_db()
    assert subscription.payment_method == card
    read = [r for r in stripe_default.requests if r["path"] == f"/v1/checkout/sessions/{session['id']}"]
    assert [(r["method"], sorted(r["query"].values())) for r in read] == [("GET", ["payment_intent"])]
    renewal_post = _posts(stripe_default, "/v1/payment_intents")[-1]["form"]
    assert (renewal_post["customer"], renewal_post["payment_method"], renewal_post["off_session"]) == (
        customer,
        card,
        "true",
    )
    assert list(subscription.periods.values_list("number", "status")) == [(1, "paid"), (2, "paid")]
    assert len(stripe_default.charges) == 2


def test_a_session_paid_without_saving_turns_the_membership_manual_before_its_end(
    client, learner, stripe_default, settings
):
    settings.SUBSCRIPTION_RENEWAL_REMINDER_DAYS = 3
    plan = make_plan(courses=[CourseFactory()])
    client.force_login(learner)
    _html, form = _product_form(client, f"?plan={plan.slug}&currency=USD")
    client.post(url("commerce:product_checkout"), {**form, "plan": plan.slug, "currency": "USD"})
    [session] = stripe_default.sessions.values()
    session["setup_future_usage"] = None  # Stripe kept no card (a wallet that cannot be saved)
    stripe_default.complete_session(session["id"])
    client.get(url("commerce:order_detail", number=str(Order.objects.get().number)) + "?paid=1")
    subscription = Subscription.objects.get(user=learner)
    # Two days before the end: inside the reminder's days.
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_end=timezone.now() + timedelta(days=2)
    )

    assert advance_subscriptions.delay().get()["reminded"] == 1

    subscription.refresh_from_db()
    assert (subscription.renewal, subscription.payment_method, subscription.status) == (
        "manual",
        "",
        "active",
    )
    assert Notification.objects.filter(user=learner, params__event="renewal_due").count() == 1
    assert _posts(stripe_default, "/v1/payment_intents") == []


def test_the_fake_refuses_saving_a_card_without_a_customer_like_stripe(stripe_default):
    from commerce.exceptions import PaymentProviderError
    from commerce.payments import get_provider

    with pytest.raises(PaymentProviderError):
        get_provider("stripe").create_redirect(
            amount=Decimal("10.00"),
            currency="USD",
            order_number="n-1",
            description="Plan",
            success_url="https://x/ok",
            cancel_url="https://x/no",
            idempotency_key="k-1",
            save_method=True,
        )
    assert stripe_default.sessions == {}


def test_a_bundle_on_stripe_checkout_saves_no_card(client, learner, stripe_default):
    bundle = make_bundle(courses=[CourseFactory(), CourseFactory()])
    client.force_login(learner)
    _html, form = _product_form(client, f"?bundle={bundle.slug}&currency=USD")

    response = client.post(
        url("commerce:product_checkout"), {**form, "bundle": bundle.slug, "currency": "USD"}
    )

    [session] = stripe_default.sessions.values()
    assert response["Location"] == session["url"]
    [sent] = _posts(stripe_default, "/v1/checkout/sessions")
    assert "customer" not in sent["form"]
    assert "payment_intent_data[setup_future_usage]" not in sent["form"]
    assert _posts(stripe_default, "/v1/customers") == []
    stripe_default.complete_session(session["id"])
    client.get(url("commerce:order_detail", number=str(Order.objects.get().number)) + "?paid=1")
    assert Enrollment.objects.filter(user=learner, is_active=True).count() == 2


# --- WeChat Pay and Alipay: manual renewal ------------------------------------------------


def _join_with_wechat(client, learner, plan, wechat) -> Order:
    html, form = _product_form(client, f"?plan={plan.slug}&currency=CNY")
    assert re.findall(r'name="method" value="([^"]+)"', html) == [
        "sandbox:",
        "wechatpay:native",
        "alipay:page",
    ]
    response = client.post(
        url("commerce:product_checkout"),
        {**form, "plan": plan.slug, "currency": "CNY", "method": "wechatpay:native"},
        headers={"User-Agent": DESKTOP},
    )
    order = Order.objects.filter(user=learner).order_by("-id").first()
    assert response["Location"] == url("commerce:order_pay", number=order.number)
    wechat.pay(out_trade_no(str(order.number)), notify=False)
    # Back on our page, which asks WeChat Pay (the notification may come later).
    client.get(url("commerce:order_detail", number=str(order.number)) + "?paid=1")
    order.refresh_from_db()
    assert order.status == "paid"
    return order


@pytest.fixture
def wechat_member(client, cnpay, settings):
    settings.SUBSCRIPTION_RENEWAL_REMINDER_DAYS = 3
    settings.SUBSCRIPTION_GRACE_DAYS = 7
    wechat, _alipay = cnpay
    learner = UserFactory(username="mei", email="mei@example.com")
    LearnerProfileFactory(user=learner, preferred_language="zh-hans")
    LearnerProfile.objects.filter(user=learner).update(time_zone="Asia/Shanghai")
    client.force_login(learner)
    plan = make_plan(courses=[CourseFactory()])
    _join_with_wechat(client, learner, plan, wechat)
    subscription = Subscription.objects.get(user=learner)
    assert (subscription.provider, subscription.renewal) == ("wechatpay", "manual")
    return subscription


def _days_before_end(subscription, days: float) -> None:
    end = timezone.now() + timedelta(days=days)
    length = subscription.current_period_end - subscription.current_period_start
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_start=end - length, current_period_end=end
    )
    SubscriptionPeriod.objects.filter(subscription=subscription).update(starts_at=end - length, ends_at=end)


def test_a_wechat_membership_is_reminded_once_in_the_learners_language_and_never_charged(
    client, wechat_member, cnpay
):
    wechat, alipay = cnpay
    charges_before = len(wechat.charges) + len(alipay.charges)
    _days_before_end(wechat_member, 5)
    assert advance_subscriptions.delay().get().get("reminded", 0) == 0  # not yet
    _days_before_end(wechat_member, 2)
    mail.outbox.clear()

    first = advance_subscriptions.delay().get()
    again = advance_subscriptions.delay().get()

    assert (first.get("reminded"), again.get("reminded", 0)) == (1, 0)
    [notice] = Notification.objects.filter(user=wechat_member.user, params__event="renewal_due")
    outbox_drain()
    notice.refresh_from_db()
    [message] = [m for m in mail.outbox if m.subject == notice.subject]
    assert message.to == ["mei@example.com"]
    wechat_member.refresh_from_db()
    local_end = timezone.localtime(wechat_member.current_period_end, timezone=_zone("Asia/Shanghai"))
    assert "续费" in message.subject  # the reminder in Simplified Chinese (as the other membership mails)
    assert f"{local_end:%H:%M}" in message.body and "Asia/Shanghai" in message.body
    assert f"?plan={wechat_member.plan.slug}" in message.body  # the link to renew
    assert notice.key.startswith(f"membership:{wechat_member.pk}:renewal_due:")
    assert len(wechat.charges) + len(alipay.charges) == charges_before  # nothing charged
    # My membership and the plan page offer "Renew now".
    mine = client.get(url("commerce:membership")).content.decode()
    assert 'data-testid="renew-now"' in mine and 'data-testid="renew-by"' in mine
    plan_page = client.get(url("plans:detail", slug=wechat_member.plan.slug)).content.decode()
    assert 'data-testid="renew-now"' in plan_page and 'data-testid="buy-product"' not in plan_page


def _zone(name):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_at_the_end_a_manual_membership_stays_open_then_renew_now_adds_period_two(
    client, wechat_member, cnpay
):
    wechat, _alipay = cnpay
    learner = wechat_member.user
    _period_over(wechat_member)
    wechat_member.refresh_from_db()
    end = wechat_member.current_period_end

    assert advance_subscriptions.delay().get()["awaiting_renewal"] == 1

    wechat_member.refresh_from_db()
    assert (wechat_member.status, wechat_member.grace_until, wechat_member.next_retry_at) == (
        "past_due",
        end + timedelta(days=7),
        None,
    )
    # The reminder's days went by without a run: it goes at the end, once.
    assert Notification.objects.filter(user=learner, params__event="renewal_due").count() == 1
    assert Enrollment.objects.filter(user=learner, is_active=True).count() == 1  # grace: still open
    assert advance_subscriptions.delay().get().get("awaiting_renewal", 0) == 0  # not due again
    assert 'data-testid="renew-now"' in client.get(url("commerce:membership")).content.decode()

    # Renew now: a normal plan checkout, this time with Alipay.
    _alipay_pay_plan(client, learner, wechat_member.plan, cnpay)

    wechat_member.refresh_from_db()
    periods = list(wechat_member.periods.values_list("number", "status", "starts_at", "ends_at"))
    assert [(n, s) for n, s, _a, _b in periods] == [(1, "paid"), (2, "paid")]
    assert periods[1][2] == periods[0][3] == end  # period 2 follows period 1
    assert (wechat_member.status, wechat_member.grace_until, wechat_member.provider) == (
        "active",
        None,
        "alipay",
    )
    assert wechat_member.renewal == "manual"
    assert wechat_member.current_period_end == periods[1][3] > timezone.now()
    assert Subscription.objects.filter(user=learner).count() == 1
    assert Order.objects.filter(user=learner, status="paid").count() == 2
    assert wechat.charges and len(wechat.charges) == 1  # WeChat Pay was paid once, by the learner


def _alipay_pay_plan(client, learner, plan, cnpay):
    from commerce.payments.alipay_adapter import out_trade_no as alipay_trade_no

    _wechat, alipay = cnpay
    _html, form = _product_form(client, f"?plan={plan.slug}&currency=CNY")
    response = client.post(
        url("commerce:product_checkout"),
        {**form, "plan": plan.slug, "currency": "CNY", "method": "alipay:page"},
        headers={"User-Agent": DESKTOP},
    )
    assert response.status_code == 302
    order = Order.objects.filter(user=learner).order_by("-id").first()
    assert alipay.open(response["Location"]).status_code == 200
    alipay.pay(alipay_trade_no(str(order.number)), notify=False)
    client.get(url("commerce:order_detail", number=str(order.number)) + "?paid=1")
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def test_a_manual_membership_not_renewed_ends_at_the_grace_end(wechat_member):
    _period_over(wechat_member)
    assert advance_subscriptions.delay().get()["awaiting_renewal"] == 1
    Subscription.objects.filter(pk=wechat_member.pk).update(grace_until=timezone.now() - timedelta(seconds=1))

    assert advance_subscriptions.delay().get()["expired"] == 1

    wechat_member.refresh_from_db()
    assert wechat_member.status == "expired"
    assert not Enrollment.objects.filter(user=wechat_member.user, is_active=True).exists()
    events = sorted(
        Notification.objects.filter(user=wechat_member.user, kind="membership").values_list(
            "params__event", flat=True
        )
    )
    assert events == ["ended", "renewal_due"]
    assert SubscriptionPeriod.objects.filter(subscription=wechat_member).count() == 1  # no charge tried


def test_renew_now_is_refused_before_the_reminder_and_cancel_resume_still_work(client, wechat_member):
    from commerce.services.subscriptions import subscription_cancel, subscription_resume

    plan = wechat_member.plan
    _html, form = _product_form(client, f"?plan={plan.slug}&currency=CNY")
    early = client.post(
        url("commerce:product_checkout"),
        {**form, "plan": plan.slug, "currency": "CNY", "method": "alipay:page"},
        headers={"User-Agent": DESKTOP},
    )
    assert early.status_code == 400  # a month ahead: already a member
    assert Order.objects.filter(user=wechat_member.user).count() == 1

    subscription_cancel(user=wechat_member.user, subscription_id=wechat_member.pk)
    _days_before_end(wechat_member, 1)
    assert advance_subscriptions.delay().get().get("reminded", 0) == 0  # cancelled: no reminder
    assert 'data-testid="renew-now"' not in client.get(url("commerce:membership")).content.decode()
    subscription_resume(user=wechat_member.user, subscription_id=wechat_member.pk)
    assert advance_subscriptions.delay().get()["reminded"] == 1


@pytest.mark.parametrize("count", [1, 3])
def test_my_membership_costs_a_fixed_number_of_queries(client, django_assert_num_queries, count, settings):
    from commerce.services import order_checkout

    settings.SUBSCRIPTION_RENEWAL_REMINDER_DAYS = 40  # every membership is due: "Renew now" on each
    learner = UserFactory()
    for n in range(count):
        plan = make_plan(slug=f"plan-{n}", courses=[CourseFactory()])
        order_checkout(
            user=learner,
            items=[{"plan": plan.slug}],
            currency="USD",
            payment={"provider": "sandbox", "token": "tok_success"},
        )
    Subscription.objects.update(renewal="manual")
    client.force_login(learner)
    page_url = url("commerce:membership")
    client.get(page_url)  # warm the session and the caches

    with django_assert_num_queries(MEMBERSHIP_PAGE_QUERIES):
        page = client.get(page_url)

    assert page.content.decode().count('data-testid="renew-now"') == count


# The session, the memberships with their plans, and the header's cart and partner link:
# whatever the number of memberships.
MEMBERSHIP_PAGE_QUERIES = 4


def test_the_admin_shows_and_filters_the_renewal_mode(client, wechat_member):
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    automatic = make_plan(slug="card-plan", courses=[CourseFactory()])
    from commerce.services import order_checkout

    order_checkout(
        user=UserFactory(),
        items=[{"plan": automatic.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_success"},
    )
    changelist = reverse("admin:commerce_subscription_changelist")

    manual_only = client.get(changelist + "?renewal__exact=manual").content.decode()
    change = client.get(reverse("admin:commerce_subscription_change", args=[wechat_member.pk]))

    assert manual_only.count('class="field-renewal"') == 1  # the WeChat Pay membership alone
    other = Subscription.objects.get(plan=automatic)
    assert f'name="_selected_action" value="{wechat_member.pk}"' in manual_only
    assert f'name="_selected_action" value="{other.pk}"' not in manual_only
    assert change.status_code == 200 and "field-renewal" in change.content.decode()
