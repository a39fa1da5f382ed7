"""Same-day figures of campaigns whose nightly rows do not exist yet."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import TruncDate

from campaigns.models import Campaign, OrderAttribution, Touch
from core.money import round_money

from .models import CampaignDailyMetric

METRIC_COUNT_FIELDS = (
    "unique_visitors",
    "landing_views",
    "clicks",
    "signups",
    "orders",
    "holdout_visitors",
    "holdout_orders",
)
METRIC_MONEY_FIELDS = ("revenue", "refunds", "discount_cost", "spend")


def campaign_live_figures(*, campaign_ids: list[int]) -> dict[int, dict]:
    """Counts straight from touches and attributions, for campaigns whose nightly rows do
    not exist yet (two queries for any number of campaigns)."""
    figures = {
        pk: {"unique_visitors": 0, "clicks": 0, "landing_views": 0, "orders": 0, "revenue": Decimal("0")}
        for pk in campaign_ids
    }
    touches = (
        Touch.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id")
        .annotate(
            unique_visitors=Count("visitor_id", distinct=True),
            clicks=Count("id", filter=Q(kind=Touch.Kind.CLICK)),
            landing_views=Count("id", filter=Q(kind=Touch.Kind.LANDING_VIEW)),
        )
        .order_by()
    )
    for row in touches:
        figures[row["campaign_id"]].update(
            unique_visitors=row["unique_visitors"], clicks=row["clicks"], landing_views=row["landing_views"]
        )
    orders = (
        OrderAttribution.objects.filter(campaign_id__in=campaign_ids)
        .values("campaign_id", "campaign__budget_currency")
        .annotate(
            orders=Count("id"),
            # Every attributed order counts, converted into the campaign's own currency.
            revenue=Sum(
                _in_reporting_currency(F("amount") - F("refunded_amount"), to="campaign__budget_currency")
            ),
        )
        .order_by()
    )
    for row in orders:
        figures[row["campaign_id"]].update(
            orders=row["orders"], revenue=_rounded(row["revenue"], row["campaign__budget_currency"])
        )
    return figures


_FX_AMOUNT = DecimalField(max_digits=30, decimal_places=10)


def _rate_case(field: str) -> Case:
    """``settings.REPORTING_FX_RATES`` (value of one unit in a common base) for the currency
    in ``field``, as SQL: the whole conversion stays in the one aggregate query."""
    return Case(
        *[
            When(**{field: code}, then=Value(Decimal(str(rate)), output_field=_FX_AMOUNT))
            for code, rate in sorted(settings.REPORTING_FX_RATES.items())
        ],
        default=None,
        output_field=_FX_AMOUNT,
    )


def _in_reporting_currency(
    amount, *, to: str | None = None, currency: str | None = None
) -> ExpressionWrapper:
    """``amount * rate[from] / rate[to]``: ``to`` names the target currency's field, or
    ``currency`` gives it as a constant."""
    if currency is not None:
        target = Value(Decimal(str(settings.REPORTING_FX_RATES[currency])), output_field=_FX_AMOUNT)
    else:
        target = _rate_case(to)
    return ExpressionWrapper(amount * _rate_case("currency") / target, output_field=_FX_AMOUNT)


def _rounded(amount, currency: str) -> Decimal:
    """Summed unrounded, then rounded once with the platform's rule."""
    return round_money(Decimal(str(amount)) if amount is not None else Decimal("0"), currency)


def _ratio(numerator, denominator, places: str = "0.0001") -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places)))


def metrics_totals(rows: list[dict]) -> dict:
    totals: dict = {name: 0 for name in METRIC_COUNT_FIELDS}
    totals.update({name: Decimal("0") for name in METRIC_MONEY_FIELDS})
    for row in rows:
        for name in METRIC_COUNT_FIELDS:
            totals[name] += row[name]
        for name in METRIC_MONEY_FIELDS:
            totals[name] += Decimal(row[name])
    net = totals["revenue"] - totals["refunds"]
    cost = totals["spend"] + totals["discount_cost"]
    totals.update(
        {
            # Click-through: clicks per landing view; conversion: orders per unique visitor.
            "ctr": _ratio(totals["clicks"], totals["landing_views"]),
            "cvr": _ratio(totals["orders"], totals["unique_visitors"]),
            "roas": _ratio(net, totals["spend"]),
            "roi": _ratio(net - cost, cost),
        }
    )
    for name in METRIC_MONEY_FIELDS:
        totals[name] = str(totals[name])
    return totals


