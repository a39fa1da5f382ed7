"""The SQL of the nightly campaign metrics (``analytics.metrics`` runs it): the building
blocks of one run as strings, the touch grains, the upserts into the daily and market tables
and the temporary tables they go through. Kept apart from the runner so each file holds one
theme; the definitions of the metrics are in ``registry.py`` and ``metrics.py``'s text."""

from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

from .registry import CHANNELS, COUNT_COLUMNS, MONEY_COLUMNS

UNKNOWN_LANGUAGE = "und"
UNKNOWN_COUNTRY = "ZZ"

DAILY_TABLE = "campaigns_campaigndailymetric"
MARKET_TABLE = "campaigns_campaignmarketmetric"

# (name, SQL type, default) of every column of the event table; each branch of the union
# overrides what it measures.
EVENT_COLUMNS: list[tuple[str, str, str]] = [
    ("campaign_id", "BIGINT", "NULL"),
    ("variant_id", "BIGINT", "NULL"),
    ("language", "VARCHAR(10)", "NULL"),
    ("country", "VARCHAR(2)", "NULL"),
    ("visitor", "VARCHAR(64)", "NULL"),
    ("holdout_visitor", "VARCHAR(64)", "NULL"),
    ("signup_user", "BIGINT", "NULL"),
    ("buyer", "BIGINT", "NULL"),
    ("new_buyer", "BIGINT", "NULL"),
    ("returning_buyer", "BIGINT", "NULL"),
    ("landing_views", "INTEGER", "0"),
    ("clicks", "INTEGER", "0"),
    *[(f"clicks_{channel}", "INTEGER", "0") for channel in CHANNELS],
    ("clicks_other", "INTEGER", "0"),
    ("orders", "INTEGER", "0"),
    ("holdout_orders", "INTEGER", "0"),
    ("reviews", "INTEGER", "0"),
    ("positive_reviews", "INTEGER", "0"),
    ("enrollments", "INTEGER", "0"),
    ("completions", "INTEGER", "0"),
    ("revenue", "NUMERIC", "0"),
    ("refunds", "NUMERIC", "0"),
    ("discount_cost", "NUMERIC", "0"),
    ("partner_shares", "NUMERIC", "0"),
    ("spend", "NUMERIC", "0"),
]

DAILY_VALUE_COLUMNS = ["currency", *COUNT_COLUMNS, *MONEY_COLUMNS]
MARKET_VALUE_COLUMNS = [
    "currency",
    "unique_visitors",
    "orders",
    "net_revenue",
    "reviews",
    "positive_reviews",
    "enrollments",
    "completions",
]


def _branch(source: str, **values: str) -> str:
    """One SELECT of the event union: every column, in order, the defaults cast so the
    branches agree on types."""
    unknown = set(values) - {name for name, _type, _default in EVENT_COLUMNS}
    if unknown:
        raise ValueError(f"unknown event columns: {sorted(unknown)}")
    columns = ", ".join(
        f"{values[name]} AS {name}" if name in values else f"CAST({default} AS {sql_type}) AS {name}"
        for name, sql_type, default in EVENT_COLUMNS
    )
    return f"SELECT {columns} {source}"


def _visitor(alias: str) -> str:
    return f"COALESCE(NULLIF({alias}.visitor_id, ''), 'user:' || CAST({alias}.user_id AS VARCHAR(20)))"


def _in_day(column: str) -> str:
    return f"({column} >= %(start)s AND {column} < %(end)s)"


TOUCH_LANGUAGE = f"COALESCE(NULLIF(t.language, ''), '{UNKNOWN_LANGUAGE}')"
TOUCH_COUNTRY = f"COALESCE(NULLIF(t.country, ''), '{UNKNOWN_COUNTRY}')"


def _touch_counts() -> dict[str, str]:
    """What one touch adds to the touch counters, as SQL over ``campaigns_touch t``."""
    known = ", ".join(f"'{channel}'" for channel in CHANNELS)
    click = "t.kind = 'click'"
    return {
        "landing_views": "CASE WHEN t.kind = 'landing_view' THEN 1 ELSE 0 END",
        "clicks": f"CASE WHEN {click} THEN 1 ELSE 0 END",
        "clicks_other": f"CASE WHEN {click} AND t.channel NOT IN ({known}) THEN 1 ELSE 0 END",
        **{
            f"clicks_{channel}": f"CASE WHEN {click} AND t.channel = '{channel}' THEN 1 ELSE 0 END"
            for channel in CHANNELS
        },
    }


