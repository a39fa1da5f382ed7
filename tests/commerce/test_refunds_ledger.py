import csv
import io
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from commerce.exceptions import InvalidRefundAmount, OrderNotRefundable
from commerce.ledger import PLATFORM, split_amount
from commerce.models import LedgerEntry, Order, OrderLine, Refund
from commerce.services import order_checkout, order_refund
from commerce.services.refunds import RefundReasonRequired
from commerce.tasks import release_expired_seat_holds
from courses.models import Enrollment, LiveSession
from tests.factories import CourseFactory, InstructorFactory, LiveSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PAY = {"provider": "sandbox", "token": "tok_success"}


def _buy(user, *courses, currency="USD", sessions=None, token="tok_success"):
    sessions = sessions or {}
    return order_checkout(
        user=user,
        items=[{"course": c.slug, "live_session": sessions.get(c.pk)} for c in courses],
        currency=currency,
        payment={"provider": "sandbox", "token": token},
    ).order


def _ledger_sum(order) -> Decimal:
    # Summed in Python: SQLite adds decimals as floats.
    return sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True), Decimal("0"))


@pytest.fixture
def staff():
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


# --- the ledger's rounding rule -----------------------------------------------------------


def test_split_rounds_half_up_and_platform_takes_the_remainder():
    shares = split_amount(
        amount=Decimal("0.05"),
        currency="USD",
        parties=[("instructor:1", Decimal("0.3000")), ("partner:9", Decimal("0.1000"))],
    )
    # 0.015 -> 0.02 and 0.005 -> 0.01 (half up); the platform gets 0.05 - 0.03
    assert [(s.party, s.amount) for s in shares] == [
        ("instructor:1", Decimal("0.02")),
        ("partner:9", Decimal("0.01")),
        (PLATFORM, Decimal("0.02")),
    ]


def test_split_in_yen_has_no_fractions():
    shares = split_amount(
        amount=Decimal("4199"), currency="JPY", parties=[("instructor:1", Decimal("0.3333"))]
    )
    assert [s.amount for s in shares] == [Decimal("1400"), Decimal("2799")]


def test_extra_parties_come_as_data_on_the_line(learner):
    course = CourseFactory(
        prices={"USD": Decimal("33.33")}, instructor=InstructorFactory(revenue_share=Decimal("0.2500"))
    )
    order = _buy(learner, course, token="tok_pending")
    OrderLine.objects.filter(order=order).update(revenue_split=[{"party": "partner:7", "share": "0.1000"}])
    from commerce.services import order_mark_paid

    order_mark_paid(order=order)
    entries = dict(LedgerEntry.objects.filter(order=order).values_list("party", "amount"))
    assert entries == {
        f"instructor:{course.instructor_id}": Decimal("8.33"),
        "partner:7": Decimal("3.33"),
        PLATFORM: Decimal("21.67"),
    }
    assert sum(entries.values()) == Decimal("33.33")


def test_ledger_sums_to_paid_for_every_order_and_to_net_after_refunds(learner, staff):
    prices = ["0.01", "0.05", "9.99", "33.33", "100.00", "12.34"]
    shares = ["0.3333", "0.5000", "0.1250", "0.0000", "1.0000", "0.0700"]
    courses = [
        CourseFactory(prices={"USD": Decimal(p)}, instructor=InstructorFactory(revenue_share=Decimal(s)))
        for p, s in zip(prices, shares, strict=True)
    ]
    orders = [_buy(UserFactory(username=f"b{i}"), c) for i, c in enumerate(courses)]
    big = _buy(learner, *[CourseFactory(prices={"USD": Decimal(p)}) for p in ["19.99", "0.03", "7.77"]])
    for order in [*orders, big]:
        assert _ledger_sum(order) == order.total

    order_refund(order=big, amount="10.01", reason="partial", staff_user=staff)
    order_refund(order=big, amount="0.01", reason="partial", staff_user=staff)
    order_refund(order=orders[2], amount="3.33", reason="partial", staff_user=staff)
    for order in [*orders, big]:
        order.refresh_from_db()
        assert _ledger_sum(order) == order.total - order.amount_refunded

    order_refund(order=big, amount=None, reason="the rest", staff_user=staff)
    big.refresh_from_db()
    assert big.status == "refunded"
    assert _ledger_sum(big) == Decimal("0")
    # a fully refunded order nets zero for every party, not only in total
    per_party: dict[str, Decimal] = {}
    for party, amount in LedgerEntry.objects.filter(order=big).values_list("party", "amount"):
        per_party[party] = per_party.get(party, Decimal("0")) + amount
    assert set(per_party.values()) == {Decimal("0")}


