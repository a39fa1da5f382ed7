"""Reads behind every metrics surface, a fixed number of queries per page. Stored nightly
rows for past days; the live figures of today (and of yesterday until its nightly run) come
from the same SQL run without writing (``metrics.campaign_day_totals``), so a day never reads
differently before and after the nightly job. Metric names, ratios and their formats come from
``registry``; partner-facing reads go through ``privacy.partner_row``."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum

from campaigns.models import Campaign, SpendEntry, Variant
from core.timezones import DEFAULT_ZONE, local_today
from partners.privacy import is_small_group

from . import registry
from .lift import Lift, lift_compute
from .metrics import campaign_day_totals
from .models import AudienceOverlap, CampaignDailyMetric, CampaignMarketMetric
from .privacy import SUPPRESSION_RULES, partner_row, partner_total, visible_sum
from .registry import CENT, COUNT_COLUMNS, MONEY_COLUMNS, RATIO_PLACES, with_ratios, zero_row

__all__ = ["SUPPRESSION_RULES", "suppress_for_partner", "with_ratios"]

MARKET_COUNTS = ["unique_visitors", "orders", "reviews", "positive_reviews", "enrollments", "completions"]
COLUMNS = COUNT_COLUMNS + MONEY_COLUMNS
# Kept for callers that knew the old name; the rule itself is privacy.partner_row.
suppress_for_partner = partner_row


def _ratio(numerator, denominator, places: Decimal = RATIO_PLACES) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places)


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
    return zero_row(list(columns))


# --- Daily totals: stored nightly rows, live for the days the nightly job has not done -------


def _summed(rows: list[dict], columns: list[str]) -> dict:
    summed = _zero(columns)
    for row in rows:
        registry.add_rows(summed, row, columns)
    return summed


def live_days(*, date_from: date, date_to: date, zone: str = DEFAULT_ZONE) -> list[date]:
    """The local days of ``zone`` in a range that can lack their nightly rows: today (never
    computed) and yesterday (computed after the night)."""
    today = local_today(zone)
    return [day for day in (today - timedelta(days=1), today) if date_from <= day <= date_to]


@dataclass(frozen=True)
class DailyTotals:
    # campaign id -> local day -> total row (stored metrics only)
    days: dict[int, dict[date, dict]]
    live: set[date]  # the days counted live


def daily_totals(*, campaigns: list[Campaign], date_from: date | None, date_to: date | None) -> DailyTotals:
    """Each campaign's total row per local day of its reporting time zone in the range
    (from its first day when ``date_from`` is None, to its local today when ``date_to`` is
    None): the stored row, except today (always live) and yesterday when its nightly row is
    missing (live). One query plus one live computation per live (day, zone)."""
    ids = [c.pk for c in campaigns]
    stored = CampaignDailyMetric.objects.filter(campaign_id__in=ids, variant=None, language=None)
    if date_from is not None:
        stored = stored.filter(date__gte=date_from)
    if date_to is not None:
        stored = stored.filter(date__lte=date_to)
    days: dict[int, dict[date, dict]] = {pk: {} for pk in ids}
    for row in stored.values("campaign_id", "date", *COLUMNS):
        days[row["campaign_id"]][row["date"]] = _cents({name: row[name] for name in COLUMNS})
    # (local day, zone) -> the campaigns whose figures of that day are computed live.
    pending: dict[tuple[date, str], list[int]] = {}
    for campaign in campaigns:
        zone = campaign.reporting_time_zone
        today = local_today(zone)
        for day in live_days(date_from=date_from or date.min, date_to=date_to or today, zone=zone):
            if day == today or day not in days[campaign.pk]:
                pending.setdefault((day, zone), []).append(campaign.pk)
    live = set()
    for (day, zone), pks in pending.items():
        live.add(day)
        computed = campaign_day_totals(day=day, campaign_ids=pks, zones={zone: pks})
        for pk in pks:
            days[pk].pop(day, None)
            if pk in computed:
                days[pk][day] = {name: computed[pk][name] for name in COLUMNS}
    return DailyTotals(days=days, live=live)


def campaign_figures(*, campaigns: list[Campaign]) -> dict[int, dict]:
    """Every campaign's totals since it began, its local today included, as a partner may
    see them (``privacy.partner_total`` of the days: the portal's campaign list and
    dashboard)."""
    totals = daily_totals(campaigns=campaigns, date_from=None, date_to=None)
    figures = {}
    for campaign in campaigns:
        days = list(totals.days[campaign.pk].values())
        raw = with_ratios(_summed(days, COLUMNS))
        figures[campaign.pk] = partner_total(raw, with_ratios(visible_sum(days, COLUMNS)))
    return figures


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
    # What partners may see: totals of the cells each shown after the privacy rule.
    partner_totals: dict
    partner_variants: list[dict]
    partner_markets: list[dict]
    lift: Lift
    variant_lifts: dict[int, Lift]
    live_days: list[date]


def campaign_analytics(*, campaign: Campaign, date_from: date, date_to: date) -> CampaignAnalytics:
    """Everything a campaign's metrics page shows (four queries, plus the live computation
    when the range reaches today or a yesterday without its nightly rows)."""
    columns = COLUMNS
    rows = CampaignDailyMetric.objects.filter(campaign=campaign, date__gte=date_from, date__lte=date_to)
    totals_by_day = daily_totals(campaigns=[campaign], date_from=date_from, date_to=date_to)
    by_day = totals_by_day.days[campaign.pk]
    daily, day = [], date_from
    while day <= date_to:
        daily.append(with_ratios({"date": day, **_zero(columns), **by_day.get(day, {})}))
        day += timedelta(days=1)
    # The period's totals add up the days already read (counts and money are additive).
    summed = _zero(columns)
    for row in by_day.values():
        registry.add_rows(summed, row, columns)
    totals = with_ratios(_cents(summed))
    partner_totals = partner_total(totals, with_ratios(visible_sum(daily, columns)))
    variants = {v.pk: v for v in Variant.objects.filter(campaign=campaign).order_by("id")}
    # (variant, day) cells: summed as they are for the lift, and as the partner sees them.
    variant_cells: dict[int, list[dict]] = {}
    for row in _sum_rows(rows.filter(variant__isnull=False, language=None), ["variant_id", "date"], columns):
        variant_cells.setdefault(row["variant_id"], []).append(row)
    variant_sums = {pk: _summed(cells, columns) for pk, cells in variant_cells.items()}
    all_visitors = sum((r["unique_visitors"] or 0) for r in variant_sums.values())
    total_weight = sum(v.weight for v in variants.values()) or 1
    variant_rows, partner_variants, variant_lifts = [], [], {}
    for pk, variant in variants.items():
        sums = {**_zero(columns), **variant_sums.get(pk, {})}
        about = {
            "variant_id": pk,
            "name": variant.name,
            "weight": variant.weight,
            "total_weight": total_weight,
            "all_visitors": all_visitors,
        }
        variant_rows.append(with_ratios({**sums, **about}))
        visible = with_ratios({**visible_sum(variant_cells.get(pk, []), columns), **about})
        partner_variants.append(partner_total(variant_rows[-1], visible))
        shown = partner_variants[-1]
        variant_lifts[pk] = lift_compute(
            visitors=shown["unique_visitors"] or 0,
            orders=shown["orders"] or 0,
            holdout_visitors=partner_totals["holdout_visitors"] or 0,
            holdout_orders=partner_totals["holdout_orders"] or 0,
        )
    market_columns = [*MARKET_COUNTS, "net_revenue"]
    market_cells: dict[tuple[str, str], list[dict]] = {}
    for row in _sum_rows(
        CampaignMarketMetric.objects.filter(campaign=campaign, date__gte=date_from, date__lte=date_to),
        ["language", "country", "date"],
        market_columns,
    ):
        market_cells.setdefault((row["language"], row["country"]), []).append(row)
    markets, partner_markets = [], []
    for (language, country), cells in sorted(market_cells.items()):
        key = {"language": language, "country": country}
        markets.append(with_ratios({**key, **_summed(cells, market_columns)}))
        partner_markets.append(
            partner_total(markets[-1], with_ratios({**key, **visible_sum(cells, market_columns)}))
        )
    # The partner's lift, like every partner total, from the shown days only.
    lift = lift_compute(
        visitors=partner_totals["unique_visitors"] or 0,
        orders=partner_totals["orders"] or 0,
        holdout_visitors=partner_totals["holdout_visitors"] or 0,
        holdout_orders=partner_totals["holdout_orders"] or 0,
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
        partner_totals=partner_totals,
        partner_variants=partner_variants,
        partner_markets=partner_markets,
        lift=lift,
        variant_lifts=variant_lifts,
        live_days=sorted(totals_by_day.live),
    )


def lift_for_partner(lift: Lift) -> Lift | None:
    """The lift only when each of its four groups has at least the minimum size (an empty
    group gives no lift to show either)."""
    counts = (lift.visitors, lift.orders, lift.holdout_visitors, lift.holdout_orders)
    return None if any(not n or is_small_group(n) for n in counts) else lift


# --- Partner API ---------------------------------------------------------------------------


def _api_value(key: str, value):
    """JSON-safe figures: money and ratios as decimal strings (never floats), counts as ints."""
    metric = registry.BY_NAME.get(key)
    if value is None or metric is None or isinstance(value, bool | str):
        return value
    if metric.unit == registry.Unit.COUNT:
        return int(value)
    if metric.unit == registry.Unit.MONEY:
        return str(Decimal(value).quantize(CENT))
    return str(Decimal(value).quantize(RATIO_PLACES))


def _api_row(row: dict) -> dict:
    """A row with its ratios, small groups hidden: ``suppressed`` says whether anything was
    hidden, ``suppressed_groups`` which counts of people were too small."""
    shown = partner_row(with_ratios(row))
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
    columns = COLUMNS
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
    cells = [_cents(row) for row in stored]
    visible = visible_sum(cells, columns)
    # The lift too comes from the shown days only: from the raw sums it would give away the
    # orders of a hidden day (lift and CVR against the shown totals).
    lift = lift_compute(
        visitors=visible["unique_visitors"],
        orders=visible["orders"],
        holdout_visitors=visible["holdout_visitors"],
        holdout_orders=visible["holdout_orders"],
    )
    shown = partner_total(with_ratios(_cents(summed)), with_ratios(visible))
    groups = shown.pop("suppressed")
    totals = {
        **{key: _api_value(key, value) for key, value in shown.items()},
        "currency": currency,
        "suppressed": bool(groups),
        "suppressed_groups": groups,
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
