"""``core.rawsql.RowShape`` builds from a hand-written row the instance the ORM builds."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commerce.models import Order, OrderLine
from core.rawsql import RowShape, any_equal
from courses.models import Course
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _row(shape: RowShape, pk: int):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {shape.columns} FROM {shape.model._meta.db_table} {shape.alias}"
            f" WHERE {shape.alias}.id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_every_field_matches_the_orm_json_and_decimals_included():
    # given an order line with a revenue split (JSON) and money (decimals)
    course = CourseFactory(slug="raw-course")
    order = Order.objects.create(
        user=UserFactory(username="raw-learner"), currency="USD", subtotal=Decimal("10"), total=Decimal("10")
    )
    line = OrderLine.objects.create(
        order=order,
        course=course,
        currency="USD",
        unit_price=Decimal("10.00"),
        total=Decimal("10.00"),
        revenue_split=[{"party": "partner:1", "share": "0.1000"}],
    )
    shape = RowShape(OrderLine, "l")
    # when it is built from a hand-written SELECT
    built = shape.build(_row(shape, line.pk))
    # then every field holds what the ORM reads, typed as the ORM types it
    expected = OrderLine.objects.get(pk=line.pk)
    for field in OrderLine._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(expected, field.attname), field.name
    assert built.revenue_split == [{"party": "partner:1", "share": "0.1000"}]
    assert isinstance(built.unit_price, Decimal)
    assert built._state.adding is False and built._state.db == "default"


def test_a_subset_of_fields_defers_the_others():
    # given a course read with two columns
    course = CourseFactory(slug="raw-subset")
    shape = RowShape(Course, "c", ("id", "slug"))
    built = shape.build(_row(shape, course.pk))
    # then those are loaded and the rest deferred, as ``only()`` does
    assert built.slug == "raw-subset"
    assert "format" in built.get_deferred_fields()
    assert len(shape) == 2


def test_fetch_one_attaches_the_joined_row_and_locks_only_its_own(django_assert_num_queries):
    # given an order line of a learner's order
    course = CourseFactory(slug="raw-joined")
    order = Order.objects.create(
        user=UserFactory(username="raw-joined-learner"),
        currency="USD",
        subtotal=Decimal("5"),
        total=Decimal("5"),
    )
    line = OrderLine.objects.create(
        order=order, course=course, currency="USD", unit_price=Decimal("5"), total=Decimal("5")
    )
    shape = RowShape(OrderLine, "l")
    # when the line is read with its order, locked
    with CaptureQueriesContext(connection) as captured:
        built = shape.fetch_one("l.id = %s", [line.pk], joined=("order", RowShape(Order, "o")), lock=True)
    # then one statement brought both, the order attached as select_related would
    assert len(captured.captured_queries) == 1
    with django_assert_num_queries(0):
        assert built.order.number == order.number
    # and only the line's row is locked (where the database locks rows at all)
    if connection.features.has_select_for_update_of:
        assert captured.captured_queries[0]["sql"].endswith('FOR UPDATE OF "l"')
    assert shape.fetch_one("l.id = %s", [0]) is None


def test_any_equal_names_only_the_columns_that_are_set():
    assert any_equal({"visitor_id": "v1", "user_id": None}) == ("(visitor_id = %s)", ["v1"])
    assert any_equal({"visitor_id": "v1", "user_id": 7}) == ("(visitor_id = %s OR user_id = %s)", ["v1", 7])
