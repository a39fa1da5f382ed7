"""Model instances from hand-written statements, for the few statements every sale runs.

Building a statement through the ORM costs 0.3-0.8 ms of Python (more with
``select_related``): several times what PostgreSQL spends on it. A checkout runs some forty,
so the hottest are written by hand. ``RowShape`` keeps what the ORM would do with their
rows: the column list to select, and each column's converters (JSON text parsed, SQLite's
decimals and datetimes), computed once per process, then ``Model.from_db`` as the ORM calls
it, so the instances behave like any other (``save(update_fields=...)`` included)."""

import re
from collections.abc import Callable
from contextlib import contextmanager
from functools import cached_property, partial

from django.db import DatabaseError, connections, router
from django.db.models import signals


class RowShape:
    """The columns ``fields`` (attribute names; every concrete field by default) of
    ``model`` under the table alias ``alias``."""

    def __init__(self, model, alias: str, fields: tuple[str, ...] | None = None) -> None:
        self.model = model
        self.alias = alias
        concrete = {field.attname: field for field in model._meta.concrete_fields}
        self.fields = [concrete[name] for name in (fields or concrete)]
        self.attnames = [field.attname for field in self.fields]

    @property
    def db(self) -> str:
        return router.db_for_write(self.model)

    @cached_property
    def columns(self) -> str:
        quote = connections[self.db].ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(field.column)}" for field in self.fields)

    @cached_property
    def _converters(self) -> list[tuple]:
        connection = connections[self.db]
        found = []
        for index, field in enumerate(self.fields):
            column = field.get_col(self.alias)
            # The backend's first (SQLite's datetimes, decimals, booleans), then the field's
            # (JSON), in the order the ORM's compiler applies them.
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if converters:
                found.append((index, column, converters))
        return found

    def values(self, row, start: int = 0) -> list:
        """The converted values of ``row[start:start + len(fields)]``."""
        values = list(row[start : start + len(self.fields)])
        if self._converters:
            connection = connections[self.db]
            for index, column, converters in self._converters:
                for converter in converters:
                    values[index] = converter(values[index], column, connection)
        return values

    def build(self, row, start: int = 0):
        """The instance of ``row[start:start + len(fields)]``."""
        return self.model.from_db(self.db, self.attnames, self.values(row, start))

    def fetch_one(
        self,
        where: str,
        params: list,
        *,
        joined: tuple[str, "RowShape"] | None = None,
        lock=False,
        annotations: dict[str, tuple[str, list]] | None = None,
    ):
        """The row of this shape's table matching ``where`` (written with the shapes'
        aliases) as an instance, or None. ``joined = (foreign key, shape)``: the row it
        points to comes in the same statement and is attached as ``select_related`` would.
        ``lock``: this table's row alone is locked, not the joined one, ``FOR NO KEY UPDATE``
        (see ``row_lock``). ``annotations``: attribute name -> (SQL expression, its
        parameters), computed in the same statement and set on the instance, as the ORM's
        ``annotate`` does (a scalar subquery reads the statement's snapshot, taken before
        any wait for the lock)."""
        connection = connections[self.db]
        quote = connection.ops.quote_name
        columns, tables = self.columns, f"{quote(self.model._meta.db_table)} {quote(self.alias)}"
        if joined is not None:
            name, other = joined
            column = self.model._meta.get_field(name).column
            columns += f", {other.columns}"
            parent_key = f"{quote(other.alias)}.{quote(other.model._meta.pk.column)}"
            tables += (
                f" JOIN {quote(other.model._meta.db_table)} {quote(other.alias)}"
                f" ON {parent_key} = {quote(self.alias)}.{quote(column)}"
            )
        annotations = annotations or {}
        extra_params = []
        for expression, expression_params in annotations.values():
            columns += f", {expression}"
            extra_params += expression_params
        suffix = row_lock(connection, self.alias) if lock else ""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {tables} WHERE {where}{suffix}", [*extra_params, *params])
            row = cursor.fetchone()
        if row is None:
            return None
        instance = self.build(row)
        if joined is not None:
            self.model._meta.get_field(name).set_cached_value(instance, other.build(row, len(self)))
        for name, value in zip(annotations, row[len(row) - len(annotations) :], strict=True):
            setattr(instance, name, value)
        return instance

    def __len__(self) -> int:
        return len(self.fields)


