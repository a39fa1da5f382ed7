"""The metric registry: every campaign metric once, with what it means, how it is computed,
which count of people hides it, its unit and how it is shown.

Everything that shows a metric derives from this list: the nightly SQL (its stored columns),
the live same-day figures (the same SQL, not written), the partner API (values and their
JSON form), the portal page and its CSV (columns, labels, formatting) and the staff
dashboards. Adding a metric here adds it everywhere; nothing else lists metric names.

Two kinds:

* stored metrics are columns of ``CampaignDailyMetric`` written by the nightly SQL
  (``analytics.metrics``; ``sql`` documents the aggregate over that day's events). Over a
  range they are summed: counts and money are additive (unique visitors are visitor-days).
* ratios are computed when read from the summed stored metrics, so they are right over any
  range: ``numerator / denominator``, ``None`` when the denominator is zero.

Privacy: ``groups`` names the counts of people a figure is about. When one of them is a small
group (1 .. PARTNER_MIN_GROUP_SIZE - 1) the figure is hidden on every partner-facing surface
(``analytics.privacy``). A ratio is always hidden by its denominator's group.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from campaigns.models import TrackingLink

CHANNELS = [choice for choice, _label in TrackingLink.Channel.choices]
CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


class Unit:
    COUNT = "count"
    MONEY = "money"
    RATIO = "ratio"


class Format:
    NUMBER = "number"  # an integer count
    MONEY = "money"  # an amount in the campaign's reporting currency (CLDR)
    PERCENT = "percent"  # a share, 0.123 -> 12.3 %
    MULTIPLE = "multiple"  # revenue per unit of cost, 2.5 -> 2.50×


@dataclass(frozen=True)
class Metric:
    name: str
    label: str | Promise
    definition: str | Promise
    unit: str
    format: str
    groups: tuple[str, ...]
    sql: str = ""  # stored metrics: the aggregate over the day's events (documentation)
    numerator: str | Callable[[dict], Decimal | int | None] | None = None
    denominator: str | None = None
    places: Decimal = RATIO_PLACES
    csv: bool = True  # a column of the portal CSV
    variant_only: bool = False  # computed only on variant rows (their denominators exist there)
    aliases: tuple[str, ...] = field(default=())

    @property
    def stored(self) -> bool:
        return self.denominator is None

    def value(self, row: dict):
        """A ratio from a row of summed stored metrics (``None`` on a zero denominator)."""
        numerator = self.numerator(row) if callable(self.numerator) else row.get(self.numerator)
        denominator = row.get(self.denominator)
        if numerator is None or not denominator:
            return None
        return (Decimal(numerator) / Decimal(denominator)).quantize(self.places)


def _net_minus_spend(row: dict) -> Decimal:
    return (row.get("net_revenue") or Decimal("0")) - (row.get("spend") or Decimal("0"))


PEOPLE = "unique_visitors"
_click_channels = [
    Metric(
        f"clicks_{channel}",
        format_lazy("{} ({})", _("Clicks"), label),
        _("Clicks on tracking links of this channel."),
        Unit.COUNT,
        Format.NUMBER,
        (PEOPLE,),
        sql=f"SUM(clicks where channel = '{channel}')",
    )
    for channel, label in TrackingLink.Channel.choices
]

METRICS: list[Metric] = [
    # --- Traffic ---------------------------------------------------------------------------
    Metric(
        "unique_visitors",
        _("Visitors"),
        _("Distinct visitors with a visit or click that day, control group left out."),
        Unit.COUNT,
        Format.NUMBER,
        (PEOPLE,),
        sql="COUNT(DISTINCT visitor) FILTER (NOT is_holdout)",
    ),
    Metric(
        "landing_views",
        _("Landing-page views"),
        _("Views of the campaign's landing page."),
        Unit.COUNT,
        Format.NUMBER,
        (PEOPLE,),
        sql="COUNT(*) FILTER (kind = 'landing_view')",
    ),
    Metric(
        "clicks",
        _("Clicks"),
        _("Clicks on the campaign's tracking links, every channel."),
        Unit.COUNT,
        Format.NUMBER,
        (PEOPLE,),
        sql="COUNT(*) FILTER (kind = 'click')",
    ),
    *_click_channels,
    Metric(
        "clicks_other",
        _("Clicks (other channels)"),
        _("Clicks on links without a known channel."),
        Unit.COUNT,
        Format.NUMBER,
        (PEOPLE,),
        sql="COUNT(*) FILTER (kind = 'click' AND channel unknown)",
    ),
    Metric(
        "ctr",
        _("Click-through rate"),
        _("Clicks per landing-page view."),
        Unit.RATIO,
        Format.PERCENT,
        # Landing views and clicks are hidden with the visitors they come from.
        (PEOPLE,),
        numerator="clicks",
        denominator="landing_views",
    ),
    # --- Conversion --------------------------------------------------------------------------
    Metric(
        "signups",
        _("Sign-ups"),
        _("Accounts created that day by visitors of the campaign (earliest touch decides)."),
        Unit.COUNT,
        Format.NUMBER,
        ("signups",),
        sql="COUNT(DISTINCT new user whose first touch is this campaign)",
    ),
    Metric(
        "orders",
        _("Orders"),
        _("Attributed orders paid that day, control group left out."),
        Unit.COUNT,
        Format.NUMBER,
        ("orders",),
        sql="COUNT(attributed order) FILTER (paid that day AND NOT is_holdout)",
    ),
    Metric(
        "conversions",
        _("Buyers"),
        _("Distinct learners among that day's attributed orders."),
        Unit.COUNT,
        Format.NUMBER,
        ("conversions",),
        sql="COUNT(DISTINCT buyer)",
    ),
    Metric(
        "cvr",
        _("Conversion rate"),
        _("Orders per visitor."),
        Unit.RATIO,
        Format.PERCENT,
        (PEOPLE, "orders"),
        numerator="orders",
        denominator="unique_visitors",
    ),
    Metric(
        "new_customers",
        _("New customers"),
        _("Buyers with no paid order before that day."),
        Unit.COUNT,
        Format.NUMBER,
        ("new_customers",),
        sql="COUNT(DISTINCT buyer without an earlier paid order)",
    ),
    Metric(
        "returning_customers",
        _("Returning customers"),
        _("Buyers with a paid order before that day."),
        Unit.COUNT,
        Format.NUMBER,
        ("returning_customers",),
        sql="COUNT(DISTINCT buyer with an earlier paid order)",
    ),
    # --- Money -------------------------------------------------------------------------------
    Metric(
        "revenue",
        _("Revenue"),
        _("What attributed orders paid that day brought in, in the campaign's currency."),
        Unit.MONEY,
        Format.MONEY,
        ("orders",),
        sql="ROUND(SUM(amount * fx), 2) FILTER (paid that day)",
    ),
    Metric(
        "refunds",
        _("Refunds"),
        _("Refunds made that day on attributed orders, whenever they were paid."),
        Unit.MONEY,
        Format.MONEY,
        ("orders",),
        sql="ROUND(SUM(refund.amount * fx), 2) FILTER (refunded that day)",
    ),
    Metric(
        "net_revenue",
        _("Net revenue"),
        _("Revenue minus refunds: a refund lowers the day it is made."),
        Unit.MONEY,
        Format.MONEY,
        ("orders",),
        sql="revenue - refunds",
    ),
    Metric(
        "discount_cost",
        _("Discounts given"),
        _("Discounts on attributed orders paid that day (already out of the revenue)."),
        Unit.MONEY,
        Format.MONEY,
        ("orders",),
        sql="ROUND(SUM(discount_amount * fx), 2)",
    ),
    Metric(
        "partner_shares",
        _("Partner revenue shares"),
        _("Ledger entries booked that day to partners for attributed orders (refunds reverse them)."),
        Unit.MONEY,
        Format.MONEY,
        ("orders",),
        sql="ROUND(SUM(ledger.amount * fx), 2) FILTER (party LIKE 'partner:%')",
    ),
    Metric(
        "spend",
        _("Spend"),
        _("The campaign's spend entries of that day."),
        Unit.MONEY,
        Format.MONEY,
        (),
        sql="SUM(spend_entry.amount)",
    ),
    Metric(
        "roas",
        _("Return on ad spend"),
        _("Net revenue per unit of spend."),
        Unit.RATIO,
        Format.MULTIPLE,
        ("orders",),
        numerator="net_revenue",
        denominator="spend",
    ),
    Metric(
        "roi",
        _("Return on investment"),
        _("(Net revenue - spend) / spend. Discounts are already out of the net revenue."),
        Unit.RATIO,
        Format.PERCENT,
        ("orders",),
        numerator=_net_minus_spend,
        denominator="spend",
    ),
    Metric(
        "cac",
        _("Cost per new customer"),
        _("Spend per new customer."),
        Unit.MONEY,
        Format.MONEY,
        ("new_customers",),
        numerator="spend",
        denominator="new_customers",
        places=CENT,
    ),
    Metric(
        "cost_per_conversion",
        _("Cost per conversion"),
        _("Spend per buyer."),
        Unit.MONEY,
        Format.MONEY,
        ("conversions",),
        numerator="spend",
        denominator="conversions",
        places=CENT,
    ),
    Metric(
        "average_order_value",
        _("Average order value"),
        _("Revenue per order."),
        Unit.MONEY,
        Format.MONEY,
        ("orders",),
        numerator="revenue",
        denominator="orders",
        places=CENT,
        csv=False,
    ),
    # --- Satisfaction and learning -----------------------------------------------------------
    Metric(
        "reviews",
        _("Reviews"),
        _("Reviews written that day by attributed learners on the courses they bought."),
        Unit.COUNT,
        Format.NUMBER,
        ("reviews",),
        sql="COUNT(review)",
    ),
    Metric(
        "positive_reviews",
        _("Positive reviews"),
        _("Reviews with 4 or 5 stars."),
        Unit.COUNT,
        Format.NUMBER,
        ("reviews",),
        sql="COUNT(review) FILTER (rating >= 4)",
        csv=False,
    ),
    Metric(
        "satisfaction",
        _("Satisfaction (4–5 stars)"),
        _("Share of reviews with 4 or 5 stars."),
        Unit.RATIO,
        Format.PERCENT,
        ("reviews",),
        numerator="positive_reviews",
        denominator="reviews",
    ),
    Metric(
        "enrollments",
        _("Enrollments"),
        _("Attributed enrollments of orders paid that day."),
        Unit.COUNT,
        Format.NUMBER,
        ("enrollments",),
        sql="COUNT(enrollment) FILTER (order paid that day)",
    ),
    Metric(
        "completions",
        _("Completions"),
        _("Attributed enrollments completed that day, whenever bought."),
        Unit.COUNT,
        Format.NUMBER,
        ("enrollments", "completions"),
        sql="COUNT(enrollment) FILTER (completed that day)",
    ),
    Metric(
        "completion_rate",
        _("Completion rate"),
        _("Completions per enrollment over the period."),
        Unit.RATIO,
        Format.PERCENT,
        ("enrollments", "completions"),
        numerator="completions",
        denominator="enrollments",
    ),
    # --- Control group -------------------------------------------------------------------------
    Metric(
        "holdout_visitors",
        _("Control group visitors"),
        _("Distinct visitors of the control group (they saw no offer)."),
        Unit.COUNT,
        Format.NUMBER,
        ("holdout_visitors",),
        sql="COUNT(DISTINCT visitor) FILTER (is_holdout)",
    ),
    Metric(
        "holdout_orders",
        _("Control group orders"),
        _("Orders of the control group."),
        Unit.COUNT,
        Format.NUMBER,
        ("holdout_visitors", "holdout_orders"),
        sql="COUNT(attributed order) FILTER (is_holdout)",
    ),
    # --- Variant rows only -------------------------------------------------------------------
    Metric(
        "traffic_share",
        _("Share of traffic"),
        _("The variant's share of the visitors of every variant."),
        Unit.RATIO,
        Format.PERCENT,
        (PEOPLE,),
        numerator="unique_visitors",
        denominator="all_visitors",
        csv=False,
        variant_only=True,
    ),
    Metric(
        "weight_share",
        _("Traffic weight"),
        _("The variant's share of the traffic weights (set by the partner or the bandit)."),
        Unit.RATIO,
        Format.PERCENT,
        (),
        numerator="weight",
        denominator="total_weight",
        csv=False,
        variant_only=True,
    ),
]

BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}
STORED: list[Metric] = [metric for metric in METRICS if metric.stored]
RATIOS: list[Metric] = [metric for metric in METRICS if not metric.stored]
# The stored columns in the order of the nightly SQL's upsert.
COUNT_COLUMNS: list[str] = [metric.name for metric in STORED if metric.unit == Unit.COUNT]
MONEY_COLUMNS: list[str] = [metric.name for metric in STORED if metric.unit == Unit.MONEY]
# The portal CSV's columns after ``date``.
CSV_COLUMNS: list[str] = [metric.name for metric in METRICS if metric.csv]


def suppression_rules() -> dict[str, tuple[str, ...]]:
    """count of people -> every metric that would reveal those people when it is small."""
    rules: dict[str, list[str]] = {}
    for metric in METRICS:
        for group in metric.groups:
            rules.setdefault(group, []).append(metric.name)
    return {group: tuple(names) for group, names in rules.items()}


def with_ratios(row: dict, names: list[str] | None = None) -> dict:
    """``row`` (summed stored metrics) with every ratio the row has the inputs for."""
    result = dict(row)
    for metric in RATIOS:
        if metric.variant_only and metric.denominator not in row:
            continue
        if names is None or metric.name in names:
            result[metric.name] = metric.value(row)
    return result


def zero_row(columns: list[str] | None = None) -> dict:
    names = columns if columns is not None else [metric.name for metric in STORED]
    return {name: (Decimal("0.00") if BY_NAME[name].unit == Unit.MONEY else 0) for name in names}


def add_rows(total: dict, row: dict, columns: list[str] | None = None) -> dict:
    """Adds the stored metrics of ``row`` into ``total`` (in place) and returns it."""
    for name in columns if columns is not None else [metric.name for metric in STORED]:
        total[name] = (total.get(name) or 0) + (row.get(name) or 0)
    return total