def test_partial_refunds_never_take_back_more_than_a_party_was_paid(learner, staff):
    # given an instructor paid 0.07 of a 1.00 line (share 0.07)
    course = CourseFactory(
        prices={"USD": Decimal("1.00")}, instructor=InstructorFactory(revenue_share=Decimal("0.07"))
    )
    order = _buy(learner, course)
    instructor = next(
        p for p in LedgerEntry.objects.filter(order=order).values_list("party", flat=True) if p != PLATFORM
    )

    def held() -> Decimal:
        return sum(
            LedgerEntry.objects.filter(order=order, party=instructor).values_list("amount", flat=True),
            Decimal("0"),
        )

    assert held() == Decimal("0.07")
    # when it is refunded 0.10 at a time (rounded alone, each part would take back
    # round(0.007) = 0.01: 0.09 after nine parts, more than the 0.07 it was paid)
    for parts in range(1, 10):
        order_refund(order=order, amount="0.10", reason="partial", staff_user=staff)
        # then it has given back round(0.07 x everything refunded so far), never more
        assert held() == Decimal("0.07") - (Decimal("0.007") * parts).quantize(Decimal("0.01"), ROUND_HALF_UP)
        order.refresh_from_db()
        assert _ledger_sum(order) == order.total - order.amount_refunded
    order_refund(order=order, amount=None, reason="the rest", staff_user=staff)
    assert held() == Decimal("0")


# --- refunds ------------------------------------------------------------------------------


def test_partial_refund_keeps_the_enrollment(learner, course, staff):
    order = _buy(learner, course)
    refund = order_refund(order=order, amount=Decimal("9.00"), reason="late video", staff_user=staff)
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("partially_refunded", Decimal("9.00"))
    assert refund.staff_user == staff
    assert refund.provider_reference.startswith("sbx_re_")
    assert Enrollment.objects.get(user=learner, course=course).is_active is True


def test_full_refund_revokes_the_enrollment_and_releases_the_seat(learner, staff):
    session = LiveSessionFactory(capacity=3)
    order = _buy(learner, session.course, sessions={session.course.pk: session.pk})
    assert LiveSession.objects.get(pk=session.pk).seats_taken == 1

    order_refund(order=order, amount=None, reason="cannot attend", staff_user=staff)

    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("refunded", order.total)
    assert Enrollment.objects.get(user=learner).is_active is False
    assert LiveSession.objects.get(pk=session.pk).seats_taken == 0
    assert order.lines.get().seat == "released"


def test_refund_of_one_line_only(learner, staff):
    first, second = CourseFactory(), CourseFactory()
    order = _buy(learner, first, second)
    line = order.lines.get(course=first)
    order_refund(order=order, amount=None, reason="wrong course", staff_user=staff, lines=[line.pk])
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("partially_refunded", Decimal("29.00"))
    assert Enrollment.objects.get(user=learner, course=first).is_active is False
    assert Enrollment.objects.get(user=learner, course=second).is_active is True


@pytest.mark.parametrize("amount", ["-5", "0", "abc", "NaN", "Infinity", "29.01", "1.234", 1.5, True, "1e3"])
def test_bad_refund_amounts_are_refused(learner, course, staff, amount):
    order = _buy(learner, course)
    with pytest.raises(InvalidRefundAmount):
        order_refund(order=order, amount=amount, reason="x", staff_user=staff)
    order.refresh_from_db()
    assert (order.status, order.amount_refunded, Refund.objects.count()) == ("paid", Decimal("0.00"), 0)


def test_refund_needs_a_reason_and_a_paid_order(learner, course, staff):
    order = _buy(learner, course)
    with pytest.raises(RefundReasonRequired):
        order_refund(order=order, amount="1.00", reason="  ", staff_user=staff)
    pending = _buy(learner, CourseFactory(), token="tok_pending")
    with pytest.raises(OrderNotRefundable):
        order_refund(order=pending, amount="1.00", reason="x", staff_user=staff)


