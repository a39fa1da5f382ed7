"""The fault matrix of the payment provider (issue 10): every provider fault against every
money flow, driven through HTTP where the flow has an HTTP door, each ending in exactly one
paid order and one charge per checkout, one provider refund per refund, never more.

Faults (the fake Stripe server on 127.0.0.1): a timeout before the charge, a timeout after
it (the answer lost), a 5xx before it, a 5xx after it. Flows: the API checkout retried with
its key; the staff refund page, the reconciler finishing the refund; the provider's
webhook for the charge (delivered twice); the reconciler alone (nobody retries). Each case
records its row of the matrix (``tests.fault_matrix``) from what it counted."""

import time
from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from commerce.models import LedgerEntry, Order, Refund
from commerce.services import order_checkout, payments_reconcile
from tests.factories import UserFactory
from tests.fault_matrix import fault_record

from .test_faults import PAY, _deliver

pytestmark = pytest.mark.django_db

FAULTS = {
    "timeout_before": "provider timeout before charge",
    "timeout_after": "provider timeout after charge",
    "error_500": "provider 5xx before charge",
    "error_500_after": "provider 5xx after charge",
}
CHARGED = {"timeout_after", "error_500_after"}
BUYERS = 3


@pytest.fixture(autouse=True)
def _reconcile_at_once(settings):
    settings.COMMERCE_RECONCILE_AFTER_SECONDS = 0


def _counts(fake) -> dict:
    return {
        "orders": Order.objects.count(),
        "paid_orders": Order.objects.filter(status=Order.Status.PAID).count(),
        "charges": len(fake.charges),
        "provider_refunds": len(fake.charged_refunds),
        "refunds": Refund.objects.count(),
        "ledger": LedgerEntry.objects.count(),
    }


