"""Partner-facing aggregates never show groups small enough to point at a person."""

from collections.abc import Iterable

from django.conf import settings

DEFAULT_MIN_GROUP_SIZE = 10


def min_group_size() -> int:
    return int(getattr(settings, "PARTNER_MIN_GROUP_SIZE", DEFAULT_MIN_GROUP_SIZE))


def is_small_group(count: int | None) -> bool:
    """Zero reveals nobody; 1..min-1 people might be recognised."""
    return count is not None and 0 < count < min_group_size()


def suppress_count(count: int | None) -> int | None:
    """One figure: ``None`` (shown as "fewer than N") when the group is too small."""
    return None if is_small_group(count) else count


def suppress_small_groups(
    rows: Iterable[dict], count_key: str, *, other_keys: Iterable[str] = ()
) -> list[dict]:
    """Copies of ``rows`` where every row whose ``row[count_key]`` is a small group has that
    count, and every value in ``other_keys`` derived from the same people (revenue, orders...),
    set to ``None``, and ``suppressed`` set to True. Other rows get ``suppressed`` False.
    Rows are kept (not dropped) so daily series keep their dates."""
    hidden = (count_key, *other_keys)
    result = []
    for row in rows:
        copy = dict(row)
        if is_small_group(copy.get(count_key)):
            for key in hidden:
                copy[key] = None
            copy["suppressed"] = True
        else:
            copy["suppressed"] = False
        result.append(copy)
    return result
