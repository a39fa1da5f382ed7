"""Set-based create-or-update for the seeder: one read per batch of keys, one bulk insert
for what is missing and one bulk update for what differs. Rows already in the wanted state
are not written at all, so a rerun of ``seed_demo`` changes nothing."""

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db.models import Model
from django.utils import timezone

# SQLite allows 999 bound parameters per statement in older builds; stay below it.
IN_BATCH = 900


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def upsert(
    model: type[Model],
    *,
    key: Sequence[str],
    rows: Iterable[dict[str, Any]],
    batch_size: int = 500,
) -> dict[tuple, Model]:
    """Make the table hold ``rows``, matched on the ``key`` fields (attribute names such as
    ``course_id``). Returns every wanted row's instance by key tuple."""
    rows = list(rows)
    first = key[0]
    found: dict[tuple, Model] = {}
    for chunk in batched({row[first] for row in rows}, IN_BATCH):
        for obj in model._default_manager.filter(**{f"{first}__in": chunk}):
            found[tuple(getattr(obj, name) for name in key)] = obj

    to_create: list[Model] = []
    to_update: list[Model] = []
    changed: set[str] = set()
    now = timezone.now()
    for row in rows:
        row_key = tuple(row[name] for name in key)
        obj = found.get(row_key)
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
            found[row_key] = obj
            continue
        diff = [name for name, value in row.items() if getattr(obj, name) != value]
        if diff:
            for name in diff:
                setattr(obj, name, row[name])
            obj.updated_at = now
            to_update.append(obj)
            changed.update(diff)

    if to_create:
        model._default_manager.bulk_create(to_create, batch_size=batch_size)
    if to_update:
        model._default_manager.bulk_update(to_update, [*sorted(changed), "updated_at"], batch_size=batch_size)
    return found