def _touch_events_sql() -> str:
    """The touches of the day as events, one per touch (the portable path)."""
    language, country, counted = TOUCH_LANGUAGE, TOUCH_COUNTRY, _touch_counts()
    # One event per touch: folding touches per visitor first costs a sort of the whole day and
    # saves little when visitors touch a campaign once or twice (measured with the benchmark).
    folded = (
        f"FROM (SELECT t.campaign_id, t.variant_id, {language} AS language, {country} AS country, "
        f"t.is_holdout, {_visitor('t')} AS visitor, "
        + ", ".join(f"{expr} AS {name}" for name, expr in counted.items())
        + " FROM campaigns_touch t JOIN analytics_scope s ON s.id = t.campaign_id "
        f"WHERE {_in_day('t.created_at')}) tv"
    )
    touches = _branch(
        folded,
        campaign_id="tv.campaign_id",
        variant_id="tv.variant_id",
        language="tv.language",
        country="tv.country",
        visitor="CASE WHEN tv.is_holdout THEN NULL ELSE tv.visitor END",
        holdout_visitor="CASE WHEN tv.is_holdout THEN tv.visitor ELSE NULL END",
        **{name: f"tv.{name}" for name in counted},
    )
    return touches


def events_sql(*, with_touches: bool) -> str:
    """Every event of the day but the touches (PostgreSQL counts those straight from
    ``campaigns_touch``, see ``touch_rows_sql``) unless ``with_touches``."""
    dims = {
        "campaign_id": "a.campaign_id",
        "variant_id": "a.variant_id",
        "language": "a.language",
        "country": "a.country",
    }
    offer = "NOT a.is_holdout"
    earlier_order = (
        "EXISTS (SELECT 1 FROM commerce_order o2 WHERE o2.user_id = a.user_id "
        "AND o2.paid_at IS NOT NULL AND o2.paid_at < %(start)s)"
    )
    orders = _branch(
        f"FROM analytics_attributions a WHERE {_in_day('a.paid_at')}",
        **dims,
        orders=f"CASE WHEN {offer} THEN 1 ELSE 0 END",
        holdout_orders="CASE WHEN a.is_holdout THEN 1 ELSE 0 END",
        buyer=f"CASE WHEN {offer} THEN a.user_id END",
        new_buyer=f"CASE WHEN {offer} AND NOT {earlier_order} THEN a.user_id END",
        returning_buyer=f"CASE WHEN {offer} AND {earlier_order} THEN a.user_id END",
        revenue=f"CASE WHEN {offer} THEN a.amount * a.factor ELSE 0 END",
        discount_cost=f"CASE WHEN {offer} THEN a.discount_amount * a.factor ELSE 0 END",
    )
    refunds = _branch(
        "FROM analytics_attributions a JOIN commerce_refund r ON r.order_id = a.order_id "
        f"WHERE {offer} AND {_in_day('r.created_at')}",
        **dims,
        refunds="r.amount * a.factor",
    )
    shares = _branch(
        "FROM analytics_attributions a JOIN commerce_ledgerentry le ON le.order_id = a.order_id "
        f"WHERE {offer} AND le.party LIKE 'partner:%%' AND {_in_day('le.created_at')}",
        **dims,
        partner_shares="le.amount * a.factor",
    )
    spend = _branch(
        "FROM campaigns_spendentry se JOIN analytics_scope s ON s.id = se.campaign_id "
        "WHERE se.date = %(day)s",
        campaign_id="se.campaign_id",
        spend="se.amount",
    )
    # "t.user_id IS NOT NULL" (implied by the join) lets PostgreSQL drop the anonymous touches
    # before the window's sort instead of sorting every touch (measured: 9 s of 5M touches).
    first_touch = (
        "FROM (SELECT t.campaign_id, t.variant_id, t.language, t.country, t.user_id, "
        "ROW_NUMBER() OVER (PARTITION BY t.user_id, t.campaign_id ORDER BY t.created_at, t.id) AS rn "
        "FROM accounts_user u JOIN campaigns_touch t ON t.user_id = u.id "
        "JOIN analytics_scope s ON s.id = t.campaign_id "
        f"WHERE {_in_day('u.date_joined')} AND t.user_id IS NOT NULL) ft WHERE ft.rn = 1"
    )
    signups = _branch(
        first_touch,
        campaign_id="ft.campaign_id",
        variant_id="ft.variant_id",
        language=f"COALESCE(NULLIF(ft.language, ''), '{UNKNOWN_LANGUAGE}')",
        country=f"COALESCE(NULLIF(ft.country, ''), '{UNKNOWN_COUNTRY}')",
        signup_user="ft.user_id",
    )
    reviews = _branch(
        "FROM analytics_attributions a JOIN commerce_orderline ol ON ol.order_id = a.order_id "
        "JOIN courses_review rv ON rv.user_id = a.user_id AND rv.course_id = ol.course_id "
        f"WHERE {offer} AND {_in_day('rv.created_at')}",
        **dims,
        reviews="1",
        positive_reviews="CASE WHEN rv.rating >= 4 THEN 1 ELSE 0 END",
    )
    learning = _branch(
        "FROM analytics_attributions a JOIN commerce_orderline ol ON ol.order_id = a.order_id "
        "JOIN courses_enrollment e ON e.user_id = a.user_id AND e.course_id = ol.course_id "
        f"WHERE {offer} AND ({_in_day('a.paid_at')} OR {_in_day('e.completed_at')})",
        **dims,
        enrollments=f"CASE WHEN {_in_day('a.paid_at')} THEN 1 ELSE 0 END",
        completions=f"CASE WHEN {_in_day('e.completed_at')} THEN 1 ELSE 0 END",
    )
    branches = [orders, refunds, shares, spend, signups, reviews, learning]
    if with_touches:
        branches.insert(0, _touch_events_sql())
    return "\nUNION ALL\n".join(branches)


