"""``core.rawsql.RowShape`` builds from a hand-written row the instance the ORM builds."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from commerce.models import IdempotencyKey, Order, OrderLine, Payment
from core.rawsql import RowShape, any_equal, insert, insert_family, insert_unless_exists, update
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
        assert captured.captured_queries[0]["sql"].endswith('FOR NO KEY UPDATE OF "l"')
    assert shape.fetch_one("l.id = %s", [0]) is None


def test_fetch_one_sets_annotations_computed_in_the_same_statement():
    # given an order with two lines
    course, other = CourseFactory(slug="raw-annotated"), CourseFactory(slug="raw-annotated-2")
    order = Order.objects.create(
        user=UserFactory(username="raw-annotated-learner"),
        currency="USD",
        subtotal=Decimal("5"),
        total=Decimal("5"),
    )
    for each in (course, other):
        OrderLine.objects.create(
            order=order, course=each, currency="USD", unit_price=Decimal("5"), total=Decimal("5")
        )
    shape = RowShape(Order, "o")
    # when the order is read with its lines counted, for one course and for any, and joined
    lines = OrderLine._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        built = shape.fetch_one(
            "o.id = %s",
            [order.pk],
            joined=("user", RowShape(order.user.__class__, "u", ("id", "username"))),
            annotations={
                "lines_of_course": (
                    f"(SELECT COUNT(*) FROM {lines} x WHERE x.order_id = o.id AND x.course_id = %s)",
                    [course.pk],
                ),
                "line_count": (f"(SELECT COUNT(*) FROM {lines} x WHERE x.order_id = o.id)", []),
            },
        )
    # then one statement brought the row, the joined row and both values, each on its name
    assert len(captured.captured_queries) == 1
    assert (built.pk, built.user.username, built.lines_of_course, built.line_count) == (
        order.pk,
        "raw-annotated-learner",
        1,
        2,
    )


def test_any_equal_names_only_the_columns_that_are_set():
    assert any_equal({"visitor_id": "v1", "user_id": None}) == ("(visitor_id = %s)", ["v1"])
    assert any_equal({"visitor_id": "v1", "user_id": 7}) == ("(visitor_id = %s OR user_id = %s)", ["v1", 7])


def test_insert_writes_what_the_orm_writes_and_sets_the_keys(django_assert_num_queries):
    # given two new lines of one order, one with a revenue split (JSON)
    course = CourseFactory(slug="raw-insert")
    order = Order(
        user=UserFactory(username="raw-inserter"), currency="USD", subtotal=Decimal("9"), total=Decimal("9")
    )
    with django_assert_num_queries(1):
        insert([order])
    lines = [
        OrderLine(
            order=order, course=course, currency="USD", unit_price=Decimal("4.50"), total=Decimal("4.50")
        ),
        OrderLine(
            order=order,
            course=course,
            currency="USD",
            unit_price=Decimal("4.50"),
            total=Decimal("4.50"),
            revenue_split=[{"party": "partner:1", "share": "0.1000"}],
        ),
    ]
    # when they are written by one statement
    with django_assert_num_queries(1):
        insert(lines)
    # then each has its key, its auto_now stamps, and reads back as written
    assert order.pk and all(line.pk for line in lines) and lines[0].pk != lines[1].pk
    assert not order._state.adding
    stored = OrderLine.objects.get(pk=lines[1].pk)
    assert stored.revenue_split == [{"party": "partner:1", "share": "0.1000"}]
    assert (stored.unit_price, stored.created_at) == (Decimal("4.50"), lines[1].created_at)
    assert Order.objects.get(pk=order.pk).number == order.number


def test_insert_and_update_send_the_signals_save_sends():
    seen = []

    def receiver(sender, instance, created, update_fields, **kwargs):
        seen.append((instance.pk, created, update_fields))

    post_save.connect(receiver, sender=Order, dispatch_uid="test-rawsql")
    try:
        order = Order(user=UserFactory(username="raw-signals"), currency="USD")
        insert([order])
        order.status = Order.Status.PAID
        update(order, ["status", "updated_at"])
    finally:
        post_save.disconnect(receiver, sender=Order, dispatch_uid="test-rawsql")
    assert seen == [(order.pk, True, None), (order.pk, False, frozenset({"status", "updated_at"}))]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


@pytest.mark.postgres
def test_insert_family_writes_a_parent_and_its_children_in_one_statement(django_assert_num_queries):
    # given a new order, two lines, an idempotency record and a payment, none written yet
    course = CourseFactory(slug="raw-family")
    user = UserFactory(username="raw-family")
    order = Order(user=user, currency="USD", subtotal=Decimal("9"), total=Decimal("9"))
    lines = [
        OrderLine(course=course, currency="USD", unit_price=Decimal("4.50"), total=Decimal("4.50")),
        OrderLine(
            course=course,
            currency="USD",
            unit_price=Decimal("4.50"),
            total=Decimal("4.50"),
            revenue_split=[{"party": "partner:1", "share": "0.1000"}],
        ),
    ]
    record = IdempotencyKey(user=user, key="family-1", request_hash="h")
    payment = Payment(provider="sandbox", amount=Decimal("9"), currency="USD", idempotency_key="family-pay")
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((sender.__name__, instance.pk, instance.order_id, created))

    post_save.connect(receiver, sender=Payment, dispatch_uid="test-rawsql-family")
    try:
        # when they are written as a family
        with django_assert_num_queries(1):
            insert_family(order, [("order", lines), ("order", [record]), ("order", [payment])])
    finally:
        post_save.disconnect(receiver, sender=Payment, dispatch_uid="test-rawsql-family")
    # then every row has its key, points at the order, and reads back as written
    assert order.pk and not order._state.adding
    assert [line.order_id for line in lines] == [order.pk, order.pk] and lines[0].pk != lines[1].pk
    assert (record.order_id, payment.order_id) == (order.pk, order.pk)
    assert sorted(OrderLine.objects.filter(order=order).values_list("pk", flat=True)) == sorted(
        line.pk for line in lines
    )
    assert OrderLine.objects.get(pk=lines[1].pk).revenue_split == [{"party": "partner:1", "share": "0.1000"}]
    assert IdempotencyKey.objects.get(pk=record.pk).order_id == order.pk
    assert Payment.objects.get(pk=payment.pk).order_id == order.pk
    assert Order.objects.get(pk=order.pk).number == order.number
    # and the receivers of a member's post_save heard of it, as save() would tell them
    assert seen == [("Payment", payment.pk, order.pk, True)]


@pytest.mark.postgres
def test_insert_family_refuses_a_key_that_does_not_point_at_the_parent():
    order = Order(user=UserFactory(username="raw-family-wrong"), currency="USD")
    line = OrderLine(currency="USD", unit_price=Decimal("1"), total=Decimal("1"))
    with pytest.raises(ValueError, match="does not point at Order"):
        insert_family(order, [("course", [line])])
    assert order.pk is None and not Order.objects.exists()


def test_insert_family_without_children_is_the_parent_alone(django_assert_num_queries):
    order = Order(user=UserFactory(username="raw-family-alone"), currency="USD")
    with django_assert_num_queries(1):
        insert_family(order, [("order", [])])
    assert Order.objects.filter(pk=order.pk).exists()


def test_insert_unless_exists_writes_once_in_one_statement_and_signals_only_then(django_assert_num_queries):
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append(instance.pk)

    user = UserFactory(username="raw-once")
    post_save.connect(receiver, sender=IdempotencyKey, dispatch_uid="test-rawsql-once")
    try:
        first = IdempotencyKey(user=user, key="k-1", request_hash="a")
        with django_assert_num_queries(1):
            assert insert_unless_exists(first, unique=("user", "key")) is True
        again = IdempotencyKey(user=user, key="k-1", request_hash="b")
        with django_assert_num_queries(1):
            assert insert_unless_exists(again, unique=("user", "key")) is False
    finally:
        post_save.disconnect(receiver, sender=IdempotencyKey, dispatch_uid="test-rawsql-once")
    assert first.pk and again.pk is None and again._state.adding
    assert seen == [first.pk]
    assert list(IdempotencyKey.objects.filter(user=user).values_list("request_hash", flat=True)) == ["a"]


def test_update_writes_only_the_fields_named_and_fails_on_a_row_that_is_gone():
    order = Order.objects.create(user=UserFactory(username="raw-update"), currency="USD", discount_code="A")
    order.discount_code = "B"
    order.language = "ja"
    update(order, ["language"])
    stored = Order.objects.get(pk=order.pk)
    assert (stored.language, stored.discount_code) == ("ja", "A")
    Order.objects.filter(pk=order.pk).delete()
    with pytest.raises(DatabaseError):
        update(order, ["language"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_a_locked_row_does_not_hold_up_another_transactions_foreign_key_check():
    """A paying commit checks its rows' foreign keys (``FOR KEY SHARE`` on the learner and
    the code) while the same learner's next checkout holds those rows' locks: with ``FOR
    UPDATE`` each waited for the other (a deadlock, seen in tests/integration/
    test_code_races.py). The lock taken here lets the check through."""
    from courses.models import Price

    course = CourseFactory(slug="raw-locked")
    Price.objects.filter(course=course).delete()
    outcome = []

    def insert_a_row_naming_it():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                Price.objects.create(course_id=course.pk, currency="EUR", amount=Decimal("3"))
            outcome.append("committed")
        except DatabaseError as exc:
            outcome.append(type(exc).__name__)
        finally:
            connection.close()

    with transaction.atomic():
        assert RowShape(Course, "c", ("id",)).fetch_one("c.id = %s", [course.pk], lock=True) is not None
        other = threading.Thread(target=insert_a_row_naming_it)
        other.start()
        other.join(10)
    assert outcome == ["committed"]
