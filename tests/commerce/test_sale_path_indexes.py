"""The indexes of the tables a paid sale writes (issue 9: checkout throughput).

Every row a sale inserts, and every row it updates off its page or in an indexed column,
takes an entry in each index of its table: a coded sale wrote 122 B-tree entries, 8.4 KB of
its 13 KB of WAL (``bench/checkout_profile.py``). A third of them served no query:
PostgreSQL's LIKE twins of ``db_index=True`` and ``unique=True`` text columns, foreign-key
indexes that a composite index already leads with, and full indexes of foreign keys that a
course sale leaves empty. These tests keep them out.
"""

import pytest
from django.db import connection

from campaigns.models import CodeRedemption, OrderAttribution
from commerce.models import IdempotencyKey, LedgerEntry, Order, OrderLine, Payment
from core.models import OutboxMessage
from courses.models import Enrollment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SALE_TABLES = [
    model._meta.db_table
    for model in (
        Order,
        OrderLine,
        Payment,
        IdempotencyKey,
        LedgerEntry,
        CodeRedemption,
        OrderAttribution,
        OutboxMessage,
        Enrollment,
    )
]

# Nullable columns a course sale leaves empty: indexed only where set.
EMPTY_ON_A_COURSE_SALE = {
    Order: ["subscription_period"],
    OrderLine: ["live_session", "bundle", "plan", "seat_hold_expires_at"],
    LedgerEntry: ["refund"],
    OrderAttribution: ["variant", "touch"],
    Enrollment: ["live_session", "last_lesson"],
}


def _indexes(table: str) -> list[dict]:
    """Each index of ``table``: name, key columns in order, operator classes, whether
    partial."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname,
                   ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                         ORDER BY k.n),
                   ARRAY(SELECT o.opcname FROM unnest(x.indclass) WITH ORDINALITY c(oid, n)
                         JOIN pg_opclass o ON o.oid = c.oid ORDER BY c.n),
                   x.indpred IS NOT NULL
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass
            """,
            [table],
        )
        return [
            {"name": name, "columns": list(columns), "opclasses": list(opclasses), "partial": partial}
            for name, columns, opclasses, partial in cursor.fetchall()
        ]


@pytest.mark.parametrize("table", SALE_TABLES)
def test_no_like_index_on_the_sale_path(table):
    like = [
        index["name"] for index in _indexes(table) if any("pattern_ops" in op for op in index["opclasses"])
    ]
    assert like == [], f"{table}: LIKE indexes no query uses, written at every sale: {like}"


@pytest.mark.parametrize("table", SALE_TABLES)
def test_no_index_repeats_the_lead_of_another(table):
    """An index whose columns begin another full index adds writes and serves no lookup
    the other does not (a partial index covers only its rows, so it covers nothing)."""
    indexes = _indexes(table)
    redundant = [
        (index["name"], other["name"])
        for index in indexes
        for other in indexes
        if other is not index
        and not other["partial"]
        and not index["partial"]
        and len(index["columns"]) < len(other["columns"])
        and other["columns"][: len(index["columns"])] == index["columns"]
    ]
    assert redundant == [], f"{table}: (index, the index that leads with its columns): {redundant}"


@pytest.mark.parametrize(
    ("model", "field"),
    [(model, field) for model, fields in EMPTY_ON_A_COURSE_SALE.items() for field in fields],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_empty_columns_indexed_only_where_set(model, field):
    column = model._meta.get_field(field).column
    covering = [index for index in _indexes(model._meta.db_table) if index["columns"][:1] == [column]]
    assert covering, f"{model.__name__}.{field} lost its index: lookups by it would scan the table"
    assert all(index["partial"] for index in covering), (
        f"{model.__name__}.{field}: a full index takes an entry for every row, empty or not"
    )


def test_lookups_by_a_partially_indexed_column_use_its_index():
    """A partial index ``WHERE col IS NOT NULL`` serves ``col = %s`` in a prepared
    statement's generic plan too: PostgreSQL proves ``IS NOT NULL`` from the strict ``=``."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(
            "PREPARE by_refund(bigint) AS SELECT id FROM commerce_ledgerentry WHERE refund_id = $1"
        )
        cursor.execute("EXPLAIN EXECUTE by_refund(1)")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE by_refund")
    assert "ledger_refund_idx" in plan, plan
