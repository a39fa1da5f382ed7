"""``{% load cldr %}``: money, numbers, percentages, dates and times in the page's language
(CLDR through Babel, ``core.cldr``) and the viewer's time zone. Use these, not Django's
``date``/``floatformat`` filters, for anything a person reads.

    {{ order.total|money:order.currency }}   {{ rating|number:1 }}   {{ ctr|percent:1 }}
    {{ order.created_at|local_date }}        {{ session.starts_at|local_datetime:"short" }}
    {{ statement.period|local_month }}       {{ starts_at|local_time }}
"""

from django import template

from core import cldr
from core.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """``{{ amount|money:"EUR" }}`` -> ``1.234,50 €`` in Spanish."""
    return format_money(amount, currency)


@register.filter
def number(value, digits=None) -> str:
    """``{{ value|number }}`` with the locale's grouping; ``|number:1`` one fraction digit."""
    return cldr.format_number(value, _digits(digits))


@register.filter
def percent(ratio, digits=0) -> str:
    """A ratio 0..1 as a percentage: ``{{ 0.256|percent }}`` -> ``26%`` / ``26 %``."""
    return cldr.format_percent(ratio, _digits(digits) or 0)


@register.filter
def points_percent(points, digits=None) -> str:
    """A value already in percent points (a 20 % discount stored as ``20``, a quiz score
    of ``85``) as the locale writes it: ``20%``, ``20 %``, ``20‎%‎``. Whole points show no
    decimals; ``12.5`` shows one."""
    number = cldr.as_decimal(points)
    if number is None:
        return ""
    if digits is None or digits == "":
        digits = max(0, -number.normalize().as_tuple().exponent) if number % 1 else 0
    return cldr.format_percent(number / 100, _digits(digits) or 0)


@register.filter
def local_date(value, length: str = "medium") -> str:
    return cldr.format_date(value, length)


@register.filter
def local_datetime(value, length: str = "medium") -> str:
    return cldr.format_datetime(value, length)


@register.filter
def local_time(value, length: str = "short") -> str:
    return cldr.format_time(value, length)


@register.filter
def local_month(value) -> str:
    return cldr.format_month(value)


def _digits(digits) -> int | None:
    if digits is None or digits == "":
        return None
    try:
        return max(0, min(int(digits), 6))
    except (TypeError, ValueError):
        return None