def fx_values(rates: dict[str, Decimal]) -> tuple[str, dict]:
    rows, params = [], {}
    for index, (code, rate) in enumerate(sorted(rates.items())):
        rows.append(f"(%(fx_code_{index})s, CAST(%(fx_rate_{index})s AS NUMERIC))")
        params[f"fx_code_{index}"] = code
        params[f"fx_rate_{index}"] = str(rate)
    return ", ".join(rows), params


def attributions_sql(fx_rows: str) -> str:
    return f"WITH fx(currency, rate) AS (VALUES {fx_rows}) {attributions_select()}"


def attributions_select() -> str:
    # Every attribution of the campaigns in scope: refunds, reviews and completions of the
    # day may belong to orders paid long before. Reads ``fx(currency, rate)``.
    return f"""
        SELECT a.id, a.campaign_id, a.variant_id, a.order_id, a.user_id, a.is_holdout, a.paid_at,
               a.amount, a.discount_amount,
               COALESCE(NULLIF(tt.language, ''), NULLIF(o.language, ''), '{UNKNOWN_LANGUAGE}') AS language,
               COALESCE(NULLIF(tt.country, ''), NULLIF(pr.country, ''), '{UNKNOWN_COUNTRY}') AS country,
               f_from.rate / f_to.rate AS factor
        FROM campaigns_orderattribution a
        JOIN analytics_scope s ON s.id = a.campaign_id
        JOIN fx f_from ON f_from.currency = a.currency
        JOIN fx f_to ON f_to.currency = s.cur
        LEFT JOIN campaigns_touch tt ON tt.id = a.touch_id
        LEFT JOIN commerce_order o ON o.id = a.order_id
        LEFT JOIN accounts_learnerprofile pr ON pr.user_id = a.user_id
    """


def _money(expr: str) -> str:
    return f"ROUND(COALESCE({expr}, 0), 2)"


