"""CPU of one statement through the ORM against the same statement on a raw cursor (the floor
under bench/checkout.py: a checkout is ~43 statements, and the ORM's building of each costs
several times the statement).

Runs each shape ``--count`` times against the database of DATABASE_URL (any with the
project's tables and at least one user, course and discount code, e.g. the checkout bench's)
and prints the mean ``time.process_time()`` per statement: Python and the driver, not
PostgreSQL. Set DATABASE_PREPARE_THRESHOLD to see the prepared-statement variant.

Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/zq_checkout_bench \
    .venv/bin/python bench/statement_cost.py [--count 300]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.db import connection  # noqa: E402

from accounts.models import User  # noqa: E402
from campaigns.models import DiscountCode  # noqa: E402
from courses.models import Course  # noqa: E402


def per_call_ms(fn, count: int) -> float:
    fn()  # the first call pays for imports and connection set-up
    began = time.process_time()
    for _ in range(count):
        fn()
    return (time.process_time() - began) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    user_id = User.objects.values_list("pk", flat=True).first()
    slug = Course.objects.values_list("slug", flat=True).first()
    code = DiscountCode.objects.values_list("code", flat=True).first()
    if user_id is None or slug is None or code is None:
        sys.exit("needs a user, a course and a discount code (run bench/checkout_profile.py once)")

    def raw_read() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {User._meta.db_table} WHERE id = %s", [user_id])
            cursor.fetchall()

    shapes = [
        ("raw cursor: SELECT id FROM user WHERE id = %s", raw_read),
        (
            "ORM: User.objects.filter(pk=).values_list('pk')",
            lambda: list(User.objects.filter(pk=user_id).values_list("pk", flat=True)),
        ),
        ("ORM: User.objects.filter(pk=).first() (a model)", lambda: User.objects.filter(pk=user_id).first()),
        (
            "ORM: Course + instructor, select_related (~60 columns)",
            lambda: list(
                Course.objects.filter(slug__in=[slug], is_published=True).select_related("instructor")
            ),
        ),
        (
            "ORM: the same, .only('slug', 'format')",
            lambda: list(Course.objects.filter(slug__in=[slug], is_published=True).only("slug", "format")),
        ),
        (
            "ORM: DiscountCode + campaign, select_related (~60 columns)",
            lambda: DiscountCode.objects.select_related("campaign").filter(code=code, is_active=True).first(),
        ),
    ]
    prepared = connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold")
    mode = f"after {prepared} runs" if prepared else "off"
    print(f"CPU per statement (time.process_time), prepared statements: {mode}")
    for name, fn in shapes:
        print(f"  {per_call_ms(fn, args.count):6.3f} ms  {name}")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