@dataclass(frozen=True)
class MetricsResult:
    rows: list[dict]
    totals: dict
    source: str  # "nightly" or "live"


def campaign_metrics(
    *, campaign: Campaign, date_from: date, date_to: date, live_fallback: bool = False
) -> MetricsResult:
    """Daily rows (all variants and languages together) between two dates inclusive, from
    the nightly table. With ``live_fallback`` and no nightly rows yet, the same shape is
    counted live from touches and attributions."""
    stored = list(
        CampaignDailyMetric.objects.filter(
            campaign=campaign,
            date__gte=date_from,
            date__lte=date_to,
            variant__isnull=True,
            language__isnull=True,
        )
        .order_by("date")
        .values("date", "currency", *METRIC_COUNT_FIELDS, *METRIC_MONEY_FIELDS)
    )
    if stored or not live_fallback:
        rows = [{**row, "date": row["date"].isoformat(), **_money_str(row)} for row in stored]
        return MetricsResult(rows=rows, totals=metrics_totals(rows), source="nightly")
    rows = _live_rows(campaign=campaign, date_from=date_from, date_to=date_to)
    return MetricsResult(rows=rows, totals=metrics_totals(rows), source="live")


def _money_str(row: dict) -> dict:
    return {name: str(row[name]) for name in METRIC_MONEY_FIELDS}


def _live_rows(*, campaign: Campaign, date_from: date, date_to: date) -> list[dict]:
    touches = (
        Touch.objects.filter(
            campaign=campaign, created_at__date__gte=date_from, created_at__date__lte=date_to
        )
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            unique_visitors=Count("visitor_id", distinct=True, filter=Q(is_holdout=False)),
            holdout_visitors=Count("visitor_id", distinct=True, filter=Q(is_holdout=True)),
            clicks=Count("id", filter=Q(kind=Touch.Kind.CLICK)),
            landing_views=Count("id", filter=Q(kind=Touch.Kind.LANDING_VIEW)),
        )
        .order_by()
    )
    cur = campaign.budget_currency
    orders = (
        OrderAttribution.objects.filter(
            campaign=campaign, paid_at__date__gte=date_from, paid_at__date__lte=date_to
        )
        .annotate(day=TruncDate("paid_at"))
        .values("day")
        .annotate(
            orders=Count("id", filter=Q(is_holdout=False)),
            holdout_orders=Count("id", filter=Q(is_holdout=True)),
            # Orders in any currency, converted into the campaign's own.
            revenue=Sum(_in_reporting_currency(F("amount"), currency=cur)),
            refunds=Sum(_in_reporting_currency(F("refunded_amount"), currency=cur)),
            discount_cost=Sum(_in_reporting_currency(F("discount_amount"), currency=cur)),
        )
        .order_by()
    )
    by_day: dict[date, dict] = {}

    def row_for(day: date) -> dict:
        return by_day.setdefault(
            day,
            {
                "date": day.isoformat(),
                "currency": campaign.budget_currency,
                **{name: 0 for name in METRIC_COUNT_FIELDS},
                **{name: "0" for name in METRIC_MONEY_FIELDS},
            },
        )

    for row in touches:
        row_for(row["day"]).update(
            {k: row[k] for k in ("unique_visitors", "holdout_visitors", "clicks", "landing_views")}
        )
    for row in orders:
        row_for(row["day"]).update(
            orders=row["orders"],
            holdout_orders=row["holdout_orders"],
            revenue=str(_rounded(row["revenue"], cur)),
            refunds=str(_rounded(row["refunds"], cur)),
            discount_cost=str(_rounded(row["discount_cost"], cur)),
        )
    return [by_day[day] for day in sorted(by_day)]
