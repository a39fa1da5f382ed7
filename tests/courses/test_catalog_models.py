"""Database rules of the catalog models (audit additions)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from courses.models import LiveSession, Price
from tests.factories import CourseFactory, LiveSessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seats_taken", [0, 5])
def test_a_session_may_be_empty_or_full(seats_taken):
    session = LiveSessionFactory(capacity=5, seats_taken=seats_taken)
    assert LiveSession.objects.get(pk=session.pk).seats_left == 5 - seats_taken


def test_the_database_refuses_more_seats_taken_than_capacity():
    # given a full session
    session = LiveSessionFactory(capacity=5, seats_taken=5)
    # when a write bypasses the services and overbooks it
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveSession.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + 1)
    # then nothing changed
    session.refresh_from_db()
    assert session.seats_taken == 5


def test_the_database_refuses_a_negative_seat_count():
    session = LiveSessionFactory(capacity=5, seats_taken=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveSession.objects.filter(pk=session.pk).update(seats_taken=-1)


def test_prices_are_decimals_in_four_currencies():
    course = CourseFactory()
    prices = {price.currency: price.amount for price in Price.objects.filter(course=course)}
    assert prices == {
        "CNY": Decimal("199.00"),
        "USD": Decimal("29.00"),
        "JPY": Decimal("4200.00"),
        "EUR": Decimal("27.00"),
    }
    assert all(type(amount) is Decimal for amount in prices.values())
