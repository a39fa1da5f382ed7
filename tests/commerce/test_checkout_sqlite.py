"""A coded checkout on SQLite (``make run``'s first-run default), in a subprocess with its
own database: the hand-written statements of the paying path (``core.rawsql``) must read
SQLite's datetimes, decimals and JSON as the ORM does."""

from tests.sqlite_run import run_on_sqlite

SCRIPT = """
import json
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.models import User
from campaigns.models import DiscountCode, OrderAttribution
from commerce.models import LedgerEntry, Order, OrderLine
from commerce.services import order_checkout
from tests.campaigns.factories import CampaignFactory
from tests.factories import CourseFactory
course = CourseFactory(slug="sq-course")
campaign = CampaignFactory(slug="sq-campaign", courses=[course])
DiscountCode.objects.create(campaign=campaign, code="SQCODE", max_redemptions=5, per_customer_limit=1)
user = User.objects.create_user(username="sq-learner", email="sq@example.com", password="!")
asked = dict(user=user, items=[{"course": course.slug}], currency="USD", discount_code="SQCODE",
             payment={"provider": "sandbox", "token": "tok_success"}, idempotency_key="sq-1")
first = order_checkout(**asked)
again = order_checkout(**asked)
order = Order.objects.get(pk=first.order.pk)
line = OrderLine.objects.get(order=order)
from courses.models import EnrollmentCountChange
from courses.services import course_enrollment_counts_fold
course.refresh_from_db()
counted_at_sale = course.enrollment_count
pending = list(EnrollmentCountChange.objects.values_list("course_id", "delta"))
folded = course_enrollment_counts_fold()
course.refresh_from_db()
print(json.dumps({
    "status": order.status, "total": str(order.total), "discount": str(order.discount),
    "campaign": order.campaign_id == campaign.pk,
    "ledger": sorted([party.split(":")[0], str(amount)] for party, amount in
                     LedgerEntry.objects.filter(order=order).values_list("party", "amount")),
    "attribution": OrderAttribution.objects.get(order_id=order.pk).reason,
    "split": line.revenue_split, "seat": line.seat,
    "replayed": [again.created, again.order.pk == order.pk],
    "enrolled": [counted_at_sale, pending == [(course.pk, 1)], folded, course.enrollment_count],
    "code_uses": DiscountCode.objects.get(code="SQCODE").redemptions_count,
}))
"""


def test_a_coded_checkout_on_sqlite_pays_enrolls_and_attributes(tmp_path):
    found = run_on_sqlite(SCRIPT, tmp_path / "checkout.sqlite3")
    # then the order is paid at the code's price, once, and everything a sale writes is there
    assert found["status"] == "paid"
    assert found["campaign"] is True and found["attribution"] == "code"
    assert found["replayed"] == [False, True]
    # the learner count moves when the sale's change is folded in (SQLite's own fold)
    assert found["enrolled"] == [0, True, 1, 1]
    assert found["code_uses"] == 1 and found["seat"] == "none"
    assert found["split"] and found["split"][0]["party"].startswith("partner:")
    assert [party for party, _amount in found["ledger"]] == ["instructor", "partner", "platform"]
    total = sum(float(amount) for _party, amount in found["ledger"])
    assert abs(total - float(found["total"])) < 1e-9