def daily_rows_sql() -> str:
    counts = [
        "COUNT(DISTINCT e.visitor) AS unique_visitors",
        "COUNT(DISTINCT e.holdout_visitor) AS holdout_visitors",
        "COUNT(DISTINCT e.signup_user) AS signups",
        "COUNT(DISTINCT e.buyer) AS conversions",
        "COUNT(DISTINCT e.new_buyer) AS new_customers",
        "COUNT(DISTINCT e.returning_buyer) AS returning_customers",
        *[
            f"SUM(e.{name}) AS {name}"
            for name in (
                "landing_views",
                "clicks",
                *[f"clicks_{channel}" for channel in CHANNELS],
                "clicks_other",
                "orders",
                "holdout_orders",
                "reviews",
                "positive_reviews",
                "enrollments",
                "completions",
            )
        ],
    ]
    money = [
        f"{_money('SUM(e.revenue)')} AS revenue",
        f"{_money('SUM(e.refunds)')} AS refunds",
        f"{_money('SUM(e.revenue)')} - {_money('SUM(e.refunds)')} AS net_revenue",
        f"{_money('SUM(e.discount_cost)')} AS discount_cost",
        f"{_money('SUM(e.partner_shares)')} AS partner_shares",
        f"{_money('SUM(e.spend)')} AS spend",
    ]
    # The four grains in one pass: each event is counted once per grain it belongs to. (A
    # two-step "DISTINCT then count" variant measured slower on PostgreSQL 15.)
    return f"""
        SELECT e.campaign_id,
               CASE WHEN g.gv = 1 THEN e.variant_id END AS variant_id,
               CASE WHEN g.gl = 1 THEN e.language END AS language,
               {", ".join(counts + money)}
        FROM analytics_events e
        CROSS JOIN (SELECT 1 AS gv, 1 AS gl UNION ALL SELECT 1, 0 UNION ALL SELECT 0, 1
                    UNION ALL SELECT 0, 0) g
        WHERE (g.gv = 0 OR e.variant_id IS NOT NULL) AND (g.gl = 0 OR e.language IS NOT NULL)
        GROUP BY e.campaign_id, g.gv, g.gl,
                 CASE WHEN g.gv = 1 THEN e.variant_id END, CASE WHEN g.gl = 1 THEN e.language END
    """


# GROUPING(variant, language, country) of the touch grains: a set bit is a column rolled up.
GRAIN_VARIANT_LANGUAGE, GRAIN_VARIANT, GRAIN_LANGUAGE, GRAIN_TOTAL, GRAIN_MARKET = 1, 3, 5, 7, 4
TOUCH_COLUMNS = ["unique_visitors", "holdout_visitors", *_touch_counts()]


C_TEXT = 'COLLATE "C"'
# The touch grains over (variant, language, country): the four daily grains, then the market.
TOUCH_GRAIN_SETS = [("variant_id", "language"), ("variant_id",), ("language",), (), ("language", "country")]


def _grain_sets(alias: str) -> str:
    sets = ", ".join(
        "(" + ", ".join(f"{alias}.{column}" for column in columns) + ")" for columns in TOUCH_GRAIN_SETS
    )
    return f"GROUPING SETS ({sets})"


# A touch as one small code ``k``: 1 landing view, 2.. a click by channel, 0 anything else.
KIND_LANDING_VIEW = 1
CLICK_CODES = {**{f"clicks_{channel}": 2 + index for index, channel in enumerate(CHANNELS)}}
CLICK_CODES["clicks_other"] = 2 + len(CHANNELS)


def _touch_code_sql() -> str:
    channels = " ".join(f"WHEN '{channel}' THEN {CLICK_CODES[f'clicks_{channel}']}" for channel in CHANNELS)
    return (
        f"CASE WHEN t.kind = 'landing_view' THEN {KIND_LANDING_VIEW} "
        f"WHEN t.kind = 'click' THEN CASE t.channel {channels} ELSE {CLICK_CODES['clicks_other']} END "
        "ELSE 0 END"
    )


def _counted_from_code(alias: str) -> dict[str, str]:
    """The touch counters as aggregates over the code ``k`` (same figures as _touch_counts)."""
    return {
        "landing_views": f"COUNT(*) FILTER (WHERE {alias}.k = {KIND_LANDING_VIEW})",
        "clicks": f"COUNT(*) FILTER (WHERE {alias}.k >= 2)",
        **{name: f"COUNT(*) FILTER (WHERE {alias}.k = {code})" for name, code in CLICK_CODES.items()},
    }


