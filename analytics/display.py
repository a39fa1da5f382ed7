"""Figures as text, formatted as the metric registry says: money in CLDR form, shares as
percents, ROAS as a multiple; figures hidden by the privacy rule read "< N" when they count
people and "hidden" otherwise. Used by the portal's metrics page and the staff dashboards."""

from decimal import Decimal

from django.utils.translation import gettext as _

from core.cldr import format_number, format_percent
from core.money import format_money
from partners.privacy import min_group_size

from . import registry
from .lift import Lift
from .privacy import SUPPRESSION_RULES


def percent(value) -> str:
    return "—" if value is None else format_percent(value, 1)


def _formatted(metric: registry.Metric, value, currency: str):
    if metric.format == registry.Format.MONEY:
        return format_money(value, currency)
    if metric.format == registry.Format.PERCENT:
        return percent(value)
    if metric.format == registry.Format.MULTIPLE:
        return f"{format_number(value, 2)}×"
    if metric.format == registry.Format.NUMBER and isinstance(value, int | Decimal | float):
        return format_number(value)
    return value


def display(row: dict, currency: str) -> dict:
    """Every figure of a row as text, formatted as the registry says. A figure hidden by the
    privacy rule reads "< N" when it is a count of people and "hidden" otherwise (a hidden
    ratio or amount must not read like a count); a ratio without a denominator reads "—"."""
    hidden = {name for group in row.get("suppressed", ()) for name in SUPPRESSION_RULES[group]}
    shown = {}
    for key, value in row.items():
        metric = registry.BY_NAME.get(key)
        if value is None and key in hidden:
            is_count = metric is not None and metric.unit == registry.Unit.COUNT
            shown[key] = f"< {format_number(min_group_size())}" if is_count else _("hidden")
        elif value is None:
            shown[key] = "—"
        elif metric is not None:
            shown[key] = _formatted(metric, value, currency)
        else:
            shown[key] = value
    return shown


def lift_display(lift: Lift | None) -> dict | None:
    if lift is None:
        return None
    return {
        "lift": percent(lift.lift),
        "ci_low": percent(lift.ci_low),
        "ci_high": percent(lift.ci_high),
        "cvr": percent(lift.cvr),
        "cvr_holdout": percent(lift.cvr_holdout),
        "incremental_orders": (
            "—" if lift.incremental_orders is None else format_number(lift.incremental_orders, 1)
        ),
        "significant": lift.significant,
    }
