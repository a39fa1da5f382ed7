"""Money, numbers, percentages and dates are written as CLDR says for each language of the
site (Babel's data, not hand-made patterns), instants in the viewer's time zone."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core.cldr import format_date, format_datetime, format_month, format_number, format_percent
from core.money import format_money

AMOUNT = Decimal("1234.5")
# (language, CNY, USD, JPY, EUR) as CLDR writes them; \xa0 is a no-break space, \u200f the
# right-to-left mark Arabic puts before a number.
MONEY = [
    ("en", "CN¥1,234.50", "$1,234.50", "¥1,235", "€1,234.50"),
    ("zh-hans", "¥1,234.50", "US$1,234.50", "JP¥1,235", "€1,234.50"),
    ("ja", "元1,234.50", "$1,234.50", "￥1,235", "€1,234.50"),
    ("es", "1.234,50\xa0CNY", "1.234,50\xa0US$", "1.235\xa0JPY", "1.234,50\xa0€"),
    # Arabic: CLDR's pattern, a Latin symbol isolated left to right (U+2066 ... U+2069) so
    # "US$" does not read "$US" in a right-to-left line.
    (
        "ar",
        "\u200f1,234.50\xa0\u2066CN¥\u2069",
        "\u200f1,234.50\xa0\u2066US$\u2069",
        "\u200f1,235\xa0\u2066JP¥\u2069",
        "\u200f1,234.50\xa0€",
    ),
]


@pytest.mark.parametrize(("language", "cny", "usd", "jpy", "eur"), MONEY)
def test_money_in_each_language_and_currency(language, cny, usd, jpy, eur):
    shown = [format_money(AMOUNT, currency, language) for currency in ("CNY", "USD", "JPY", "EUR")]

    assert shown == [cny, usd, jpy, eur]


def test_spanish_dollars_put_the_symbol_after_the_number():
    # The example: a hand-made "US$1.234,50" is not how Spanish writes it.
    assert format_money(AMOUNT, "USD", "es") == "1.234,50\xa0US$"


@pytest.mark.parametrize(
    ("language", "whole", "one_digit", "number"),
    [
        ("en", "26%", "12.3%", "1,234.50"),
        ("zh-hans", "26%", "12.3%", "1,234.50"),
        ("ja", "26%", "12.3%", "1,234.50"),
        ("es", "26\xa0%", "12,3\xa0%", "1.234,50"),
        ("ar", "26%", "12.3%", "1,234.50"),
    ],
)
def test_percent_and_numbers(language, whole, one_digit, number):
    assert format_percent(Decimal("0.256"), 0, language) == whole
    assert format_percent(Decimal("0.1234"), 1, language) == one_digit
    assert format_number(AMOUNT, 2, language) == number


@pytest.mark.parametrize(
    ("language", "day", "short", "medium", "month"),
    [
        ("en", "Mar 5, 2026", "3/5/26, 9:05\u202fPM", "Mar 6, 2026, 1:05\u202fAM", "March 2026"),
        ("zh-hans", "2026年3月5日", "2026/3/5 21:05", "2026年3月6日 01:05", "2026年3月"),
        ("ja", "2026/03/05", "2026/03/05 21:05", "2026/03/06 1:05", "2026年3月"),
        ("es", "5 mar 2026", "5/3/26, 21:05", "6 mar 2026, 1:05", "marzo de 2026"),
        (
            "ar",
            "05\u200f/03\u200f/2026",
            "5\u200f/3\u200f/2026، 9:05 م",
            "06\u200f/03\u200f/2026، 1:05 ص",
            "مارس 2026",
        ),
    ],
)
def test_dates_and_times_in_the_viewers_zone(language, day, short, medium, month):
    # 13:05 UTC is 21:05 in Shanghai; 17:05 UTC is already the next day there.
    afternoon = datetime.datetime(2026, 3, 5, 13, 5, tzinfo=datetime.UTC)
    evening = datetime.datetime(2026, 3, 5, 17, 5, tzinfo=datetime.UTC)
    with timezone.override(ZoneInfo("Asia/Shanghai")):
        assert format_date(afternoon, language=language) == day
        assert format_datetime(afternoon, "short", language=language) == short
        assert format_datetime(evening, language=language) == medium
    assert format_month(datetime.date(2026, 3, 1), language=language) == month


def test_the_template_filters_follow_the_active_language_and_zone():
    template = Template(
        "{% load cldr %}{{ amount|money:'EUR' }}|{{ ratio|percent:1 }}|{{ points|points_percent }}|"
        "{{ rating|number:1 }}|{{ when|local_datetime:'short' }}|{{ day|local_date }}|{{ day|local_month }}"
    )
    context = Context(
        {
            "amount": AMOUNT,
            "ratio": Decimal("0.1234"),
            "points": 20,
            "rating": Decimal("4.25"),
            "when": datetime.datetime(2026, 3, 5, 13, 5, tzinfo=datetime.UTC),
            "day": datetime.date(2026, 3, 5),
        }
    )
    with translation.override("es"), timezone.override(ZoneInfo("Europe/Madrid")):
        rendered = template.render(context)

    assert rendered == "1.234,50\xa0€|12,3\xa0%|20\xa0%|4,3|5/3/26, 14:05|5 mar 2026|marzo de 2026"


def test_missing_or_bad_values_render_empty():
    template = Template(
        "{% load cldr %}[{{ none|money:'USD' }}{{ text|number }}{{ none|percent }}{{ none|local_date }}]"
    )

    assert template.render(Context({"none": None, "text": "abc"})) == "[]"
