"""A checkout costs a fixed number of queries, asserted exactly (issue 9: throughput).

Counted inside a test transaction, so the transactions of a checkout show as SAVEPOINT /
RELEASE pairs (BEGIN / COMMIT in production). Before: 74 (coded), 48 (plain), 51 (a live
seat); now 57, 31, 34:
the learner's language comes with the learner's lock, the idempotency record is a plain
insert under that lock, the payment row of phase 1 is handed to phase 2, "settle the
charge" and "mark paid" are one pass over one lock (the reference written by the UPDATEs
that pay), the order's learner comes with the order's lock, the receipt is one
``INSERT ... ON CONFLICT`` and the sandbox's books two queries without a savepoint.

A coded checkout then gained 4: three for partner webhooks (which partners of the campaign
take ``attribution.created`` and ``code.redeemed``, one query each and no write when none
does, and the redeemed code's text for the event) and one for the signed-in learner's latest
variant (the one pricing rule: the code gives what the landing page advertised).

Issue 10 (checkout throughput) took 11 from a coded checkout, 2 from the others: the code's
reservation and confirmation, the attribution and the enrollment run inside the checkout's
transaction with no savepoints of their own (``atomic(savepoint=False)``: any error ends the
checkout's transaction anyway), the attribution is a read then an insert under the order's
lock instead of ``get_or_create``, and the redeemed code comes along with its redemption.

Every checkout then gained 1 (51, 30, 33): the learner-referral lookup, the buyer's latest
referral code and link visit inside the window in one UNION ALL (``referrals`` registers it
as a sale-party source; an order nobody referred costs nothing more).

Issues 9 and 10 (checkout throughput, again) took 5 from a coded checkout, 3 from the
others (46, 27, 30): the enrollment is one ``INSERT ... ON CONFLICT DO NOTHING RETURNING``
instead of ``get_or_create`` under ``select_for_update`` (a read, a savepoint, the insert,
its release); the code's reservation does not look for a redemption of an order made in
the same transaction (a fresh UUID nobody can name yet); the attribution takes the code's
campaign from the row the confirmed redemption brought along instead of reading it again.

Issues 9 and 10 (CPU per checkout) took 1 from a coded checkout of a percent campaign (45):
the campaign's fixed amounts are read only for a fixed-amount campaign (46 then). The rest
of that work cut CPU, not statements: the reads that ran on every checkout with ORM
overhead several times their cost (partner webhook subscribers, the learner's code uses,
the self-purchase check, the referral look-up) are plain statements, and the wide rows
(course, campaign, line) are read with only the columns used.

Issue 10 (p95 at 32 connections) took 2 from every checkout (43, 44, 25, 28): a course's
price and whether the learner owns it come with the course in one statement. The hottest
statements left the ORM for hand-written ones built with ``core.rawsql.RowShape`` (the
learner's lock, the idempotency record, the code with its campaign, the buyer's variant and
holdout, the order's lock, its lines, the redemption, the partners' shares, the paid line,
the counters): Python CPU per coded checkout 32.5 -> 25.6 ms in ``bench/checkout_profile.py
--per-statement --provider stripe`` at the same load.

Issue 9 (p95 at 32 connections, again) took 3 from a coded checkout (40, 41, 25, 28): the
checkout's quote reads the code under its lock, after the seats are held (LOCK_ORDER), so
the reservation neither reads the code nor counts the learner's uses again; and a paid
order's two campaign events (code redeemed, order attributed) read the campaign's webhook
endpoints once. The writes every checkout makes (order, lines, idempotency record, payment,
redemption, attribution, ledger, the order's and redemption's updates) skip the ORM's
compiler through ``core.rawsql.insert`` and ``update``, with the same signals. Later, one
more (39, 40, 25, 28): the attribution is written with ``INSERT ... ON CONFLICT DO
NOTHING`` instead of being looked for first (``core.rawsql.insert_unless_exists``).

A third pass took 2 more (37, 38, 25, 28): the learner's uses of the code come with the
code's row, as a scalar subquery (the learner's lock, taken first, makes the statement's
snapshot enough), and a paid order's partner shares for each joint course are one statement
(``campaign_course_revenue_splits``), not the split and the courses apart.

A fourth pass took 3 from a coded checkout (34, 35, 25, 28): the quote's control-group
check and the campaign's joint courses come with the code's locked row, and a paid coded
order's latest touch and self-purchase check are one statement. The idempotency record
cannot come with the learner's lock: a statement that waits for a row lock reads the other
tables in the snapshot it took before waiting, so the record a concurrent checkout of the
same learner committed meanwhile would be missed (``tests/commerce/test_races.py``). Then
3 from every checkout (31, 32, 22, 25): the order, its lines, a new idempotency record and
the pending payment are one statement on PostgreSQL (``core.rawsql.insert_family``).

Then 7 from a coded checkout, 6 from the others (24, 25, 16, 19): the paying transaction's
writes that nothing reads back before its commit (the redemption's and the order's
updates, the payment's, the lines', the ledger entries, the cart lines' delete, the
receipt's outbox row, the course counter) wait in ``core.rawsql.deferred_writes`` and go
out as one statement of data-modifying CTEs, just before the commit; a read that names a
waiting table sends them first. And 4 more from a coded checkout (20, 21, 16, 19): the
attribution row waits with them too; the campaign's webhook endpoints come with the
confirmed redemption's locked row (a JSON column), not in a read of their own; in the
order's transaction the code's use and its reservation go out together; and the buyer's
variant comes with the code's row (``visitor_variant_column``).

Then 1 from a coded checkout (19, 20, 16, 19): the partners' shares of the campaign's joint
courses come with the statement that reads the buyer's latest touch and the self-purchase
check (a JSON column, PostgreSQL), and so does the browser's assignment (a checkout from a
campaign link read it apart: one more statement there before)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import (
    Campaign,
    CampaignFixedDiscount,
    CampaignPartner,
    DiscountCode,
    OrderAttribution,
    VisitorAssignment,
)
from commerce.models import LedgerEntry, Order
from commerce.services import order_checkout
from core.models import OutboxMessage
from partners.models import WebhookEndpoint
from partners.webhooks import FANOUT_TOPIC, webhook_endpoint_create
from tests.campaigns.factories import CampaignFactory, PartnerFactory, TouchFactory, VariantFactory
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAY = {"provider": "sandbox", "token": "tok_success"}
VISITOR = "0b6f3a52-1c1e-4b8e-9a43-5d0c2b7e9f10"


def _coded_checkout(user, course, code: str, key: str, **extra):
    return order_checkout(
        user=user,
        items=[{"course": course.slug}],
        currency="USD",
        discount_code=code,
        payment=PAY,
        idempotency_key=key,
        **extra,
    )


def test_a_coded_checkout_costs_19_queries(django_assert_num_queries, django_capture_on_commit_callbacks):
    course = CourseFactory(slug="q-course")
    campaign = CampaignFactory(slug="q-campaign", courses=[course])
    DiscountCode.objects.create(campaign=campaign, code="QCODE1", max_redemptions=10, per_customer_limit=1)
    user = UserFactory(username="q-learner")
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(19):
        order = _coded_checkout(user, course, "QCODE1", "k1").order
    # and it is the whole sale: paid, discounted, attributed, on the ledger, receipt queued
    order.refresh_from_db()
    assert (order.status, order.campaign_id) == (Order.Status.PAID, campaign.pk)
    assert order.discount > 0 and order.payment_reference.startswith("sbx_")
    assert LedgerEntry.objects.filter(order=order).count() == 3
    assert OutboxMessage.objects.filter(dedupe_key=f"commerce.order_receipt:{order.pk}").count() == 1


def test_a_coded_checkout_from_a_campaign_link_costs_the_same_19_queries(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given a visitor of the campaign's link, assigned to a variant, with a touch recorded
    course = CourseFactory(slug="q-link-course")
    campaign = CampaignFactory(slug="q-link-campaign", courses=[course])
    variant = VariantFactory(campaign=campaign, discount_percent=Decimal("20"))
    VisitorAssignment.objects.create(campaign=campaign, visitor_id=VISITOR, variant=variant)
    touch = TouchFactory(campaign=campaign, visitor_id=VISITOR, variant=variant)
    DiscountCode.objects.create(campaign=campaign, code="QLINK1", max_redemptions=10, per_customer_limit=1)
    user = UserFactory(username="q-link-learner")
    # when they buy with the code: the assignment comes with the touch, the self-purchase
    # check and the partners' shares, not in a read of its own
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(19):
        order = _coded_checkout(user, course, "QLINK1", "k-link", visitor_id=VISITOR).order
    # then the sale is the variant's, from that touch, and the partner has its share
    attribution = OrderAttribution.objects.get(order_id=order.pk)
    assert (attribution.reason, attribution.code_id is not None) == ("code", True)
    assert (attribution.variant_id, attribution.touch_id) == (variant.pk, touch.pk)
    assert attribution.is_holdout is False
    parties = set(LedgerEntry.objects.filter(order=order).values_list("party", flat=True))
    assert f"partner:{campaign.partner_id}" in parties


def test_a_coded_checkout_of_a_fixed_amount_campaign_costs_20_queries(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given a campaign that takes a fixed amount off, per currency
    course = CourseFactory(slug="q-fixed-course")
    campaign = CampaignFactory(
        slug="q-fixed-campaign", courses=[course], discount_type=Campaign.DiscountType.FIXED
    )
    CampaignFixedDiscount.objects.create(campaign=campaign, currency="USD", amount=Decimal("5.00"))
    DiscountCode.objects.create(campaign=campaign, code="QFIXED1", max_redemptions=10, per_customer_limit=1)
    user = UserFactory(username="q-fixed-learner")
    # when the learner buys with the code, then one more query reads the campaign's amounts
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(20):
        order = _coded_checkout(user, course, "QFIXED1", "k-fixed").order
    # and the fixed amount is what came off
    order.refresh_from_db()
    assert (order.status, order.discount) == (Order.Status.PAID, Decimal("5.00"))


def test_a_coded_checkout_tells_the_subscribed_partners_without_reading_their_endpoints_apart(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given a campaign of a lead partner and an ally, each with an endpoint (the lead's takes
    # both sale events, the ally's one of them) and a switched-off endpoint of the ally's
    course = CourseFactory(slug="q-hooks")
    campaign = CampaignFactory(slug="q-hooks-campaign", courses=[course])
    ally = PartnerFactory(slug="q-hooks-ally")
    CampaignPartner.objects.create(campaign=campaign, partner=ally)
    both = ["code.redeemed", "attribution.created"]
    webhook_endpoint_create(partner=campaign.partner, url="https://lead.example/h", events=both)
    webhook_endpoint_create(partner=ally, url="https://ally.example/h", events=["attribution.created"])
    off = webhook_endpoint_create(partner=ally, url="https://ally.example/off", events=["code.redeemed"])
    WebhookEndpoint.objects.filter(pk=off.pk).update(is_active=False)
    DiscountCode.objects.create(campaign=campaign, code="QHOOKS1", max_redemptions=10, per_customer_limit=1)
    user = UserFactory(username="q-hooks-learner")
    # when the learner buys with the code: the endpoints come with the code's redemption (no
    # read of their own), and the three events' outbox rows wait with the sale's writes (the
    # attribution's two go out after it, when its row does)
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(22):
        _coded_checkout(user, course, "QHOOKS1", "k-hooks")
    # then each subscribed partner has its events, once, and the switched-off endpoint none
    events = sorted(
        (message.payload["partner"], message.payload["event"])
        for message in OutboxMessage.objects.filter(topic=FANOUT_TOPIC)
    )
    assert events == sorted(
        [
            (campaign.partner_id, "code.redeemed"),
            (campaign.partner_id, "attribution.created"),
            (ally.pk, "attribution.created"),
        ]
    )


def test_a_plain_checkout_costs_16_queries(django_assert_num_queries, django_capture_on_commit_callbacks):
    course = CourseFactory(slug="q-plain")
    user = UserFactory(username="q-plain-learner")
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(16):
        order = order_checkout(user=user, items=[{"course": course.slug}], currency="USD", payment=PAY).order
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_a_live_seat_checkout_costs_19_queries(django_assert_num_queries, django_capture_on_commit_callbacks):
    session = LiveSessionFactory(capacity=3)
    user = UserFactory(username="q-live-learner")
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(19):
        order = order_checkout(
            user=user,
            items=[{"course": session.course.slug, "live_session": session.pk}],
            currency="USD",
            payment=PAY,
        ).order
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_a_sale_writes_no_course_row(django_capture_on_commit_callbacks):
    # given a learner buying a course (before: every sale of the course updated its
    # learner-count row, the one row all buyers of a campaign's course queued on)
    course = CourseFactory(slug="q-counter")
    user = UserFactory(username="q-counter-learner")
    # when the checkout runs
    with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as captured:
        order_checkout(user=user, items=[{"course": course.slug}], currency="USD", payment=PAY)
    # then no statement writes the course row: the learner count's change is one row of
    # its own, inserted with the sale's other writes (courses.services.course_enrollment_counts_add)
    sql = [query["sql"] for query in captured.captured_queries]
    assert not [text for text in sql if "UPDATE courses_course " in text or 'UPDATE "courses_course"' in text]
    changes = [text for text in sql if "INSERT INTO courses_enrollmentcountchange" in text]
    assert len(changes) == 1 and changes[0].startswith("WITH ")
    course.refresh_from_db()
    assert course.enrollment_count == 0  # until the fold (tests/courses/test_enrollment_counts.py)