def row_lock(connection, alias: str) -> str:
    """The clause that locks the rows of ``alias`` alone: ``FOR NO KEY UPDATE OF``, which
    serializes the writers of the row as ``FOR UPDATE`` does, but not other transactions'
    foreign-key checks on it (``FOR KEY SHARE``, at their commit: Django's constraints are
    deferred). With ``FOR UPDATE`` a learner's paying commit (an enrollment names the
    learner, an attribution the code) and the same learner's next checkout (learner's row,
    then the code's, locked) could each wait for the other: a deadlock. Empty where the
    backend has no row locks (SQLite: one writer at a time)."""
    if not connection.features.has_select_for_update_of:
        return ""
    strength = "NO KEY UPDATE" if connection.features.has_select_for_no_key_update else "UPDATE"
    return f" FOR {strength} OF {connection.ops.quote_name(alias)}"


def any_equal(columns: dict[str, object]) -> tuple[str, list]:
    """``(a = %s OR b = %s)`` for the columns whose value is set, and its parameters: the
    rows of a buyer known by a browser (visitor id), an account, or both. The caller makes
    sure one is set."""
    named = [(column, value) for column, value in columns.items() if value]
    return "(" + " OR ".join(f"{column} = %s" for column, _value in named) + ")", [v for _c, v in named]


class _InsertPlan:
    """The columns of ``model`` an INSERT writes (every concrete field but an automatic
    primary key) and the start of its statement, computed once per model and database."""

    def __init__(self, model, connection) -> None:
        self.model = model
        opts = model._meta
        self.fields = [
            field for field in opts.concrete_fields if not (field.primary_key and field.auto_created)
        ]
        self.auto_pk = opts.pk if opts.pk.auto_created else None
        quote = connection.ops.quote_name
        self.head = (
            f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in self.fields)}) VALUES "
        )
        self.row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.returning = f" RETURNING {quote(opts.pk.column)}" if self.auto_pk is not None else ""


_INSERT_PLANS: dict[tuple, _InsertPlan] = {}


def insert(objs: list, *, using: str | None = None, keys_later: bool = False) -> list:
    """Write ``objs`` (new instances of one model) in one INSERT and set their primary
    keys: what ``save(force_insert=True)`` or ``bulk_create`` do, without building the
    statement through the compiler (0.2-0.5 ms of Python a statement, the same again per
    row). ``pre_save`` and ``post_save`` (created) are sent as ``save()`` sends them when
    the model has receivers (the partner webhooks listen to some), so a caller need not
    know which do. Values go through each field's ``pre_save`` (``auto_now``) and
    ``get_db_prep_save``, as the ORM does. ``keys_later``: a caller that does not read the
    keys at once lets the INSERT wait in ``deferred_writes``; the keys are set, and
    ``post_save`` sent, when it goes out."""
    if objs:
        _insert(objs, using=using, unique=(), then=_ignore if keys_later else None)
    return objs


def insert_unless_exists(obj, *, unique: tuple[str, ...], using: str | None = None, then=None) -> bool | None:
    """Write ``obj`` unless a row with the same values of ``unique`` (the fields of a unique
    constraint) exists: ``INSERT ... ON CONFLICT (...) DO NOTHING``, one statement where
    a look first and an insert were two. Whether it was written; ``pre_save`` is sent
    before either way, ``post_save`` only when it was. A concurrent insert of the same
    key makes this one wait for it and write nothing, never an IntegrityError. ``then``: a
    caller that can take the answer later lets the INSERT wait in ``deferred_writes``;
    ``then(written)`` is called when it goes out (at once outside one), and None returned."""
    return _insert([obj], using=using, unique=unique, then=then)


def insert_or_first(obj, *, unique: tuple[str, ...], using: str | None = None):
    """``insert_unless_exists`` answering with the row: ``obj`` when it was written, else the
    row already there (``obj`` then takes its key). Inside ``deferred_writes`` that is known
    only when the INSERT goes out: ``obj`` is returned at once, and its key (or the first
    row's) is set then."""
    model = type(obj)
    db = using or router.db_for_write(model, instance=obj)
    keys = [model._meta.get_field(name).attname for name in unique]
    found = []

    def written(inserted: bool) -> None:
        if not inserted:
            found.append(model._default_manager.using(db).get(**{key: getattr(obj, key) for key in keys}))
            obj.pk = found[0].pk

    insert_unless_exists(obj, unique=unique, using=db, then=written)
    return found[0] if found else obj


def _ignore(_written: bool) -> None:
    pass


def _insert_plan(model, db: str) -> _InsertPlan:
    plan = _INSERT_PLANS.get((model, db))
    if plan is None:
        plan = _INSERT_PLANS[(model, db)] = _InsertPlan(model, connections[db])
    return plan