def test_refunds_never_exceed_what_was_paid(learner, course, staff):
    order = _buy(learner, course)
    order_refund(order=order, amount="20.00", reason="a", staff_user=staff)
    with pytest.raises(InvalidRefundAmount):
        order_refund(order=order, amount="9.01", reason="b", staff_user=staff)
    order_refund(order=order, amount="9.00", reason="c", staff_user=staff)
    with pytest.raises(OrderNotRefundable):
        order_refund(order=order, amount="0.01", reason="d", staff_user=staff)


# --- seat holds ---------------------------------------------------------------------------


def test_expired_seat_holds_are_released_by_the_task(learner):
    session = LiveSessionFactory(capacity=1)
    order = _buy(learner, session.course, sessions={session.course.pk: session.pk}, token="tok_pending")
    assert release_expired_seat_holds.delay().get() == 0  # not expired yet
    OrderLine.objects.filter(order=order).update(seat_hold_expires_at=timezone.now() - timedelta(seconds=1))

    assert release_expired_seat_holds.delay().get() == 1
    assert release_expired_seat_holds.delay().get() == 0  # a rerun changes nothing

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert LiveSession.objects.get(pk=session.pk).seats_taken == 0
    # the seat can be sold again
    assert (
        _buy(UserFactory(username="next"), session.course, sessions={session.course.pk: session.pk}).status
        == "paid"
    )


# --- admin --------------------------------------------------------------------------------


def test_admin_refund_page_refunds_and_shows_errors(client, learner, course, staff):
    order = _buy(learner, course)
    client.force_login(staff)
    url = f"/admin/commerce/order/{order.pk}/refund/"
    assert client.get(url).status_code == 200
    for bad in ("-1", "abc", "100"):
        response = client.post(url, {"amount": bad, "reason": "x"})
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
    response = client.post(url, {"amount": "5.00", "reason": "goodwill"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("5.00")


def test_admin_refund_page_is_for_staff_only(client, learner, course):
    order = _buy(learner, course)
    client.force_login(learner)
    response = client.post(f"/admin/commerce/order/{order.pk}/refund/", {"amount": "5.00", "reason": "me"})
    assert response.status_code == 302  # to the admin sign-in
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("0.00")


def test_admin_balances_page_and_csv(client, learner, course, staff):
    order = _buy(learner, course)
    order_refund(order=order, amount="10.00", reason="x", staff_user=staff)
    client.force_login(staff)
    page = client.get("/admin/commerce/ledgerentry/balances/")
    assert page.status_code == 200
    assert f"instructor:{course.instructor_id}" in page.content.decode()
    # parties read by name, the key beside it
    assert course.instructor.name in page.content.decode()

    rows = list(
        csv.reader(
            io.StringIO(client.get("/admin/commerce/ledgerentry/balances/?format=csv").content.decode())
        )
    )
    assert rows[0] == ["party", "currency", "sales", "refunds", "balance", "entries"]
    balances = {row[0]: row for row in rows[1:]}
    assert balances[f"instructor:{course.instructor_id}"][2:5] == ["8.70", "-3.00", "5.70"]
    assert balances["platform"][2:5] == ["20.30", "-7.00", "13.30"]

    party = f"instructor:{course.instructor_id}"
    today = timezone.now().date()
    statement = client.get(
        "/admin/commerce/ledgerentry/balances/",
        {"party": party, "start": str(today), "end": str(today + timedelta(days=1)), "format": "csv"},
    )
    lines = list(csv.reader(io.StringIO(statement.content.decode())))
    assert [line[3] for line in lines[1:]] == ["sale", "refund"]
    assert [line[5] for line in lines[1:]] == ["8.70", "-3.00"]


def test_admin_payout_statement_page_and_bad_periods(client, learner, course, staff):
    # given a sale and a partial refund
    order = _buy(learner, course)
    order_refund(order=order, amount="10.00", reason="x", staff_user=staff)
    client.force_login(staff)
    party = f"instructor:{course.instructor_id}"
    today = timezone.now().date()

    # when staff open the party's statement as a page
    page = client.get(
        "/admin/commerce/ledgerentry/balances/",
        {"party": party, "start": str(today), "end": str(today + timedelta(days=1))},
    )

    # then it lists the sale and the reversing refund entry
    assert page.status_code == 200
    html = page.content.decode()
    assert "8.70" in html
    assert "-3.00" in html

    # and a nonsense period is a page with the form, never a 500
    for bad in (
        {"start": "yesterday"},
        {"end": "2026-13-45"},
        {"party": party, "start": "x", "format": "csv"},
    ):
        assert client.get("/admin/commerce/ledgerentry/balances/", bad).status_code == 200
