"""Benchmark of the nightly campaign metrics job on generated data (PostgreSQL only).

For each size (100k, 1M, 5M touches) it empties the analytics-related tables of the database
in DATABASE_URL (hence ``--reset`` is required: use a dedicated database), generates touches
over ``--days`` days for 20 campaigns with orders (2 % of touches), refunds (5 % of orders),
ledger entries, enrollments and reviews (30 % of enrollments) in proportion, all with
``generate_series`` in SQL, then times ``campaign_metrics_compute`` for one day in the middle
(all campaigns in one set-based run), runs it a second time (the idempotent rerun), and times a
naive ORM loop over the same day (per campaign: every touch, every attributed order with its
order, lines, refunds and ledger entries fetched one by one, then ``update_or_create``). When
the day has more touches than ``--naive-sample``, the naive loop runs on a sample of each
campaign's touches and orders and is extrapolated linearly; the output says so.

Two shapes of data: touches spread over ``--days`` days (30 by default: the timed day holds a
thirtieth of them) and, for the sizes in ``--one-day-sizes`` (5M by default), every touch on
the one timed day, the worst case for the job. A summary table of every run ends the output.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/zq_bench .venv/bin/python \
    bench/campaign_metrics.py --reset [--sizes 100000,1000000,5000000] [--days 30] \
    [--one-day-sizes 5000000]
Only the one-day 5M case: ... --reset --sizes 5000000 --days 1 --one-day-sizes ""
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from analytics.metrics import campaign_metrics_compute, day_bounds  # noqa: E402
from campaigns.models import Campaign, CampaignDailyMetric, OrderAttribution, Touch, Variant  # noqa: E402
from commerce.models import LedgerEntry, Order, OrderLine, Refund  # noqa: E402
from courses.models import Enrollment, Review  # noqa: E402

CAMPAIGNS = 20
COURSES = 200
START = date(2025, 1, 1)
TABLES = [
    "campaigns_campaigndailymetric",
    "campaigns_campaignmarketmetric",
    "campaigns_orderattribution",
    "campaigns_touch",
    "campaigns_visitorassignment",
    "campaigns_spendentry",
    "campaigns_variant",
    "campaigns_campaignpartner",
    "campaigns_campaigncourse",
    "campaigns_campaign",
    "commerce_ledgerentry",
    "commerce_refund",
    "commerce_orderline",
    "commerce_payment",
    "commerce_order",
    "courses_review",
    "courses_enrollment",
    "courses_price",
    "courses_course_tags",
    "courses_course",
    "courses_instructor",
    "courses_category",
    "partners_partner",
    "accounts_learnerprofile",
    "accounts_user",
]


def sql(statement: str, params=None) -> None:
    if params is not None:
        statement = statement.replace(" % ", " %% ")  # modulo, not a placeholder
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def reset() -> None:
    sql("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE")


def generate(touches: int, days: int) -> None:
    users = max(touches // 100, 100)
    orders = touches // 50
    visitors = max(touches // 3, 1)
    start = datetime.combine(START, datetime.min.time(), tzinfo=UTC)
    sql(
        "INSERT INTO partners_partner (created_at, updated_at, public_id, slug, name, name_en, "
        "industry, "
        "logo, primary_color, secondary_color, website, contact_email, status, customer_id_secret, "
        "description) "
        "SELECT now(), now(), gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'Bench ' || i, 'bank', '', "
        "'#1f4e79', '#f2c14e', '', '', 'active', md5(i::text), '' FROM generate_series(1, 4) i"
    )
    for i in range(1, CAMPAIGNS + 1):
        campaign = Campaign.objects.create(
            partner_id=(i % 4) + 1,
            slug=f"bench-{i}",
            name=f"Bench {i}",
            status=Campaign.Status.RUNNING,
            budget_currency="USD" if i % 3 else "CNY",
            holdout_share=Decimal("0.1000"),
        )
        Variant.objects.bulk_create([Variant(campaign=campaign, name=n) for n in ("A", "B", "C")])
    sql(
        "INSERT INTO courses_category (created_at, updated_at, slug, name, name_en, description, position) "
        "SELECT now(), now(), 'cat-' || i, 'Cat ' || i, 'Cat ' || i, '', i FROM generate_series(1, 10) i"
    )
    sql(
        "INSERT INTO courses_instructor (created_at, updated_at, slug, name, name_en, headline, bio, "
        "revenue_share) VALUES (now(), now(), 'bench', 'Bench', 'Bench', '', '', 0.3)"
    )
    sql(
        "INSERT INTO courses_course (created_at, updated_at, public_id, slug, title, title_en, subtitle, "
        "description, category_id, instructor_id, format, level, language, duration_minutes, cover, "
        "cover_color, is_published, enrollment_count, rating_count, rating_sum, rating_average, search_text) "
        "SELECT now(), now(), gen_random_uuid(), 'course-' || i, 'Course ' || i, 'Course ' || i, '', '', "
        "(i % 10) + 1, 1, 'video', 'beginner', 'en', 60, '', '#2f6f8f', true, 0, 0, 0, 0, '' "
        f"FROM generate_series(1, {COURSES}) i"
    )
    sql(
        "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, "
        "is_staff, is_active, date_joined) SELECT '', false, 'bench' || i, '', '', "
        "'b' || i || '@example.com', false, "
        f"true, %s + (i % {days}) * interval '1 day' + (i % 86400) * interval '1 second' "
        f"FROM generate_series(1, {users}) i",
        [start],
    )
    sql(
        "INSERT INTO accounts_learnerprofile (created_at, updated_at, preferred_language, country, "
        "preferred_currency, interests, marketing_consent, user_id) SELECT now(), now(), 'en', "
        "(ARRAY['US','CN','JP','ES','GB'])[1 + id % 5], '', '[]', false, id FROM accounts_user"
    )
    # Touches: the campaign and visitor decide the variant and the control group, as live.
    sql(
        "INSERT INTO campaigns_touch (campaign_id, variant_id, visitor_id, user_id, kind, channel, language, "
        "country, utm_source, utm_medium, utm_campaign, utm_content, is_holdout, created_at) "
        f"SELECT c, CASE WHEN v % 10 = 0 THEN NULL ELSE (c - 1) * 3 + 1 + v % 3 END, 'v' || v, "
        f"CASE WHEN i % 20 = 0 THEN 1 + i % {users} END, "
        "(ARRAY['landing_view','click','visit'])[1 + i % 3], "
        "(ARRAY['email','social','sms','partner_app','offline_qr',''])[1 + i % 6], "
        "(ARRAY['en','zh-hans','ja','es',''])[1 + v % 5], "
        "(ARRAY['US','CN','JP','ES',''])[1 + v % 5], "
        f"'', '', '', '', v % 10 = 0, "
        f"%s + (i % {days}) * interval '1 day' + (i % 86399) * interval '1 second' "
        f"FROM (SELECT i, 1 + (i / {days}) % {CAMPAIGNS} AS c, (i::bigint * 7919) % {visitors} AS v "
        f"FROM generate_series(1, {touches}) i) s",
        [start],
    )
    sql(
        "INSERT INTO commerce_order (created_at, updated_at, number, user_id, status, currency, subtotal, "
        "discount, total, amount_refunded, language, discount_code, visitor_id, campaign_id, provider, "
        "payment_reference, paid_at) "
        f"SELECT now(), now(), gen_random_uuid(), 1 + i % {users}, 'paid', "
        "(ARRAY['USD','CNY','EUR','JPY'])[1 + i % 4], 33.00, 3.00, 30.00, 0, 'en', '', 'v' || i, "
        f"1 + (i / {days}) % {CAMPAIGNS}, 'sandbox', '', "
        f"%s + (i % {days}) * interval '1 day' + (i % 86399) * interval '1 second' "
        f"FROM generate_series(1, {orders}) i",
        [start],
    )
    sql(
        "INSERT INTO commerce_orderline (created_at, updated_at, order_id, course_id, currency, unit_price, "
        "discount, total, amount_refunded, seat, revenue_split) "
        f"SELECT now(), now(), id, 1 + id % {COURSES}, currency, 33.00, 3.00, 30.00, 0, 'none', '[]' "
        "FROM commerce_order"
    )
    sql(
        "INSERT INTO campaigns_orderattribution (created_at, updated_at, order_ref, order_id, campaign_id, "
        "variant_id, reason, user_id, is_self_purchase, is_holdout, paid_at, amount, currency, "
        "refunded_amount, discount_amount) "
        "SELECT now(), now(), number::text, id, campaign_id, "
        "CASE WHEN id % 10 = 0 THEN NULL ELSE (campaign_id - 1) * 3 + 1 + id % 3 END, 'last_touch', user_id, "
        "false, id % 10 = 0, paid_at, total, currency, 0, discount FROM commerce_order"
    )
    sql(
        "INSERT INTO commerce_refund (created_at, updated_at, order_id, amount, currency, reason, "
        "provider_reference, allocation) SELECT paid_at + interval '2 days', now(), id, 10.00, currency, "
        "'bench', '', '{}' FROM commerce_order WHERE id % 20 = 0"
    )
    sql(
        "INSERT INTO commerce_ledgerentry (created_at, updated_at, order_id, order_line_id, kind, party, "
        "share, amount, currency) SELECT o.paid_at, now(), o.id, l.id, 'sale', p.party, p.share, "
        "30.00 * p.share, o.currency FROM commerce_order o JOIN commerce_orderline l ON l.order_id = o.id "
        "CROSS JOIN (VALUES ('partner:1', 0.1), ('platform', 0.9)) p(party, share)"
    )
    sql(
        "INSERT INTO courses_enrollment (created_at, updated_at, user_id, course_id, source, is_active, "
        "completed_lessons, completed_at) "
        "SELECT o.paid_at, now(), o.user_id, l.course_id, 'purchase', true, 0, "
        "CASE WHEN o.id % 4 = 0 THEN o.paid_at + interval '3 days' END "
        "FROM commerce_order o JOIN commerce_orderline l ON l.order_id = o.id "
        "ON CONFLICT (user_id, course_id) DO NOTHING"
    )
    sql(
        "INSERT INTO courses_review (created_at, updated_at, user_id, course_id, rating, text, language) "
        "SELECT created_at + interval '1 day', now(), user_id, course_id, 1 + id % 5, '', 'en' "
        "FROM courses_enrollment WHERE id % 10 < 3"
    )
    sql(
        "INSERT INTO campaigns_spendentry (created_at, updated_at, campaign_id, amount, date, note) "
        f"SELECT now(), now(), c, 25.00, %s::date + d, '' FROM generate_series(1, {CAMPAIGNS}) c, "
        f"generate_series(0, {days - 1}) d",
        [START],
    )
    sql("ANALYZE")


def naive(day: date, sample: int | None) -> tuple[float, int, int]:
    """The loop a first version would write. Returns (seconds, touches seen, orders seen)."""
    start, end = day_bounds(day)
    began = time.perf_counter()
    seen_touches = seen_orders = 0
    for campaign in Campaign.objects.all():
        visitors, counts = set(), Counter()
        touches = Touch.objects.filter(campaign=campaign, created_at__gte=start, created_at__lt=end).order_by(
            "id"
        )
        for touch in touches[:sample] if sample else touches.iterator():
            seen_touches += 1
            if touch.is_holdout:
                counts["holdout"] += 1
            else:
                visitors.add(touch.visitor_id)
            counts[touch.kind] += 1
            counts[f"channel:{touch.channel}"] += 1
        revenue = Decimal("0")
        attributions = OrderAttribution.objects.filter(campaign=campaign, paid_at__gte=start, paid_at__lt=end)
        order_sample = max(1, sample // 50) if sample else None
        for attribution in attributions[:order_sample] if order_sample else attributions:
            seen_orders += 1
            order = Order.objects.get(pk=attribution.order_id)
            for line in OrderLine.objects.filter(order=order):
                Enrollment.objects.filter(user_id=order.user_id, course_id=line.course_id).first()
                Review.objects.filter(user_id=order.user_id, course_id=line.course_id).first()
            for refund in Refund.objects.filter(order=order):
                revenue -= refund.amount
            for entry in LedgerEntry.objects.filter(order=order, party__startswith="partner:"):
                counts["shares"] += 1
                revenue += 0 * entry.amount
            revenue += attribution.amount
            counts["orders"] += 1
        CampaignDailyMetric.objects.update_or_create(
            campaign=campaign,
            date=day,
            variant=None,
            language=None,
            defaults={"unique_visitors": len(visitors), "orders": counts["orders"], "revenue": revenue},
        )
    return time.perf_counter() - began, seen_touches, seen_orders


def run(size: int, days: int, naive_sample: int) -> dict:
    reset()
    began = time.perf_counter()
    generate(size, days)
    generated = time.perf_counter() - began
    day = START + timedelta(days=days // 2)
    start, end = day_bounds(day)
    day_touches = Touch.objects.filter(created_at__gte=start, created_at__lt=end).count()
    day_orders = OrderAttribution.objects.filter(paid_at__gte=start, paid_at__lt=end).count()
    began = time.perf_counter()
    result = campaign_metrics_compute(day=day)
    job = time.perf_counter() - began
    began = time.perf_counter()
    campaign_metrics_compute(day=day)
    rerun = time.perf_counter() - began
    per_campaign = day_touches / CAMPAIGNS
    sample = naive_sample if per_campaign > naive_sample else None
    naive_seconds, seen_touches, seen_orders = naive(day, sample)
    if sample:
        # Touches and orders dominate; scale each part by what the sample covered.
        factor = (day_touches + 50 * day_orders) / max(seen_touches + 50 * seen_orders, 1)
        naive_total, note = (
            naive_seconds * factor,
            f"extrapolated x{factor:.1f} from a sample of {seen_touches} touches and {seen_orders} orders",
        )
    else:
        naive_total, note = naive_seconds, "measured on the whole day"
    print(
        f"{size:>9,} touches ({days} days; the day has {day_touches:,} touches, {day_orders:,} orders; "
        f"data generated in {generated:.1f} s)\n"
        f"    set-based job: {job:.2f} s ({result.daily_rows} daily rows, {result.market_rows} market rows), "
        f"rerun {rerun:.2f} s\n"
        f"    naive ORM loop: {naive_total:.2f} s ({note})\n"
        f"    ratio naive / set-based: {naive_total / job:.1f}x",
        flush=True,
    )
    return {
        "size": size,
        "days": days,
        "day_touches": day_touches,
        "job": job,
        "rerun": rerun,
        "naive": naive_total,
    }


def summary(results: list[dict]) -> None:
    print("\nsummary (seconds for one day, all campaigns)")
    print(
        f"{'touches':>10} {'days':>5} {'touches that day':>17} {'job':>8} {'rerun':>8} "
        f"{'naive':>9} {'ratio':>7}"
    )
    for r in results:
        print(
            f"{r['size']:>10,} {r['days']:>5} {r['day_touches']:>17,} {r['job']:>8.2f} {r['rerun']:>8.2f} "
            f"{r['naive']:>9.1f} {r['naive'] / r['job']:>6.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,5000000")
    parser.add_argument("--days", type=int, default=30, help="days the touches are spread over")
    parser.add_argument(
        "--one-day-sizes",
        default="5000000",
        help='sizes to run again with every touch on the timed day ("" for none)',
    )
    parser.add_argument(
        "--naive-sample", type=int, default=2000, help="touches per campaign for the naive loop"
    )
    parser.add_argument("--reset", action="store_true", help="required: empties the tables of DATABASE_URL")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...")
    if not args.reset:
        sys.exit("Refusing to run without --reset: it empties campaign, commerce and learner tables.")
    call_command("migrate", verbosity=0)
    shapes = [(int(size), args.days) for size in args.sizes.split(",") if size]
    shapes += [
        (int(size), 1) for size in args.one_day_sizes.split(",") if size and (int(size), 1) not in shapes
    ]
    summary([run(size, days, args.naive_sample) for size, days in shapes])


if __name__ == "__main__":
    main()