def insert_family(parent, children: list[tuple[str, list]], *, using: str | None = None) -> None:
    """Write ``parent`` (a new instance) and its ``children``: pairs of (the name of a
    foreign key to ``parent``, new instances), each row's key set to the parent's new
    primary key. On PostgreSQL this is one statement, a chain of data-modifying CTEs (the
    children's rows take ``(SELECT id FROM`` the parent's ``RETURNING)``), where ``insert``
    takes a round trip per model: a checkout opens its order, lines, idempotency record and
    payment this way. Elsewhere ``insert`` one model after the other. Values, primary keys
    and signals as ``insert``; like ``bulk_create``, the keys of several rows of one model
    are matched to them in the order ``RETURNING`` gives them, which is the order of the
    ``VALUES``."""
    children = [(name, objs) for name, objs in children if objs]
    model = type(parent)
    db = using or router.db_for_write(model, instance=parent)
    connection = connections[db]
    if connection.vendor != "postgresql" or not children:
        insert([parent], using=db)
        for name, objs in children:
            for obj in objs:
                setattr(obj, name, parent)
            insert(objs, using=db)
        return
    groups = [(_insert_plan(model, db), [parent], None)]
    for name, objs in children:
        key = type(objs[0])._meta.get_field(name)
        if key.related_model is not model or key.target_field != model._meta.pk:
            raise ValueError(
                f"{type(objs[0]).__name__}.{name} does not point at {model.__name__}'s primary key"
            )
        groups.append((_insert_plan(type(objs[0]), db), objs, key))
    quote = connection.ops.quote_name
    parts, selects, params = [], [], []
    for index, (plan, objs, key) in enumerate(groups):
        if plan.auto_pk is None:
            raise ValueError(f"{plan.model.__name__} has no automatic primary key to return")
        _send_pre_save(plan.model, objs, db)
        cells = ["%s"] * len(plan.fields)
        if key is not None:
            cells[plan.fields.index(key)] = f"(SELECT {quote(model._meta.pk.column)} FROM t0)"
        for obj in objs:
            params.extend(_row_values(plan, obj, connection, skip=key))
        row = "(" + ", ".join(cells) + ")"
        parts.append(f"t{index} AS ({plan.head}{', '.join([row] * len(objs))}{plan.returning})")
        selects.append(f"SELECT {index}, {quote(plan.auto_pk.column)} FROM t{index}")
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params)
        returned = cursor.fetchall()
    keys: dict[int, list] = {}
    for index, pk in returned:
        keys.setdefault(index, []).append(pk)
    for index, (plan, objs, key) in enumerate(groups):
        if key is not None:
            for obj in objs:
                setattr(obj, key.name, parent)
        _mark_saved(plan, objs, keys.get(index, []), db)
        _send_post_save(plan.model, objs, db)


def _send_pre_save(model, objs: list, db: str) -> None:
    if signals.pre_save.has_listeners(model):
        for obj in objs:
            signals.pre_save.send(model, instance=obj, raw=False, using=db, update_fields=None)


def _send_post_save(model, objs: list, db: str) -> None:
    if signals.post_save.has_listeners(model):
        for obj in objs:
            signals.post_save.send(model, instance=obj, created=True, raw=False, using=db, update_fields=None)


def _row_values(plan: _InsertPlan, obj, connection, skip=None):
    """``obj``'s values for the plan's columns, as the ORM prepares them (``auto_now``
    included); ``skip``: a column the statement fills itself."""
    return (
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for field in plan.fields
        if field is not skip
    )


def _mark_saved(plan: _InsertPlan, objs: list, keys: list, db: str) -> None:
    """``objs`` are rows now: their new primary keys (``keys``, in their order) and state."""
    for index, obj in enumerate(objs):
        if plan.auto_pk is not None:
            setattr(obj, plan.auto_pk.attname, keys[index])
        obj._state.adding = False
        obj._state.db = db


