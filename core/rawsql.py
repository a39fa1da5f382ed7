"""Model instances from hand-written statements, for the few statements every sale runs.

Building a statement through the ORM costs 0.3-0.8 ms of Python (more with
``select_related``): several times what PostgreSQL spends on it. A checkout runs some forty,
so the hottest are written by hand. ``RowShape`` keeps what the ORM would do with their
rows: the column list to select, and each column's converters (JSON text parsed, SQLite's
decimals and datetimes), computed once per process, then ``Model.from_db`` as the ORM calls
it, so the instances behave like any other (``save(update_fields=...)`` included)."""

from functools import cached_property

from django.db import connections, router


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
        self, where: str, params: list, *, joined: tuple[str, "RowShape"] | None = None, lock=False
    ):
        """The row of this shape's table matching ``where`` (written with the shapes'
        aliases) as an instance, or None. ``joined = (foreign key, shape)``: the row it
        points to comes in the same statement and is attached as ``select_related`` would.
        ``lock``: this table's row alone is locked (``FOR UPDATE OF``), not the joined one."""
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
        suffix = (
            f" FOR UPDATE OF {quote(self.alias)}"
            if lock and connection.features.has_select_for_update_of
            else ""
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {tables} WHERE {where}{suffix}", params)
            row = cursor.fetchone()
        if row is None:
            return None
        instance = self.build(row)
        if joined is not None:
            self.model._meta.get_field(name).set_cached_value(instance, other.build(row, len(self)))
        return instance

    def __len__(self) -> int:
        return len(self.fields)


def any_equal(columns: dict[str, object]) -> tuple[str, list]:
    """``(a = %s OR b = %s)`` for the columns whose value is set, and its parameters: the
    rows of a buyer known by a browser (visitor id), an account, or both. The caller makes
    sure one is set."""
    named = [(column, value) for column, value in columns.items() if value]
    return "(" + " OR ".join(f"{column} = %s" for column, _value in named) + ")", [v for _c, v in named]
