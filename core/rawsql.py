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
            converters = column.get_db_converters(connection)
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

    def __len__(self) -> int:
        return len(self.fields)