def _touch_source_sql(scope: str) -> str:
    """The day's touches, narrow: grain columns, the visitor ``vkey`` ('' when a touch has
    neither visitor id nor user: such touches count, their visitor not) and the code ``k``.
    ``scope`` is a condition on ``t.campaign_id`` written out, not a join with the temporary
    scope table: a scan that touches no temporary table can run in parallel workers, and a
    single campaign is read through its index."""
    return f"""
        SELECT t.*, {_cell_key_sql("t")} AS cell_key
        FROM (
            SELECT t.campaign_id, t.variant_id, t.is_holdout, {TOUCH_LANGUAGE} {C_TEXT} AS language,
                   {TOUCH_COUNTRY} {C_TEXT} AS country, COALESCE({_visitor("t")}, '') {C_TEXT} AS vkey,
                   {_touch_code_sql()} AS k
            FROM campaigns_touch t
            WHERE {_in_day("t.created_at")} AND {scope}
        ) t
    """


def _cell_key_sql(alias: str) -> str:
    """(campaign, variant, language, country) as one text: a single join key, which the
    planner estimates right (a four-column join was estimated at 9 rows instead of 5M). The
    language's length in bytes makes the text decodable, so two cells never share a key."""
    a = alias
    return (
        f"CAST({a}.campaign_id AS TEXT) || '|' || COALESCE(CAST({a}.variant_id AS TEXT), '')"
        f" || '|' || CAST(OCTET_LENGTH({a}.language) AS TEXT) || '|' || {a}.language || {a}.country"
    )


def touch_cells_sql(scope: str) -> str:
    """PostgreSQL, step 1 of 3: the day's cells, one per (campaign, variant, language,
    country) that has touches, numbered, with their counters. Every grain's counters are
    sums of cells. The touches are grouped with the code ``k`` as a key and one COUNT (ten
    filtered counts per touch cost twice as much, measured), then pivoted."""
    counted = _counted_from_code("g").items()
    counters = ", ".join(f"{expr.replace('COUNT(*)', 'SUM(g.n)')} AS {name}" for name, expr in counted)
    return f"""
        SELECT ROW_NUMBER() OVER (ORDER BY c.campaign_id, c.variant_id, c.language, c.country) AS cell,
               {_cell_key_sql("c")} AS cell_key, c.*
        FROM (
            SELECT g.campaign_id, g.variant_id, g.language, g.country, {counters}
            FROM (
                SELECT t.campaign_id, t.variant_id, t.language, t.country, t.k, COUNT(*) AS n
                FROM ({_touch_source_sql(scope)}) t
                GROUP BY t.campaign_id, t.variant_id, t.language, t.country, t.k
            ) g
            GROUP BY g.campaign_id, g.variant_id, g.language, g.country
        ) c
    """


def touch_visitors_sql(scope: str) -> str:
    """PostgreSQL, step 2 of 3: distinct visitors. One hash aggregate over the day's touches
    per (campaign, control group or not, visitor) keeping only the lowest and highest cell
    number (two integers: wider states spilled to disk at 5M visitors, measured). A visitor
    whose touches all fall in one cell (the usual case: the variant is assigned per visitor)
    is "simple": it counts once in exactly that cell's row at every grain, so simple
    visitors are counted per cell here. Any other visitor is kept by key for the exact pass
    of ``touch_rows_sql``. The result is small: cells plus those other visitors."""
    return f"""
        SELECT p.campaign_id, p.is_holdout,
               CASE WHEN p.lo = p.hi THEN p.lo END AS cell,
               CASE WHEN p.lo <> p.hi THEN p.vkey END AS vkey,
               COUNT(*) AS visitors
        FROM (
            SELECT t.campaign_id, t.is_holdout, t.vkey, MIN(c.cell) AS lo, MAX(c.cell) AS hi
            FROM ({_touch_source_sql(scope)}) t
            JOIN analytics_touch_cells c ON c.cell_key = t.cell_key
            WHERE t.vkey <> ''
            GROUP BY t.campaign_id, t.is_holdout, t.vkey
        ) p
        GROUP BY p.campaign_id, p.is_holdout, CASE WHEN p.lo = p.hi THEN p.lo END,
                 CASE WHEN p.lo <> p.hi THEN p.vkey END
    """


