"""The one privacy rule of every partner-facing surface (portal pages, CSV, partner API,
the dashboard block): a count of people between 1 and ``PARTNER_MIN_GROUP_SIZE - 1`` is
hidden together with every figure the registry says is about the same people (ratios by
their denominators, money of those orders). Lists of orders follow the same rule
(``order_list_visible``)."""

from analytics.registry import suppression_rules
from partners.privacy import is_small_group, min_group_size

__all__ = ["min_group_size", "order_list_visible", "partner_row", "suppressed_names"]

SUPPRESSION_RULES = suppression_rules()


def suppressed_names() -> set[str]:
    """Every figure that can be hidden."""
    return {name for names in SUPPRESSION_RULES.values() for name in names}


def partner_row(row: dict) -> dict:
    """A copy of ``row`` with every figure about a small group set to ``None`` and
    ``suppressed`` listing the small counts (sorted)."""
    copy = dict(row)
    hidden: list[str] = []
    for group, names in SUPPRESSION_RULES.items():
        if is_small_group(row.get(group)):
            for name in names:
                if name in copy:
                    copy[name] = None
            hidden.append(group)
    copy["suppressed"] = sorted(hidden)
    return copy


def order_list_visible(order_count: int) -> bool:
    """A list of single orders (number, time, amount) is shown only when the group of
    orders is at least the minimum size; otherwise only aggregates are."""
    return order_count >= min_group_size()
