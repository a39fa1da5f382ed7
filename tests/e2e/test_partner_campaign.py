"""Issue 4 in a real browser: a partner admin creates and submits a co-branded campaign with
a 10 % code, staff approve it in the Django admin, a visitor buys from the Spanish landing
page with the code, and the partner sees the attributed order in the portal."""

from decimal import Decimal

import pytest

from campaigns.models import Campaign, DiscountCode, OrderAttribution
from commerce.models import LedgerEntry, Order
from partners.models import PartnerMember
from tests.campaigns.factories import PartnerFactory, PartnerMemberFactory
from tests.factories import CourseFactory, InstructorFactory, LearnerProfileFactory, UserFactory

from .conftest import DEFAULT_TIMEOUT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/zq-e2e-partner"


def _user(username: str, password: str, **extra):
    user = UserFactory(username=username, **extra)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def cast():
    """The people and the course of the story (as the demo seed would make them)."""
    bank = PartnerFactory(
        slug="bank",
        name_en="Silk Road Bank",
        name_es="Banco Ruta de la Seda",
        primary_color="#0b3d91",
        secondary_color="#f2c14e",
    )
    PartnerMemberFactory(partner=bank, user=_user("bank-admin", "bank-admin"), role=PartnerMember.Role.OWNER)
    _user("admin", "admin", is_staff=True, is_superuser=True)
    visitor = _user("lucia", "lucia-pass")
    LearnerProfileFactory(user=visitor, preferred_language="es")
    course = CourseFactory(
        slug="personal-finance",
        title_en="Personal finance basics",
        title_es="Finanzas personales básicas",
        title_ja="個人の資産管理入門",
        title_zh_hans="个人理财入门",
        instructor=InstructorFactory(revenue_share=Decimal("0.3000")),
    )
    CourseFactory(slug="other-course", title_en="Other course")
    return {"bank": bank, "course": course, "visitor": visitor}


def _new_page(browser, live_server, locale: str):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale=locale
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context, context.new_page()


