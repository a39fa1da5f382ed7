"""The one privacy rule of every partner-facing surface (portal pages, CSV, partner API,
the dashboard block): a count of people between 1 and ``PARTNER_MIN_GROUP_SIZE - 1`` is
hidden together with every figure the registry says is about the same people (ratios by
their denominators, money of those orders). Lists of orders follow the same rule
(``order_list_visible``)."""

from decimal import Decimal

from analytics.registry import COUNT_COLUMNS, MONEY_COLUMNS, suppression_rules
from partners.privacy import is_small_group, min_group_size

__all__ = [
    "min_group_size",
    "order_list_visible",
    "partner_row",
    "partner_total",
    "suppressed_names",
    "visible_sum",
]

SUPPRESSION_RULES = suppression_rules()
MONEY = set(MONEY_COLUMNS)
COUNTS = set(COUNT_COLUMNS)


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


def visible_sum(rows: list[dict], columns: list[str]) -> dict:
    """A partner-facing total over several cells (days, or days of one variant or market):
    the sum of what each cell shows after ``partner_row``, never of a hidden value. So any
    total, and the difference of two totals over overlapping date ranges, is a sum of figures
    the partner can already see day by day: subtracting ranges cannot reveal a small group.
    (The price: a total leaves out the hidden days, and the page says so.)"""
    total = {name: Decimal("0.00") if name in MONEY else 0 for name in columns}
    for row in rows:
        shown = partner_row(row)
        for name in columns:
            if shown.get(name) is not None:
                total[name] += shown[name]
    return total


def partner_total(raw: dict, visible: dict) -> dict:
    """The partner's view of a total: hidden where the whole group is small (``partner_row``
    of the raw sums), otherwise the ``visible_sum`` figures (with their ratios). ``partial``
    says that some hidden cells are left out."""
    shown = partner_row(raw)
    partial = False
    for name, value in visible.items():
        if name in shown and shown[name] is not None and name != "suppressed":
            partial = partial or (value != shown[name] and name in MONEY | COUNTS)
            shown[name] = value
    shown["partial"] = partial
    return shown


def order_list_visible(order_count: int) -> bool:
    """A list of single orders (number, time, amount) is shown only when the group of
    orders is at least the minimum size; otherwise only aggregates are."""
    return order_count >= min_group_size()
