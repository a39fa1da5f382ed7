"""Reads behind the analytics pages, from the stored nightly rows (a fixed number of queries
per page). Ratios are computed here from summed counts, so they are right over any range.

Partner-facing reads go through ``suppress_for_partner``: every count of people between 1 and
``PARTNER_MIN_GROUP_SIZE - 1`` is hidden together with every figure derived from the same
people (rates, money of those orders), so no number points at a small group."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum

from campaigns.models import Campaign, SpendEntry, Variant
from partners.privacy import is_small_group

from .lift import Lift, lift_compute
from .metrics import CHANNELS, COUNT_COLUMNS, MONEY_COLUMNS
from .models import AudienceOverlap, CampaignDailyMetric, CampaignMarketMetric

MARKET_COUNTS = ["unique_visitors", "orders", "reviews", "positive_reviews", "enrollments", "completions"]
CENT = Decimal("0.01")
RATIO = Decimal("0.0001")

# count of people -> the figures that would reveal those people when the count is small
SUPPRESSION_RULES: dict[str, tuple[str, ...]] = {
    "unique_visitors": (
        "unique_visitors",
        "landing_views",
        "clicks",
        *[f"clicks_{channel}" for channel in CHANNELS],
        "clicks_other",
        "ctr",
        "cvr",
        "traffic_share",
    ),
    "holdout_visitors": ("holdout_visitors", "holdout_orders", "cvr_holdout"),
    "holdout_orders": ("holdout_orders", "cvr_holdout"),
    "signups": ("signups",),
    "orders": (
        "orders",
        "cvr",
        "revenue",
        "refunds",
        "net_revenue",
        "discount_cost",
        "partner_shares",
        "roas",
        "roi",
        "average_order_value",
    ),
    "conversions": ("conversions", "cost_per_conversion"),
    "new_customers": ("new_customers", "cac"),
    "returning_customers": ("returning_customers",),
    "reviews": ("reviews", "positive_reviews", "satisfaction"),
    "enrollments": ("enrollments", "completions", "completion_rate"),
    "completions": ("completions", "completion_rate"),
}


def _ratio(numerator, denominator, places: Decimal = RATIO) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places)


def with_ratios(row: dict) -> dict:
    """Adds the derived figures to a row of summed counts and money."""
    spend = row.get("spend") or Decimal("0")
    net = row.get("net_revenue") or Decimal("0")
    return {
        **row,
        "ctr": _ratio(row.get("clicks"), row.get("landing_views")),
        "cvr": _ratio(row.get("orders"), row.get("unique_visitors")),
        "roas": _ratio(net, spend),
        "roi": _ratio(net - spend, spend),
        "cac": _ratio(spend, row.get("new_customers"), CENT),
        "cost_per_conversion": _ratio(spend, row.get("conversions"), CENT),
        "average_order_value": _ratio(row.get("revenue"), row.get("orders"), CENT),
        "satisfaction": _ratio(row.get("positive_reviews"), row.get("reviews")),
        "completion_rate": _ratio(row.get("completions"), row.get("enrollments")),
    }


def suppress_for_partner(row: dict) -> dict:
    copy = dict(row)
    hidden: list[str] = []
    for count_key, dependants in SUPPRESSION_RULES.items():
        if is_small_group(row.get(count_key)):
            for key in dependants:
                if key in copy:
                    copy[key] = None
            hidden.append(count_key)
    copy["suppressed"] = sorted(hidden)
    return copy


def _cents(row: dict) -> dict:
    # SQLite hands sums of decimals back without their scale; show money with its cents.
    return {
        key: (Decimal(value).quantize(CENT) if key in MONEY_COLUMNS and value is not None else value)
        for key, value in row.items()
    }


def _sum_rows(queryset: QuerySet, group_by: Iterable[str], columns: Iterable[str]) -> list[dict]:
    return [
        _cents(row)
        for row in queryset.values(*group_by)
        .annotate(**{name: Sum(name) for name in columns})
        .order_by(*group_by)
    ]


def _zero(columns: Iterable[str]) -> dict:
    return {name: (Decimal("0.00") if name in MONEY_COLUMNS else 0) for name in columns}


@dataclass(frozen=True)
class CampaignAnalytics:
    campaign: Campaign
    date_from: date
    date_to: date
    daily: list[dict]
    totals: dict
    funnel: list[tuple[str, int | None]]
    variants: list[dict]
    markets: list[dict]
    lift: Lift
    variant_lifts: dict[int, Lift]


def campaign_analytics(*, campaign: Campaign, date_from: date, date_to: date) -> CampaignAnalytics:
    """Everything a campaign's analytics page shows (four queries)."""
    columns = COUNT_COLUMNS + MONEY_COLUMNS
    rows = CampaignDailyMetric.objects.filter(campaign=campaign, date__gte=date_from, date__lte=date_to)
    by_day = {
        row["date"]: row for row in _sum_rows(rows.filter(variant=None, language=None), ["date"], columns)
    }
    daily, day = [], date_from
    while day <= date_to:
        daily.append(with_ratios({"date": day, **_zero(columns), **by_day.get(day, {})}))
        day += timedelta(days=1)
    # The period's totals add up the days already read (counts and money are additive).
    summed = _zero(columns)
    for row in by_day.values():
        for name in columns:
            summed[name] += row[name] or 0
    totals = with_ratios(_cents(summed))
    variants = {v.pk: v for v in Variant.objects.filter(campaign=campaign).order_by("id")}
    variant_sums = {
        row["variant_id"]: row
        for row in _sum_rows(rows.filter(variant__isnull=False, language=None), ["variant_id"], columns)
    }
    all_visitors = sum((r["unique_visitors"] or 0) for r in variant_sums.values())
    total_weight = sum(v.weight for v in variants.values()) or 1
    variant_rows, variant_lifts = [], {}
    for pk, variant in variants.items():
        sums = {**_zero(columns), **variant_sums.get(pk, {})}
        variant_rows.append(
            with_ratios(
                {
                    **sums,
                    "variant_id": pk,
                    "name": variant.name,
                    "weight": variant.weight,
                    "weight_share": _ratio(variant.weight, total_weight),
                    "traffic_share": _ratio(sums["unique_visitors"], all_visitors),
                }
            )
        )
        variant_lifts[pk] = lift_compute(
            visitors=sums["unique_visitors"],
            orders=sums["orders"],
            holdout_visitors=totals["holdout_visitors"],
            holdout_orders=totals["holdout_orders"],
        )
    markets = [
        with_ratios(row)
        for row in _sum_rows(
            CampaignMarketMetric.objects.filter(campaign=campaign, date__gte=date_from, date__lte=date_to),
            ["language", "country"],
            [*MARKET_COUNTS, "net_revenue"],
        )
    ]
    lift = lift_compute(
        visitors=totals["unique_visitors"],
        orders=totals["orders"],
        holdout_visitors=totals["holdout_visitors"],
        holdout_orders=totals["holdout_orders"],
    )
    funnel = [(key, totals[key]) for key in ("unique_visitors", "signups", "orders", "completions")]
    return CampaignAnalytics(
        campaign=campaign,
        date_from=date_from,
        date_to=date_to,
        daily=daily,
        totals=totals,
        funnel=funnel,
        variants=variant_rows,
        markets=markets,
        lift=lift,
        variant_lifts=variant_lifts,
    )