def test_partner_campaign_from_portal_to_attributed_order(page, login, browser, live_server, cast):
    base = live_server.url
    course = cast["course"]

    # --- the partner admin creates a draft with the course and a 10 % discount ----------------
    login(page, "bank-admin", "bank-admin", language="en")
    page.goto(f"{base}/en/partner/campaigns/new/")
    form = page.locator('[data-testid="campaign-form"]')
    form.locator('input[name="name_en"]').fill("Spring savings school")
    form.locator('input[name="headline_en"]').fill("Learn to manage your money")
    form.locator('textarea[name="body_en"]').fill(
        "Courses chosen by Silk Road Bank, 10% off for our customers."
    )
    form.locator('details[data-lang="es"] summary').click()
    form.locator('input[name="name_es"]').fill("Escuela de ahorro de primavera")
    form.locator('input[name="headline_es"]').fill("Aprende a gestionar tu dinero")
    # the course picker narrows as you type, then the course is ticked
    form.locator("#course-filter").fill(course.title[:6])
    form.locator(f'input[name="courses"][value="{course.pk}"]').check()
    form.locator('select[name="discount_type"]').select_option("percent")
    form.locator('input[name="discount_percent"]').fill("10")
    # Everyone sees the offer in this story: no control group.
    form.locator('input[name="holdout_percent"]').fill("0")
    page.screenshot(path=f"{SHOTS}-1-new-campaign.png", full_page=True)
    with page.expect_navigation():
        form.locator('[data-testid="campaign-save"]').click()
    assert page.locator('[data-testid="campaign-status"]').count() == 1, page.content()[:2000]
    campaign = Campaign.objects.get(partner=cast["bank"])
    assert (campaign.status, campaign.discount_percent, campaign.holdout_share) == (
        "draft",
        Decimal("10.00"),
        Decimal("0"),
    )
    detail_url = page.url

    # --- ...adds a named 10 % code... -----------------------------------------------------------
    page.goto(f"{base}/en/partner/campaigns/{campaign.pk}/codes/")
    named = page.locator('[data-testid="codes-named"]')
    named.locator('input[name="code"]').fill("BANK10")
    named.locator('input[name="max_redemptions"]').fill("500")
    named.locator('input[name="per_customer_limit"]').fill("1")
    with page.expect_navigation():
        named.locator('button[type="submit"]').click()
    assert "BANK10" in page.locator('[data-testid="codes"]').inner_text()
    page.screenshot(path=f"{SHOTS}-2-codes.png", full_page=True)

    # --- ...and submits it ----------------------------------------------------------------------
    page.goto(detail_url)
    with page.expect_navigation():
        page.locator('[data-testid="campaign-submit"]').click()
    campaign.refresh_from_db()
    assert campaign.status == "submitted"

    # --- staff approve it in the Django admin ---------------------------------------------------
    admin_context, admin_page = _new_page(browser, live_server, "en-US")
    admin_page.goto(f"{base}/admin/login/?next=/admin/campaigns/campaign/")
    admin_page.locator('input[name="username"]').fill("admin")
    admin_page.locator('input[name="password"]').fill("admin")
    with admin_page.expect_navigation():
        admin_page.locator('input[type="submit"], button[type="submit"]').first.click()
    assert admin_page.url.endswith("/admin/campaigns/campaign/"), admin_page.url
    admin_page.locator(f'input[name="_selected_action"][value="{campaign.pk}"]').check()
    admin_page.locator('select[name="action"]').select_option("approve")
    with admin_page.expect_navigation():
        admin_page.locator('button[name="index"]').click()
    assert "1 campaign(s) approved." in admin_page.locator(".messagelist").inner_text()
    admin_page.screenshot(path=f"{SHOTS}-3-admin-approved.png", full_page=True)
    admin_context.close()
    campaign.refresh_from_db()
    assert campaign.status == "running"

    # --- a visitor opens the co-branded landing page in Spanish ---------------------------------
    visitor_context, visitor = _new_page(browser, live_server, "es-ES")
    visitor.goto(f"{base}/es/c/{campaign.slug}/")
    assert visitor.locator("html").get_attribute("lang") == "es"
    assert (
        visitor.locator('[data-testid="campaign-headline"]').inner_text() == "Aprende a gestionar tu dinero"
    )
    assert "Silk Road Bank" in visitor.locator('[data-testid="cobrand"]').inner_text() or (
        "Banco Ruta de la Seda" in visitor.locator('[data-testid="cobrand"]').inner_text()
    )
    assert visitor.locator('[data-testid="campaign-code"]').inner_text() == "BANK10"
    card = visitor.locator(f'[data-testid="campaign-course"][data-slug="{course.slug}"]')
    assert "Finanzas personales básicas" in card.inner_text()
    assert "24,30" in card.locator('[data-testid="campaign-price"]').inner_text()  # 27,00 € less 10 %
    visitor.screenshot(path=f"{SHOTS}-4-landing-es.png", full_page=True)

    # --- ...buys the course with the code, signing in on the way --------------------------------
    with visitor.expect_navigation():
        card.locator('button[name="buy_now"]').click()
    assert "/es/accounts/login/" in visitor.url, visitor.url
    login_form = visitor.locator('[data-testid="login-form"]')
    login_form.locator('input[name="username"]').fill("lucia")
    login_form.locator('input[name="password"]').fill("lucia-pass")
    with visitor.expect_navigation():
        login_form.locator('button[type="submit"]').click()
    assert "/es/checkout/" in visitor.url, visitor.url
    checkout = visitor.locator('[data-testid="checkout-form"]')
    assert checkout.locator('input[name="discount_code"]').input_value() == "BANK10"
    checkout.locator('input[name="token"][value="tok_success"]').check()
    visitor.screenshot(path=f"{SHOTS}-5-checkout-es.png", full_page=True)
    with visitor.expect_navigation():
        checkout.locator('[data-testid="pay"]').click()
    assert visitor.locator('[data-testid="order-status"]').get_attribute("data-status") == "paid"
    visitor.screenshot(path=f"{SHOTS}-6-order-es.png", full_page=True)
    visitor_context.close()

    order = Order.objects.get(user=cast["visitor"])
    assert (order.currency, order.subtotal, order.discount, order.total) == (
        "EUR",
        Decimal("27.00"),
        Decimal("2.70"),
        Decimal("24.30"),
    )
    assert order.campaign_id == campaign.pk
    attribution = OrderAttribution.objects.get(campaign=campaign)
    assert (attribution.reason, attribution.code.code, attribution.order_ref) == (
        "code",
        "BANK10",
        str(order.number),
    )
    assert DiscountCode.objects.get(code="BANK10").redemptions_count == 1
    bank_entry = LedgerEntry.objects.get(order=order, party=f"partner:{cast['bank'].pk}")
    assert bank_entry.amount == Decimal("2.43")  # the bank's 10 % of 24,30 €
    assert sum(LedgerEntry.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("24.30")

    # --- the partner admin sees the order as attributed in the portal ---------------------------
    page.goto(detail_url)
    attributions = page.locator('[data-testid="attributions"] tbody')
    # one order is a group below the minimum size: the figure is hidden and so is the single
    # order (its number, time and amount would point at the learner)
    assert str(order.number) not in attributions.inner_text()
    assert page.locator('[data-testid="orders-hidden"]').count() == 1
    assert page.locator('[data-testid="attributed-orders"]').inner_text() == "fewer than 10"
    page.screenshot(path=f"{SHOTS}-7-portal-attributed.png", full_page=True)

    # --- and the dashboard lists the campaign with its order --------------------------------------
    page.goto(f"{base}/en/partner/")
    row = page.locator(f'[data-testid="dashboard-campaigns"] tr[data-campaign="{campaign.slug}"]')
    assert row.count() == 1
    assert row.locator("td").nth(4).inner_text() == "fewer than 10"