def touch_rows_sql(scope: str) -> str:
    """PostgreSQL, step 3 of 3: the touch figures at every grain (the four daily grains and
    the market grain). Counters and simple visitors roll up from the cells with GROUPING
    SETS; the other visitors' touches (read only when there are any: a hash join with an
    empty side reads nothing) are counted exactly with an inner aggregate that yields one
    row per (grain, visitor)."""
    counted = list(_touch_counts())
    zeros = ", ".join(f"0 AS {name}" for name in counted)
    known_variant = f"r.grain NOT IN ({GRAIN_VARIANT_LANGUAGE}, {GRAIN_VARIANT}) OR r.variant_id IS NOT NULL"
    return f"""
        SELECT r.campaign_id, r.variant_id, r.language, r.country, r.grain,
               SUM(r.unique_visitors) AS unique_visitors, SUM(r.holdout_visitors) AS holdout_visitors,
               {", ".join(f"SUM(r.{name}) AS {name}" for name in counted)}
        FROM (
            SELECT c.campaign_id, c.variant_id, c.language, c.country,
                   GROUPING(c.variant_id, c.language, c.country) AS grain, 0 AS unique_visitors,
                   0 AS holdout_visitors, {", ".join(f"SUM(c.{name}) AS {name}" for name in counted)}
            FROM analytics_touch_cells c
            GROUP BY c.campaign_id, {_grain_sets("c")}
            UNION ALL
            SELECT c.campaign_id, c.variant_id, c.language, c.country,
                   GROUPING(c.variant_id, c.language, c.country),
                   COALESCE(SUM(v.visitors) FILTER (WHERE NOT v.is_holdout), 0),
                   COALESCE(SUM(v.visitors) FILTER (WHERE v.is_holdout), 0), {zeros}
            FROM analytics_touch_visitors v JOIN analytics_touch_cells c ON c.cell = v.cell
            GROUP BY c.campaign_id, {_grain_sets("c")}
            UNION ALL
            SELECT d.campaign_id, d.variant_id, d.language, d.country, d.grain,
                   COUNT(*) FILTER (WHERE NOT d.is_holdout), COUNT(*) FILTER (WHERE d.is_holdout), {zeros}
            FROM (
                SELECT t.campaign_id, t.variant_id, t.language, t.country, t.is_holdout,
                       GROUPING(t.variant_id, t.language, t.country) AS grain
                FROM ({_touch_source_sql(scope)}) t
                JOIN analytics_touch_visitors v
                  ON v.vkey IS NOT NULL AND v.campaign_id = t.campaign_id AND v.is_holdout = t.is_holdout
                 AND v.vkey = t.vkey
                GROUP BY t.campaign_id, t.is_holdout, t.vkey, {_grain_sets("t")}
            ) d
            GROUP BY d.campaign_id, d.grain, d.variant_id, d.language, d.country
        ) r
        WHERE {known_variant}
        GROUP BY r.campaign_id, r.grain, r.variant_id, r.language, r.country
    """


def with_touch_rows(
    rows_sql: str, *, keys: Sequence[str], values: Sequence[str], grains: Sequence[int]
) -> str:
    """``rows_sql`` (figures of the non-touch events) plus the touch rows of ``grains``,
    summed per row key; the two sides fill disjoint columns, so the sums are exact."""
    touch_values = ", ".join(f"t.{name}" if name in TOUCH_COLUMNS else f"0 AS {name}" for name in values)
    sums = ", ".join(f"SUM(r.{name}) AS {name}" for name in values)
    return f"""
        SELECT {", ".join(f"r.{key}" for key in keys)}, {sums}
        FROM (
            SELECT {", ".join(f"e.{key}" for key in keys)}, {", ".join(f"e.{name}" for name in values)}
            FROM ({rows_sql}) e
            UNION ALL
            SELECT {", ".join(f"t.{key}" for key in keys)}, {touch_values}
            FROM analytics_touch_rows t WHERE t.grain IN ({", ".join(str(grain) for grain in grains)})
        ) r
        GROUP BY {", ".join(f"r.{key}" for key in keys)}
    """