def lift_for_partner(lift: Lift) -> Lift | None:
    """The lift only when none of its four groups is small."""
    counts = (lift.visitors, lift.orders, lift.holdout_visitors, lift.holdout_orders)
    return None if any(is_small_group(n) for n in counts) else lift


# --- Partner API ---------------------------------------------------------------------------

RATIO_KEYS = (
    "ctr",
    "cvr",
    "roas",
    "roi",
    "satisfaction",
    "completion_rate",
)
MONEY_RATIO_KEYS = ("cac", "cost_per_conversion", "average_order_value")


def _api_value(key: str, value):
    """JSON-safe figures: money and rates as decimal strings (never floats), counts as ints."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int) and key not in MONEY_COLUMNS:
        return value
    if key in MONEY_COLUMNS or key in MONEY_RATIO_KEYS:
        return str(Decimal(value).quantize(CENT))
    if key in RATIO_KEYS:
        return str(Decimal(value).quantize(RATIO))
    return value


def _api_row(row: dict) -> dict:
    """A row with its ratios, small groups hidden: ``suppressed`` says whether anything was
    hidden, ``suppressed_groups`` which counts of people were too small."""
    shown = suppress_for_partner(with_ratios(row))
    groups = shown.pop("suppressed")
    body = {key: _api_value(key, value) for key, value in shown.items()}
    return {**body, "suppressed": bool(groups), "suppressed_groups": groups}


def _lift_body(lift: Lift | None) -> dict | None:
    if lift is None:
        return None

    def fixed(value: float | None, places: str) -> str | None:
        return None if value is None else str(Decimal(repr(value)).quantize(Decimal(places)))

    return {
        "lift": fixed(lift.lift, "0.0001"),
        "ci_low": fixed(lift.ci_low, "0.0001"),
        "ci_high": fixed(lift.ci_high, "0.0001"),
        "cvr": fixed(lift.cvr, "0.0001"),
        "cvr_holdout": fixed(lift.cvr_holdout, "0.0001"),
        "incremental_orders": fixed(lift.incremental_orders, "0.01"),
        "significant": lift.significant,
    }


@dataclass(frozen=True)
class PartnerMetrics:
    rows: list[dict]
    totals: dict


def campaign_metrics_for_partner(*, campaign: Campaign, date_from: date, date_to: date) -> PartnerMetrics:
    """The partner API's daily rows (the stored total rows: all variants and languages) between
    two dates inclusive, and their totals with the lift against the control group, every small
    group hidden as on the portal pages (one query whatever the range)."""
    columns = COUNT_COLUMNS + MONEY_COLUMNS
    stored = list(
        CampaignDailyMetric.objects.filter(
            campaign=campaign, date__gte=date_from, date__lte=date_to, variant=None, language=None
        )
        .order_by("date")
        .values("date", "currency", *columns)
    )
    currency = campaign.budget_currency
    rows = [
        _api_row({**_cents(row), "date": row["date"].isoformat(), "currency": row["currency"] or currency})
        for row in stored
    ]
    summed = _zero(columns)
    for row in stored:
        for name in columns:
            summed[name] += row[name] or 0
    lift = lift_compute(
        visitors=summed["unique_visitors"],
        orders=summed["orders"],
        holdout_visitors=summed["holdout_visitors"],
        holdout_orders=summed["holdout_orders"],
    )
    totals = {
        **_api_row({**_cents(summed), "currency": currency}),
        "days": len(stored),
        "lift": _lift_body(lift_for_partner(lift)),
    }
    return PartnerMetrics(rows=rows, totals=totals)


def audience_overlap_latest(*, partner_id: int) -> AudienceOverlap | None:
    return AudienceOverlap.objects.filter(partner_id=partner_id).order_by("-date").first()


# --- Staff ---------------------------------------------------------------------------------


def campaign_ranking() -> list[dict]:
    """Every campaign that went live with its all-time totals, lift, budget burn and an alert
    flag, ranked by ROI then lift (three queries)."""
    campaigns = list(
        Campaign.objects.exclude(status__in=[Campaign.Status.DRAFT, Campaign.Status.REJECTED])
        .select_related("partner")
        .order_by("id")
    )
    ids = [c.pk for c in campaigns]
    sums_columns = ["unique_visitors", "orders", "holdout_visitors", "holdout_orders", "net_revenue", "spend"]
    sums = {
        row["campaign_id"]: row
        for row in _sum_rows(
            CampaignDailyMetric.objects.filter(campaign_id__in=ids, variant=None, language=None),
            ["campaign_id"],
            sums_columns,
        )
    }
    spent = {
        row["campaign_id"]: row["amount"]
        for row in _sum_rows(SpendEntry.objects.filter(campaign_id__in=ids), ["campaign_id"], ["amount"])
    }
    alert_share = Decimal(str(getattr(settings, "ANALYTICS_BUDGET_ALERT_SHARE", "0.8")))
    ranking = []
    for campaign in campaigns:
        row = with_ratios({**_zero(sums_columns), **sums.get(campaign.pk, {})})
        lift = lift_compute(
            visitors=row["unique_visitors"],
            orders=row["orders"],
            holdout_visitors=row["holdout_visitors"],
            holdout_orders=row["holdout_orders"],
        )
        spend = spent.get(campaign.pk) or Decimal("0")
        burn = _ratio(spend, campaign.budget_amount) if campaign.budget_amount else None
        ranking.append(
            {
                **row,
                "campaign": campaign,
                "lift": lift,
                "spent": spend,
                "burn": burn,
                "alert": bool(
                    campaign.status == Campaign.Status.RUNNING and burn is not None and burn >= alert_share
                ),
            }
        )

    def key(row: dict):
        roi = row["roi"]
        lift_value = row["lift"].lift
        return (roi is None, -(roi or 0), lift_value is None, -(lift_value or 0), row["campaign"].pk)

    return sorted(ranking, key=key)


def market_satisfaction(*, since: date) -> list[dict]:
    """International satisfaction of every market since a day, all campaigns together."""
    rows = _sum_rows(
        CampaignMarketMetric.objects.filter(date__gte=since),
        ["language", "country"],
        ["reviews", "positive_reviews"],
    )
    return [with_ratios(row) for row in rows if row["reviews"]]
