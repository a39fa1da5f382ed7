"""The checkout's database phases pass this process's gate (COMMERCE_CHECKOUT_SLOTS)."""

import threading
import time

import pytest
from django.db import connections, transaction

from commerce.models import Order
from commerce.services import checkout as checkout_module
from commerce.services import order_checkout
from tests.factories import CourseFactory, UserFactory

from .concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _hold_gate(priority: float = 0.0):
    """Hold the gate's only slot in another thread; returns (release event, thread)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with checkout_module._database_phase(priority):
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    return release, thread


def test_a_checkout_opens_its_order_only_once_a_slot_is_free(settings):
    # given one slot per process, held by another thread
    settings.COMMERCE_CHECKOUT_SLOTS = 1
    course, buyer = CourseFactory(), UserFactory()
    release, holder = _hold_gate()
    results: list = []
    buying = threading.Thread(
        target=lambda: results.extend(
            run_together(
                1,
                lambda i: (
                    order_checkout(
                        user=buyer,
                        items=[{"course": course.slug}],
                        currency="USD",
                        payment={"provider": "sandbox", "token": "tok_success"},
                    ).order.status
                ),
            )
        )
    )
    try:
        # when a learner checks out meanwhile
        buying.start()
        time.sleep(0.5)
        # then no order is written while the slot is taken
        assert not Order.objects.exists()
        assert checkout_module._gates[1].waiting == 1
    finally:
        release.set()
        holder.join(10)
        buying.join(30)
    # and the checkout completes once it is free
    assert results == ["paid"]


def test_a_caller_inside_a_transaction_is_not_held_at_the_gate(settings):
    # given one slot per process, held by another thread
    settings.COMMERCE_CHECKOUT_SLOTS = 1
    release, holder = _hold_gate()
    try:
        # when a caller already inside a transaction (it may hold rows the holder waits
        # for) enters a database phase
        began = time.monotonic()
        with transaction.atomic(), checkout_module._database_phase(time.monotonic()):
            pass
        # then it goes straight in
        assert time.monotonic() - began < 1
    finally:
        release.set()
        holder.join(10)


def test_no_slots_setting_means_no_gate(settings):
    settings.COMMERCE_CHECKOUT_SLOTS = 0
    release, holder = _hold_gate()
    try:
        began = time.monotonic()
        with checkout_module._database_phase(time.monotonic()):
            pass
        assert time.monotonic() - began < 1
    finally:
        release.set()
        holder.join(10)
