"""The nightly campaign metrics job: one day, set-based SQL, upserted.

What one run writes, for every campaign in scope and the day ``day``: the local day of the
campaign's reporting time zone (``Campaign.reporting_time_zone``, 00:00 to 24:00 there, 23 or
25 hours on a daylight-saving change). Campaigns are grouped by zone and each group runs the
SQL (``metrics_sql.py``) with its zone's bounds as constants: the day's bounds are computed once per zone
with zoneinfo (the same instants as ``CAST(day AS timestamp) AT TIME ZONE zone`` in
PostgreSQL), instead of converting every row with ``AT TIME ZONE``, which would keep the
touch scan from using the ``created_at`` index and from running in parallel workers:

* ``CampaignDailyMetric`` rows at four grains: (variant, language), (variant, all
  languages), (all variants, language) and the total row (variant NULL, language NULL).
  Events without a variant (the control group, campaigns without variants) count only in the
  "all variants" rows; events without a language count under ``und`` (BCP 47
  "undetermined") so per-language rows add up to the total.
* ``CampaignMarketMetric`` rows per (language, country) with all variants together; a
  missing country is ``ZZ`` (ISO 3166 "unknown").

Definitions (documented here because partners see these numbers):

* unique visitors: distinct visitor ids (or ``user:<id>`` when a touch has no visitor id)
  with a touch that day, control group left out; ``holdout_visitors`` are the control
  group's. Landing views are the impressions; clicks are split by channel.
* sign-ups: accounts created that day that have a touch of the campaign; a sign-up counts
  under the variant and language of the learner's earliest touch of the campaign.
* orders: attributed orders paid that day (``OrderAttribution.paid_at``), control group left
  out (those are ``holdout_orders``); conversions: distinct buyers among them; a buyer is new
  when they had no paid order (of any campaign or none) before that day, else returning.
* money, in the campaign's reporting currency (``budget_currency``): orders in another
  currency are converted with the static table ``settings.REPORTING_FX_RATES`` (value of one
  unit in a common base). ``revenue`` is what attributed orders paid that day brought in;
  ``refunds`` are the refunds MADE THAT DAY on any attributed order, whenever it was paid;
  ``net_revenue = revenue - refunds``. So a refund never rewrites the past: it lowers the
  net revenue of the day the refund happens (which can be negative). ``partner_shares`` are
  the ledger entries (sales and refund reversals) booked that day to ``partner:*`` parties
  for attributed orders. ``spend`` comes from the campaign's spend entries of that day and
  sits on the total row only (spend has no variant or language).
* satisfaction: reviews written that day by attributed learners on courses they bought in the
  attributed order; ``positive_reviews`` have 4 or 5 stars.
* learning outcomes: ``enrollments`` are the attributed enrollments of orders paid that day,
  ``completions`` the attributed enrollments completed that day (whenever bought); the
  completion rate of a period is completions / enrollments over the period.
* The control group's orders bring no revenue, reviews or enrollments into these rows: they
  are only the baseline for lift (``lift.py``).

Orders are read in SQL through ``OrderAttribution.order_id`` (``commerce_order``,
``commerce_orderline``, ``commerce_refund``, ``commerce_ledgerentry``); no commerce code is
imported. The stored columns are the stored metrics of ``registry.py``; ratios (CTR, CVR,
ROAS, ROI, CAC...) are computed when read from the same registry, so they are right over any
range. The live (same-day) figures are this same SQL run without writing
(``campaign_day_totals``), so a day reads the same before and after its nightly run.

Speed: the touches are by far the most rows (5M on a day in the benchmark). SQLite turns every
touch into an event and counts distinct visitors per grain. PostgreSQL never writes the touches
out: it numbers the day's cells (campaign, variant, language, country) with their counters in
one parallel pass, then one hash aggregate per (campaign, control group, visitor) keeps only the
lowest and highest cell of each visitor; a visitor in one cell (the usual case) is counted in
that cell's row of every grain, any other visitor is recounted exactly from its own touches.
Both paths give the same rows (tests/analytics run on both). ``ANALYTICS_WORK_MEM_MB`` (512)
is the transaction's ``work_mem``: the per-visitor hash table of 5M visitors needs about 800 MB,
which ``hash_mem_multiplier`` (2) times 512 MB holds; with less it spills to disk, slower but
with the same result. JIT compilation is off for the job (it cost more than it saved).

Idempotency: the rows are computed into temporary tables, upserted with
``INSERT ... ON CONFLICT DO UPDATE ... WHERE <something changed>`` (PostgreSQL and SQLite
share the syntax), and the day's rows that no longer have data are deleted; a rerun for the
same day leaves every row (and its ``computed_at``) as it was.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Campaign
from core.timezones import DEFAULT_ZONE, local_day_bounds, local_today

from .metrics_sql import (
    DAILY_VALUE_COLUMNS,
    GRAIN_LANGUAGE,
    GRAIN_MARKET,
    GRAIN_TOTAL,
    GRAIN_VARIANT,
    GRAIN_VARIANT_LANGUAGE,
    MARKET_VALUE_COLUMNS,
    attributions_select,
    attributions_sql,
    daily_rows_sql,
    delete_stale_sql,
    drop_temp_tables,
    events_sql,
    fx_values,
    market_rows_sql,
    touch_cells_sql,
    touch_rows_sql,
    touch_visitors_sql,
    upsert_daily_sql,
    upsert_market_sql,
    with_touch_rows,
)
from .registry import CENT, COUNT_COLUMNS, MONEY_COLUMNS


@dataclass(frozen=True)
class ComputeResult:
    day: date
    campaigns: int
    daily_rows: int
    market_rows: int
    # Only when computed without writing: campaign id -> its total row (all variants and
    # languages), the row the nightly run would store.
    totals: dict[int, dict] | None = None


def fx_rates() -> dict[str, Decimal]:
    rates = {code: Decimal(str(rate)) for code, rate in getattr(settings, "REPORTING_FX_RATES", {}).items()}
    missing = [code for code in settings.CURRENCIES if code not in rates or rates[code] <= 0]
    if missing:
        raise ImproperlyConfigured(f"REPORTING_FX_RATES has no positive rate for {', '.join(missing)}")
    return rates


def day_bounds(day: date, zone: str = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """The instants the local day ``day`` of ``zone`` starts and ends."""
    return local_day_bounds(day, zone)


def campaign_zones(campaign_ids: Sequence[int] | None = None) -> dict[str, list[int]]:
    """Reporting time zone -> the ids of its campaigns (every campaign when None)."""
    rows = Campaign.objects.order_by("pk")
    if campaign_ids is not None:
        rows = rows.filter(pk__in=list(campaign_ids))
    zones: dict[str, list[int]] = {}
    for pk, zone in rows.values_list("pk", "reporting_time_zone"):
        zones.setdefault(zone or DEFAULT_ZONE, []).append(pk)
    return zones


def campaign_metrics_compute(
    *,
    day: date,
    campaign_ids: Sequence[int] | None = None,
    write: bool = True,
    zones: dict[str, list[int]] | None = None,
) -> ComputeResult:
    """Compute and upsert the rows of the local day ``day`` of ``campaign_ids`` (every
    campaign when None), each campaign in its reporting time zone. With ``write=False``
    nothing is stored: the total rows come back in ``totals``. ``zones`` (zone -> ids), when
    the caller knows them, saves looking them up."""
    every_campaign = campaign_ids is None and zones is None
    if zones is None:
        zones = campaign_zones(campaign_ids)
    if every_campaign and len(zones) <= 1:
        # The whole night in one zone: scan every touch of the day without an id list.
        zone = next(iter(zones), DEFAULT_ZONE)
        return _compute_zone(day=day, zone=zone, campaign_ids=None, write=write)
    results = [
        _compute_zone(day=day, zone=zone, campaign_ids=ids, write=write) for zone, ids in zones.items()
    ]
    totals: dict[int, dict] | None = None if write else {}
    for result in results:
        if totals is not None:
            totals.update(result.totals or {})
    return ComputeResult(
        day=day,
        campaigns=sum(r.campaigns for r in results),
        daily_rows=sum(r.daily_rows for r in results),
        market_rows=sum(r.market_rows for r in results),
        totals=totals,
    )


def _compute_zone(*, day: date, zone: str, campaign_ids: Sequence[int] | None, write: bool) -> ComputeResult:
    """One run of the SQL for campaigns sharing a reporting time zone."""
    rates = fx_rates()
    fx_rows, fx_params = fx_values(rates)
    start, end = day_bounds(day, zone)
    ops = connection.ops
    params = {
        "start": ops.adapt_datetimefield_value(start),
        "end": ops.adapt_datetimefield_value(end),
        "day": ops.adapt_datefield_value(day),
        "now": ops.adapt_datetimefield_value(timezone.now()),
        **fx_params,
    }
    scope_sql = "SELECT id, budget_currency AS cur FROM campaigns_campaign"
    touch_scope = "TRUE"  # every touch belongs to an existing campaign (foreign key)
    if campaign_ids is not None:
        ids = sorted({int(pk) for pk in campaign_ids})
        if not ids:
            return ComputeResult(day=day, campaigns=0, daily_rows=0, market_rows=0)
        id_list = ", ".join(str(pk) for pk in ids)
        scope_sql += f" WHERE id IN ({id_list})"
        touch_scope = f"t.campaign_id IN ({id_list})"
    if not write:
        totals = _live_totals(scope_sql=scope_sql, fx_rows=fx_rows, params=params)
        return ComputeResult(day=day, campaigns=len(totals), daily_rows=0, market_rows=0, totals=totals)
    temp = "CREATE TEMPORARY TABLE"
    with transaction.atomic(), connection.cursor() as cursor:
        drop_temp_tables(cursor)
        postgres = connection.vendor == "postgresql"
        if postgres:
            # Hash aggregates of a big day stay in memory instead of spilling to disk.
            cursor.execute(f"SET LOCAL work_mem = '{int(getattr(settings, 'ANALYTICS_WORK_MEM_MB', 512))}MB'")
            # Compiling the wide CASE expressions costs more (0.3-1.4 s a statement, measured)
            # than it saves on a few million rows.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"{temp} analytics_scope AS {scope_sql}")
        cursor.execute(f"{temp} analytics_attributions AS {attributions_sql(fx_rows)}", params)
        if postgres:
            cursor.execute(f"{temp} analytics_events AS {events_sql(with_touches=False)}", params)
            cursor.execute(f"{temp} analytics_touch_cells AS {touch_cells_sql(touch_scope)}", params)
            cursor.execute("ANALYZE analytics_touch_cells")
            cursor.execute(f"{temp} analytics_touch_visitors AS {touch_visitors_sql(touch_scope)}", params)
            cursor.execute("ANALYZE analytics_touch_visitors")
            cursor.execute(f"{temp} analytics_touch_rows AS {touch_rows_sql(touch_scope)}", params)
            daily_sql = with_touch_rows(
                daily_rows_sql(),
                keys=["campaign_id", "variant_id", "language"],
                values=[*COUNT_COLUMNS, *MONEY_COLUMNS],
                grains=[GRAIN_VARIANT_LANGUAGE, GRAIN_VARIANT, GRAIN_LANGUAGE, GRAIN_TOTAL],
            )
            market_sql = with_touch_rows(
                market_rows_sql(),
                keys=["campaign_id", "language", "country"],
                values=MARKET_VALUE_COLUMNS[1:],
                grains=[GRAIN_MARKET],
            )
        else:
            cursor.execute(f"{temp} analytics_events AS {events_sql(with_touches=True)}", params)
            daily_sql, market_sql = daily_rows_sql(), market_rows_sql()
        cursor.execute(f"{temp} analytics_rows AS {daily_sql}")
        cursor.execute(f"{temp} analytics_market_rows AS {market_sql}")
        cursor.execute(upsert_daily_sql(), params)
        cursor.execute(upsert_market_sql(), params)
        for statement in delete_stale_sql():
            cursor.execute(statement, params)
        cursor.execute("SELECT COUNT(*) FROM analytics_scope")
        campaigns = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM analytics_rows")
        daily_rows = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM analytics_market_rows")
        market_rows = cursor.fetchone()[0]
        drop_temp_tables(cursor)
    return ComputeResult(day=day, campaigns=campaigns, daily_rows=daily_rows, market_rows=market_rows)


def _live_totals(*, scope_sql: str, fx_rows: str, params: dict) -> dict[int, dict]:
    """The total rows of the nightly SQL in one statement, its steps as common table
    expressions under the temporary tables' names (the portable path, touches as events):
    a portal page pays one query per live day, whatever the number of campaigns, instead of
    the nightly job's round trips (temporary tables, ANALYZE, savepoints)."""
    values = DAILY_VALUE_COLUMNS
    source = ", ".join(f"r.{name}" if name != "currency" else "s.cur" for name in values)
    sql = f"""
        WITH fx(currency, rate) AS (VALUES {fx_rows}),
        analytics_scope AS ({scope_sql}),
        analytics_attributions AS ({attributions_select()}),
        analytics_events AS ({events_sql(with_touches=True)}),
        analytics_rows AS ({daily_rows_sql()})
        SELECT r.campaign_id, {source} FROM analytics_rows r
        JOIN analytics_scope s ON s.id = r.campaign_id WHERE r.variant_id IS NULL AND r.language IS NULL
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _totals_from(cursor.fetchall())


def _totals_from(rows) -> dict[int, dict]:
    values = DAILY_VALUE_COLUMNS
    totals = {}
    for campaign_id, *row in rows:
        named = dict(zip(values, row, strict=True))
        for name in MONEY_COLUMNS:
            # SQLite hands NUMERIC back as float: through str, then the stored column's scale.
            named[name] = Decimal(str(named[name] or 0)).quantize(CENT)
        for name in COUNT_COLUMNS:
            named[name] = int(named[name] or 0)
        totals[campaign_id] = named
    return totals


def campaign_day_totals(
    *, day: date, campaign_ids: Sequence[int], zones: dict[str, list[int]] | None = None
) -> dict[int, dict]:
    """The live figures: each campaign's total row for its local day ``day`` exactly as the
    nightly run would store it (same SQL), computed now and not stored. Campaigns without
    activity that day are absent."""
    result = campaign_metrics_compute(day=day, campaign_ids=campaign_ids, write=False, zones=zones)
    return result.totals or {}


def campaign_metrics_compute_last_days(*, now: datetime | None = None) -> list[ComputeResult]:
    """The nightly run without a date: each campaign's last complete local day (yesterday in
    its reporting time zone), one run per zone."""
    results = []
    for zone, ids in campaign_zones().items():
        results.append(
            campaign_metrics_compute(day=local_today(zone, now=now) - timedelta(days=1), zones={zone: ids})
        )
    return results


def campaign_metrics_backfill(*, date_from: date, date_to: date) -> list[ComputeResult]:
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    results, day = [], date_from
    while day <= date_to:
        results.append(campaign_metrics_compute(day=day))
        day += timedelta(days=1)
    return results