def _insert(objs: list, *, using: str | None, unique: tuple[str, ...], then=None) -> bool | None:
    model = type(objs[0])
    db = using or router.db_for_write(model, instance=objs[0])
    connection = connections[db]
    if not connection.features.can_return_rows_from_bulk_insert:
        # An old SQLite: no RETURNING, the ORM's way.
        if (
            unique
            and model._default_manager.using(db)
            .filter(**{name: getattr(objs[0], model._meta.get_field(name).attname) for name in unique})
            .exists()
        ):
            written = False
        else:
            for obj in objs:
                obj.save(force_insert=True, using=db)
            written = True
        if then is None:
            return written
        then(written)
        return None
    plan = _insert_plan(model, db)
    _send_pre_save(model, objs, db)
    params = []
    for obj in objs:
        params.extend(_row_values(plan, obj, connection))
    conflict = ""
    if unique:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(model._meta.get_field(name).column) for name in unique)
        conflict = f" ON CONFLICT ({columns}) DO NOTHING"
    sql = plan.head + ", ".join([plan.row] * len(objs)) + conflict
    done = partial(_inserted, plan, objs, db, bool(unique))
    if then is not None and plan.auto_pk is not None:
        write(
            connection,
            model._meta.db_table,
            sql,
            params,
            returning=connection.ops.quote_name(plan.auto_pk.column),
            then=lambda keys: then(done(keys)),
        )
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql + plan.returning, params)
        keys = [key for (key,) in cursor.fetchall()] if plan.returning else None
        if keys is None:
            keys = [None] * cursor.rowcount
    written = done(keys)
    if then is None:
        return written
    then(written)
    return None


def _inserted(plan: _InsertPlan, objs: list, db: str, unique: bool, keys: list) -> bool:
    """What follows the INSERT of ``objs`` that returned ``keys`` (RETURNING gives them in
    the order of the VALUES, as ``bulk_create`` relies on): whether it wrote them."""
    if unique and len(keys) != 1:
        return False  # the row exists: nothing was written
    _mark_saved(plan, objs, keys, db)
    _send_post_save(plan.model, objs, db)
    return True


def update(obj, fields: list[str]) -> None:
    """``obj.save(update_fields=fields)`` as one plain UPDATE by primary key, without the
    compiler: only ``fields`` are written (list ``updated_at`` to have it set, as with
    ``save``), ``pre_save``/``post_save`` are sent when the model has receivers, and a row
    that is gone raises ``DatabaseError``, as ``save`` does (inside ``deferred_writes``:
    when the write goes out)."""
    model = type(obj)
    db = obj._state.db or router.db_for_write(model, instance=obj)
    connection = connections[db]
    opts = model._meta
    chosen = {opts.get_field(name) for name in fields}
    ordered = [field for field in opts.concrete_fields if field in chosen]
    names = frozenset(field.name for field in ordered)
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(model, instance=obj, raw=False, using=db, update_fields=names)
    quote = connection.ops.quote_name
    write(
        connection,
        opts.db_table,
        f"UPDATE {quote(opts.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in ordered)}"
        f" WHERE {quote(opts.pk.column)} = %s",
        [*(f.get_db_prep_save(f.pre_save(obj, False), connection) for f in ordered), obj.pk],
        rows=1,
        error="Save with update_fields did not affect any rows.",
    )
    if signals.post_save.has_listeners(model):
        signals.post_save.send(model, instance=obj, created=False, raw=False, using=db, update_fields=names)


# Deferred writes: the writes of a sale that nobody reads back in its transaction go out
# together, as one statement of data-modifying CTEs, instead of a round trip each (a
# statement costs ~0.1 ms of Python in the driver and as much of PostgreSQL's CPU again).
_SAVEPOINT = re.compile(r"\s*(SAVEPOINT|RELEASE)\b", re.IGNORECASE)
_ROLLBACK = re.compile(r"\s*ROLLBACK\b", re.IGNORECASE)


