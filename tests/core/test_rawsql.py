"""``core.rawsql``: ``RowShape`` builds from a hand-written row the instance the ORM builds; the
writes skip the compiler with the ORM's signals; ``deferred_writes`` sends a sale's blind writes
as one statement."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from commerce.models import IdempotencyKey, LedgerEntry, Order, OrderLine, Payment
from core.models import OutboxMessage
from core.outbox import outbox_put
from core.rawsql import (
    RowShape,
    any_equal,
    deferred_writes,
    insert,
    insert_family,
    insert_unless_exists,
    update,
    write,
)
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


def _course_count(course) -> int:
    return Course.objects.values_list("enrollment_count", flat=True).get(pk=course.pk)


def _order(username: str) -> Order:
    return Order.objects.create(
        user=UserFactory(username=username), currency="USD", subtotal=Decimal("10"), total=Decimal("10")
    )


def _bump(course) -> None:
    write(
        connection,
        Course._meta.db_table,
        f"UPDATE {Course._meta.db_table} SET enrollment_count = enrollment_count + 1 WHERE id = %s",
        [course.pk],
    )


@pytest.mark.postgres
def test_deferred_writes_go_out_together_when_the_block_ends():
    # given a course and an order with a line to write to
    course = CourseFactory(slug="defer-one")
    order = _order("defer-learner")
    line = OrderLine.objects.create(
        order=order, course=course, currency="USD", unit_price=Decimal("10"), total=Decimal("10")
    )
    sale = {"order": order, "order_line": line, "kind": "sale", "currency": "USD"}
    with CaptureQueriesContext(connection) as captured, transaction.atomic(), deferred_writes("default"):
        # when three writes of three tables are made in the block
        _bump(course)
        order.status = Order.Status.PAID
        update(order, ["status", "updated_at"])
        entries = insert(
            [
                LedgerEntry(**sale, party="platform", amount=Decimal("7")),
                LedgerEntry(**sale, party="instructor:1", amount=Decimal("3")),
            ],
            keys_later=True,
        )
        # then nothing has gone out yet, and the entries have no keys
        assert not [q for q in captured.captured_queries if "UPDATE" in q["sql"] or "INSERT" in q["sql"]]
        assert [entry.pk for entry in entries] == [None, None]
    # then they went out as one statement, in the order they were made, and the keys are set
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("WITH ")]
    assert len(writes) == 1
    statement = writes[0]
    assert statement.index("courses_course") < statement.index("commerce_order") < statement.index("ledger")
    assert _course_count(course) == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    stored = dict(LedgerEntry.objects.filter(order=order).values_list("pk", "party"))
    assert stored == {entry.pk: entry.party for entry in entries}
    assert all(entry._state.adding is False for entry in entries)


@pytest.mark.postgres
def test_a_read_that_names_a_waiting_table_sees_its_writes_and_another_read_does_not_send_them():
    course = CourseFactory(slug="defer-read")
    user = UserFactory(username="defer-reader")
    with transaction.atomic(), deferred_writes("default"):
        _bump(course)
        with CaptureQueriesContext(connection) as unrelated:
            # a read of another table: the write still waits
            assert Order.objects.filter(user=user).count() == 0
        assert len(unrelated.captured_queries) == 1
        # a read of the course's table: the write goes out first, and the read sees it
        with CaptureQueriesContext(connection) as related:
            assert _course_count(course) == 1
        assert [q["sql"].split()[0] for q in related.captured_queries] == ["UPDATE", "SELECT"]


@pytest.mark.postgres
def test_two_writes_of_one_table_are_not_in_one_statement():
    # given a row inserted and updated in the same block (one statement would not see the row)
    order = _order("defer-twice")
    with transaction.atomic(), deferred_writes("default"):
        payment = Payment(order=order, provider="sandbox", amount=Decimal("10"), currency="USD")
        insert([payment], keys_later=True)
        write(
            connection,
            Payment._meta.db_table,
            f"UPDATE {Payment._meta.db_table} SET status = %s WHERE order_id = %s",
            ["succeeded", order.pk],
        )
    # then the update found the row
    assert list(Payment.objects.filter(order=order).values_list("status", flat=True)) == ["succeeded"]


@pytest.mark.postgres
def test_a_write_that_misses_its_row_fails_when_the_block_ends_and_nothing_of_it_stays():
    course = CourseFactory(slug="defer-fail")
    order = _order("defer-gone")
    Order.objects.filter(pk=order.pk).delete()
    # when an update of a row that is gone waits in the block with another write
    with pytest.raises(DatabaseError), transaction.atomic(), deferred_writes("default"):
        _bump(course)
        update(order, ["status"])
    # then the error comes when they go out, and the transaction takes the other write back
    assert _course_count(course) == 0


@pytest.mark.postgres
def test_writes_made_inside_a_savepoint_that_rolls_back_are_taken_back_with_it():
    first = CourseFactory(slug="defer-kept")
    second = CourseFactory(slug="defer-dropped")
    with transaction.atomic(), deferred_writes("default"):
        _bump(first)
        try:
            with transaction.atomic():
                _bump(second)
                raise ValueError("the nested block fails")
        except ValueError:
            pass
    assert (_course_count(first), _course_count(second)) == (1, 0)


@pytest.mark.postgres
def test_a_failed_statement_in_a_savepoint_drops_its_writes_and_the_transaction_goes_on():
    first = CourseFactory(slug="defer-goes-on")
    second = CourseFactory(slug="defer-aborted")
    user = UserFactory(username="defer-dup")
    IdempotencyKey.objects.create(user=user, key="dup", request_hash="a")
    with transaction.atomic(), deferred_writes("default"):
        _bump(first)
        try:
            with transaction.atomic():
                _bump(second)
                # a statement fails: PostgreSQL aborts the savepoint's part of the transaction
                IdempotencyKey.objects.create(user=user, key="dup", request_hash="b")
        except IntegrityError:
            pass
        _bump(first)
    # then the savepoint's write is gone, and the rest went out
    assert (_course_count(first), _course_count(second)) == (2, 0)


@pytest.mark.postgres
def test_an_error_in_the_block_drops_the_waiting_writes():
    course = CourseFactory(slug="defer-dropped-all")
    with pytest.raises(ValueError), transaction.atomic(), deferred_writes("default"):
        _bump(course)
        raise ValueError("the sale fails")
    assert _course_count(course) == 0


@pytest.mark.postgres
def test_insert_unless_exists_answers_later_and_signals_only_a_written_row():
    # given a key already taken
    user = UserFactory(username="defer-key")
    IdempotencyKey.objects.create(user=user, key="taken", request_hash="a")
    answers, signalled = [], []

    def receiver(sender, instance, created, **kwargs):
        signalled.append(instance.key)

    post_save.connect(receiver, sender=IdempotencyKey)
    try:
        with transaction.atomic(), deferred_writes("default"):
            for key in ("taken", "new"):
                assert (
                    insert_unless_exists(
                        IdempotencyKey(user=user, key=key, request_hash="b"),
                        unique=("user", "key"),
                        then=answers.append,
                    )
                    is None
                )
            # a second INSERT of the table sent the first, whose answer came then
            assert answers == [False]
    finally:
        post_save.disconnect(receiver, sender=IdempotencyKey)
    assert answers == [False, True]
    assert signalled == ["new"]


@pytest.mark.postgres
def test_outbox_put_in_a_sale_names_its_row_by_the_commit(django_capture_on_commit_callbacks):
    # given a message already written under a key
    first = outbox_put(topic="test.ok", payload={"n": 1}, dedupe_key="defer-dup")
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        transaction.atomic(),
        deferred_writes("default"),
    ):
        again = outbox_put(topic="test.ok", payload={"n": 2}, dedupe_key="defer-dup")
        assert again.pk is None  # waiting
        new = outbox_put(topic="test.ok", payload={"n": 3})
        # the second message of the table sent the first, which then found its row
        assert (again.pk, new.pk) == (first.pk, None)
    # then by the commit each names its row: the first message for the repeated key
    assert again.pk == first.pk
    assert OutboxMessage.objects.get(pk=new.pk).payload == {"n": 3}
    assert OutboxMessage.objects.filter(dedupe_key="defer-dup").count() == 1
    assert len(callbacks) == 2


@pytest.mark.django_db(transaction=True)
def test_deferred_writes_belong_inside_a_transaction():
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere writes go out at once")
    with pytest.raises(RuntimeError), deferred_writes("default"):
        pass


def test_elsewhere_than_postgresql_writes_go_out_at_once():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL defers them")
    course = CourseFactory(slug="defer-sqlite")
    with deferred_writes("default"):
        _bump(course)
        assert _course_count(course) == 1


def test_write_refuses_a_callback_beside_its_own_row_check():
    with pytest.raises(ValueError):
        write(connection, Course._meta.db_table, "UPDATE x SET y = 1", [], rows=1, then=print)