def _checkout(client: APIClient, course, key: str):
    body = {"items": [{"course": course.slug}], "currency": "USD", "payment": PAY}
    return client.post("/api/v1/checkout/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def _charge_for(fake, order_number: str, wait: float = 10.0) -> dict:
    """The one charge the provider made for an order. The client gives up after 0.7 s; on a
    loaded machine that can be before the fake has even read the request, and the charge
    then lands a moment after the checkout answered."""
    deadline = time.monotonic() + wait
    while True:
        found = [c for c in fake.charges if c["metadata"].get("order_number") == order_number]
        if found or time.monotonic() > deadline:
            [charge] = found
            return charge
        time.sleep(0.05)


def _one_sale_each(fake, buyers) -> tuple[int, int]:
    """(lost, doubled) over ``buyers``: a buyer without exactly one paid order is lost, a
    second order or charge or a second set of ledger rows is doubled."""
    lost = doubled = 0
    for user in buyers:
        orders = list(Order.objects.filter(user=user))
        paid = [o for o in orders if o.status == Order.Status.PAID]
        lost += not paid
        charges = [
            c for c in fake.charges if c["metadata"].get("order_number") in {str(o.number) for o in orders}
        ]
        ledger = LedgerEntry.objects.filter(order__in=orders, kind="sale").count()
        doubled += len(paid) > 1 or len(charges) > 1 or ledger > 2
    return lost, doubled


@pytest.mark.parametrize("fault", list(FAULTS))
def test_checkout_retried_with_its_key(fake_stripe, course, fault):
    buyers = [UserFactory(username=f"co-{fault}-{n}") for n in range(BUYERS)]
    before, statuses = _counts(fake_stripe), Counter()
    for n, user in enumerate(buyers):
        client = APIClient()
        client.force_authenticate(user)
        fake_stripe.faults.append(("/v1/payment_intents", fault))
        first = _checkout(client, course, f"k-{n}")
        statuses[first.status_code] += 1
        assert (first.status_code, first.json()["code"]) == (502, "payment_outcome_unknown")
        retry = _checkout(client, course, f"k-{n}")
        statuses[retry.status_code] += 1
        assert retry.status_code == 201
    lost, doubled = _one_sale_each(fake_stripe, buyers)
    after = _counts(fake_stripe)
    fault_record(
        fault=FAULTS[fault],
        flow="checkout (API, retried)",
        statuses=statuses,
        before=before,
        after=after,
        lost=lost,
        doubled=doubled,
        note="502 payment_outcome_unknown, then 201 on the retry",
    )
    assert (lost, doubled) == (0, 0)
    assert after["charges"] - before["charges"] == BUYERS


@pytest.mark.parametrize("fault", list(FAULTS))
def test_refund_from_the_staff_page(fake_stripe, course, fault):
    staff = UserFactory(username=f"staff-{fault}", is_staff=True, is_superuser=True)
    orders = [
        order_checkout(
            user=UserFactory(username=f"rf-{fault}-{n}"),
            items=[{"course": course.slug}],
            currency="USD",
            payment=PAY,
        ).order
        for n in range(BUYERS)
    ]
    before, statuses = _counts(fake_stripe), Counter()
    page = Client()
    page.force_login(staff)
    for order in orders:
        fake_stripe.faults.append(("/v1/refunds", fault))
        response = page.post(
            f"/admin/commerce/order/{order.pk}/refund/", {"amount": str(order.total), "reason": "x"}
        )
        statuses[response.status_code] += 1
        assert (
            response.status_code == 200 and "errorlist" in response.content.decode()
        )  # outcome unknown, shown
        again = page.post(
            f"/admin/commerce/order/{order.pk}/refund/", {"amount": str(order.total), "reason": "x"}
        )
        statuses[again.status_code] += 1  # the pending refund holds the money back: refused
        assert again.status_code == 200
    outcome = payments_reconcile()
    assert outcome == {"refund_succeeded": BUYERS}, outcome
    assert payments_reconcile() == {}
    after = _counts(fake_stripe)
    refunded = Order.objects.filter(pk__in=[o.pk for o in orders], status=Order.Status.REFUNDED).count()
    per_order = [
        len([r for r in fake_stripe.charged_refunds if r["payment_intent"] == o.payment_reference])
        for o in orders
    ]
    doubled = sum(n > 1 for n in per_order) + (after["refunds"] - before["refunds"] - BUYERS)
    fault_record(
        fault=FAULTS[fault],
        flow="refund (staff page + reconciler)",
        statuses=statuses,
        before=before,
        after=after,
        lost=BUYERS - refunded,
        doubled=doubled,
        note="form error shown, a second try refused, the reconciler settles once",
    )
    assert (refunded, doubled) == (BUYERS, 0)
    assert after["ledger"] - before["ledger"] == 2 * BUYERS


@pytest.mark.parametrize("fault", list(FAULTS))
def test_webhook_for_the_charge(fake_stripe, course, fault):
    buyers = [UserFactory(username=f"wh-{fault}-{n}") for n in range(BUYERS)]
    before, statuses = _counts(fake_stripe), Counter()
    for n, user in enumerate(buyers):
        client = APIClient()
        client.force_authenticate(user)
        fake_stripe.faults.append(("/v1/payment_intents", fault))
        statuses[_checkout(client, course, f"w-{n}").status_code] += 1
        if fault not in CHARGED:
            statuses[_checkout(client, course, f"w-{n}").status_code] += 1  # the retry charges
        intent = _charge_for(fake_stripe, str(Order.objects.get(user=user).number))
        for _delivery in range(2):  # the provider delivers its event, then again
            response = _deliver(f"evt_{fault}_{n}", intent)
            statuses[response.status_code] += 1
            assert response.status_code == 200
    lost, doubled = _one_sale_each(fake_stripe, buyers)
    after = _counts(fake_stripe)
    fault_record(
        fault=FAULTS[fault],
        flow="webhook (delivered twice)",
        statuses=statuses,
        before=before,
        after=after,
        lost=lost,
        doubled=doubled,
        note="checkout answers included; a lost answer is settled by the webhook",
    )
    assert (lost, doubled) == (0, 0)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_reconciler_when_nobody_retries(fake_stripe, course, fault):
    buyers = [UserFactory(username=f"nj-{fault}-{n}") for n in range(BUYERS)]
    before, statuses = _counts(fake_stripe), Counter()
    for n, user in enumerate(buyers):
        client = APIClient()
        client.force_authenticate(user)
        fake_stripe.faults.append(("/v1/payment_intents", fault))
        statuses[_checkout(client, course, f"n-{n}").status_code] += 1
    later = timezone.now() + timedelta(minutes=16)  # after the seat hold
    first, rerun = payments_reconcile(now=later), payments_reconcile(now=later)
    assert rerun == {}
    after = _counts(fake_stripe)
    orders = Order.objects.filter(user__in=buyers)
    if fault in CHARGED:
        assert first == {"order_paid": BUYERS}
        lost, doubled = _one_sale_each(fake_stripe, buyers)
    else:
        # nothing was charged: the orders are released, nothing sold, nothing lost
        assert first == {"order_cancelled": BUYERS}
        lost = 0
        doubled = orders.exclude(status=Order.Status.CANCELLED).count() + (
            after["charges"] - before["charges"]
        )
    fault_record(
        fault=FAULTS[fault],
        flow="nightly jobs: reconciler (nobody retries)",
        statuses=statuses,
        before=before,
        after=after,
        lost=lost,
        doubled=doubled,
        note=f"reconciler: {first}, rerun: {rerun}",
    )
    assert (lost, doubled) == (0, 0)