class _Writes:
    """The writes queued on one connection, and the execute wrapper that sends them before
    any statement that could see their absence."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.queued: list[tuple[str, list, str | None, Callable[[list], None] | None]] = []
        self.tables: set[str] = set()
        self.pattern: re.Pattern | None = None
        self.flushing = False

    def __call__(self, execute, sql, params, many, context):
        if self.queued and not self.flushing:
            if _ROLLBACK.match(sql):
                # Every savepoint statement sent the queue first, so what waits now was
                # queued inside the savepoint being rolled back: it is dropped with it (and
                # never sent into a transaction a failed statement has aborted).
                self.queued, self.tables = [], set()
            elif _SAVEPOINT.match(sql) or self.names_queued(sql):
                self.flush()
        return execute(sql, params, many, context)

    def names_queued(self, sql: str) -> bool:
        # A whole-word match of a queued table's name (``commerce_order`` is not
        # ``commerce_orderline``): conservative, a mention in a comment flushes too. Most
        # statements name none of them, which plain substring tests tell at a fraction of
        # the regular expression's cost over a long statement; the expression is built
        # only for a statement that does.
        if not any(table in sql for table in self.tables):
            return False
        if self.pattern is None:
            self.pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(self.tables))) + r")\b")
        return bool(self.pattern.search(sql))

    def add(self, table: str, sql: str, params: list, returning: str | None, then) -> None:
        # Two writes of one table in one statement would not see each other (an UPDATE
        # of a row the same statement inserts finds nothing): the first goes out first.
        # So does whatever this write's own statement reads.
        if self.queued and (table in self.tables or self.names_queued(sql)):
            self.flush()
        self.queued.append((sql, params, returning, then))
        if table not in self.tables:
            self.tables.add(table)
            self.pattern = None

    def flush(self) -> None:
        while self.queued:  # a ``then`` may queue more
            queued, self.queued, self.tables = self.queued, [], set()
            returned: dict[int, list] = {index: [] for index in range(len(queued))}
            self.flushing = True
            try:
                with self.connection.cursor() as cursor:
                    if len(queued) == 1:
                        sql, params, returning, _then = queued[0]
                        cursor.execute(sql + (f" RETURNING {returning}" if returning else ""), params)
                        returned[0] = [value for (value,) in cursor.fetchall()] if returning else []
                    else:
                        cursor.execute(*_one_statement(queued))
                        for index, value in cursor.fetchall():
                            returned[index].append(value)
            finally:
                self.flushing = False
            for index, (_sql, _params, _returning, then) in enumerate(queued):
                if then is not None:
                    then(returned[index])


def _one_statement(queued: list) -> tuple[str, list]:
    """The queued writes as data-modifying CTEs, and a SELECT of what each returns, tagged
    with its place. The SELECT reads every CTE, in the order they were queued: PostgreSQL
    runs a CTE nobody reads after the query, in an order it does not promise, and one that
    is read as the query reads it. A write queued last (a hot counter row) then takes its
    row lock last, just before the commit."""
    parts, selects, params = [], [], []
    for index, (sql, write_params, returning, _then) in enumerate(queued):
        parts.append(f"w{index} AS ({sql} RETURNING {returning or '0'} AS value)")
        params.extend(write_params)
        selects.append(f"SELECT {index}, value FROM w{index}")
    return f"WITH {', '.join(parts)} {' UNION ALL '.join(selects)}", params


def _expect_rows(rows: int, error: str, values: list) -> None:
    if len(values) != rows:
        raise DatabaseError(error)


def _open_writes(connection) -> _Writes | None:
    return getattr(connection, "_rawsql_writes", None)


def write(
    connection,
    table: str,
    sql: str,
    params: list,
    *,
    rows: int | None = None,
    error: str = "",
    returning: str | None = None,
    then: Callable[[list], None] | None = None,
) -> None:
    """Run ``sql``, a write to ``table`` whose result its caller does not wait for, now, or
    inside ``deferred_writes`` when the scope's writes go out. ``rows``: how many rows it
    must touch, else ``DatabaseError(error)`` (raised then). ``returning``: an integer
    column (a primary key) whose values of the written rows are given to ``then`` (not with
    ``rows``, which uses both itself). ``sql`` has no RETURNING of its own."""
    if rows is not None:
        if returning is not None or then is not None:
            raise ValueError("write() checks rows itself: no returning or then with rows")
        returning, then = "1", partial(_expect_rows, rows, error)
    writes = _open_writes(connection)
    if writes is not None:
        writes.add(table, sql, params, returning, then)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql + (f" RETURNING {returning}" if returning else ""), params)
        values = [value for (value,) in cursor.fetchall()] if returning else []
    if then is not None:
        then(values)


@contextmanager
def deferred_writes(using: str):
    """Within the block, the writes made on ``using`` through ``write``, ``update``,
    ``insert(keys_later=True)`` and ``insert_unless_exists(then=...)`` are queued, and sent
    as one statement (PostgreSQL: data-modifying CTEs; one statement sees none of the
    others' rows, so two writes of one table are never in the same one) before the next
    statement that names a queued table, before a savepoint is made or released, and when
    the block ends; a rollback to a savepoint drops what was queued inside it. Every read
    in the block sees the queued writes, as if they had gone out one by one; what changes
    is when their errors are raised (at the latest on leaving the block). So the block must
    sit inside the transaction its writes belong to, and an error in it must leave that
    transaction (or its savepoint): the queue is dropped with it. Elsewhere than
    PostgreSQL, writes go out at once."""
    connection = connections[using]
    if connection.vendor != "postgresql" or _open_writes(connection) is not None:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("deferred_writes() must be inside the transaction of its writes")
    writes = _Writes(connection)
    connection._rawsql_writes = writes
    try:
        with connection.execute_wrapper(writes):
            yield
            # Still open: what the writes' callbacks write (a row's post_save) goes out too.
            writes.flush()
    finally:
        if getattr(connection, "_rawsql_writes", None) is writes:
            del connection._rawsql_writes