def market_rows_sql() -> str:
    return f"""
        SELECT e.campaign_id, e.language, e.country,
               COUNT(DISTINCT e.visitor) AS unique_visitors,
               SUM(e.orders) AS orders,
               {_money("SUM(e.revenue)")} - {_money("SUM(e.refunds)")} AS net_revenue,
               SUM(e.reviews) AS reviews,
               SUM(e.positive_reviews) AS positive_reviews,
               SUM(e.enrollments) AS enrollments,
               SUM(e.completions) AS completions
        FROM analytics_events e
        WHERE e.language IS NOT NULL AND e.country IS NOT NULL
        GROUP BY e.campaign_id, e.language, e.country
    """


def _changed(columns: Sequence[str], table: str) -> str:
    operator = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"{table}.{name} {operator} excluded.{name}" for name in columns)


def _set_excluded(columns: Sequence[str]) -> str:
    return ", ".join(f"{name} = excluded.{name}" for name in [*columns, "computed_at"])


def upsert_daily_sql() -> str:
    values = DAILY_VALUE_COLUMNS
    source = ", ".join(f"r.{name}" if name != "currency" else "s.cur" for name in values)
    return f"""
        INSERT INTO {DAILY_TABLE} (campaign_id, variant_id, date, language, {", ".join(values)}, computed_at)
        SELECT r.campaign_id, r.variant_id, %(day)s, r.language, {source}, %(now)s
        FROM analytics_rows r JOIN analytics_scope s ON s.id = r.campaign_id
        WHERE 1 = 1
        ON CONFLICT (campaign_id, (COALESCE(variant_id, 0)), date, (COALESCE(language, '')))
        DO UPDATE SET {_set_excluded(values)}
        WHERE {_changed(values, DAILY_TABLE)}
    """


def upsert_market_sql() -> str:
    values = MARKET_VALUE_COLUMNS
    source = ", ".join(f"r.{name}" if name != "currency" else "s.cur" for name in values)
    return f"""
        INSERT INTO {MARKET_TABLE} (campaign_id, date, language, country, {", ".join(values)}, computed_at)
        SELECT r.campaign_id, %(day)s, r.language, r.country, {source}, %(now)s
        FROM analytics_market_rows r JOIN analytics_scope s ON s.id = r.campaign_id
        WHERE 1 = 1
        ON CONFLICT (campaign_id, date, language, country)
        DO UPDATE SET {_set_excluded(values)}
        WHERE {_changed(values, MARKET_TABLE)}
    """


def delete_stale_sql() -> list[str]:
    daily = f"""
        DELETE FROM {DAILY_TABLE}
        WHERE {DAILY_TABLE}.date = %(day)s
          AND {DAILY_TABLE}.campaign_id IN (SELECT id FROM analytics_scope)
          AND NOT EXISTS (
            SELECT 1 FROM analytics_rows r
            WHERE r.campaign_id = {DAILY_TABLE}.campaign_id
              AND COALESCE(r.variant_id, 0) = COALESCE({DAILY_TABLE}.variant_id, 0)
              AND COALESCE(r.language, '') = COALESCE({DAILY_TABLE}.language, ''))
    """
    market = f"""
        DELETE FROM {MARKET_TABLE}
        WHERE {MARKET_TABLE}.date = %(day)s
          AND {MARKET_TABLE}.campaign_id IN (SELECT id FROM analytics_scope)
          AND NOT EXISTS (
            SELECT 1 FROM analytics_market_rows r
            WHERE r.campaign_id = {MARKET_TABLE}.campaign_id
              AND r.language = {MARKET_TABLE}.language AND r.country = {MARKET_TABLE}.country)
    """
    return [daily, market]


TEMP_TABLES = (
    "analytics_market_rows",
    "analytics_rows",
    "analytics_touch_rows",
    "analytics_touch_visitors",
    "analytics_touch_cells",
    "analytics_events",
    "analytics_attributions",
    "analytics_scope",
)


def drop_temp_tables(cursor) -> None:
    if connection.vendor == "postgresql":
        # One round trip.
        cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")
        return
    for name in TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
