"""Arabic in a real browser: the catalog, a purchase and the partner portal read right to
left (``dir="rtl"``), mirrored by the stylesheet's logical sides (the header's start edge,
the brand, is on the right; the portal's menu stands on the right with its rule on its
right), with money in CLDR's Arabic form and no horizontal scrolling at 390 px."""

from decimal import Decimal

import pytest

from commerce.models import Order
from core.money import format_money
from partners.models import PartnerMember
from tests.campaigns.factories import PartnerFactory, PartnerMemberFactory
from tests.factories import (
    CourseFactory,
    InstructorFactory,
    LearnerProfileFactory,
    LessonFactory,
    SectionFactory,
    UserFactory,
)

from .layout import audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/zq-e2e-ar"
PHONE, DESKTOP = 390, 1280


def _user(username: str, password: str, **extra):
    user = UserFactory(username=username, **extra)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def tea():
    course = CourseFactory(
        slug="tea-ceremony",
        title_en="The Way of Tea",
        title_ar="طريق الشاي",
        subtitle_ar="حضّر الشاي الصيني وتذوّقه وقدّمه في بيتك",
        instructor=InstructorFactory(name_en="Lin Mei", name_ar="لين مي"),
        prices={"USD": Decimal("1234.50"), "CNY": Decimal("88.00")},
    )
    section = SectionFactory(course=course, title_ar="الماء والأوراق", position=0)
    LessonFactory(section=section, title_ar="الدرس الأول", position=0, is_preview=False)
    return course


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def _no_horizontal_scroll(page) -> bool:
    overflow = page.evaluate(
        """() => [document.documentElement.scrollWidth, window.innerWidth,
        [...document.querySelectorAll('body *')].filter(e => {
            const r = e.getBoundingClientRect();
            const out = r.left < -1 || r.right > window.innerWidth + 1;
            return r.width > 0 && out && !e.matches('.skip-link');
        }).slice(0, 5).map(e => e.tagName + '.' + e.className)]"""
    )
    assert overflow[0] <= overflow[1], overflow
    return True


def test_catalog_reads_right_to_left(page, live_server, tea):
    page.goto(f"{live_server.url}/ar/courses/?currency=USD")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    # The header's start (the brand) is on the right, its end (the menu) on the left.
    brand, nav, bar = _box(page, ".brand"), _box(page, ".site-nav"), _box(page, ".header-bar")
    assert brand["x"] > nav["x"] + nav["width"] / 2
    assert abs((brand["x"] + brand["width"]) - (bar["x"] + bar["width"])) < 2
    card = page.locator(".card", has_text="طريق الشاي")
    assert card.count() == 1
    assert format_money(Decimal("1234.50"), "USD", "ar") in card.inner_text()
    page.screenshot(path=f"{SHOTS}-catalog-{DESKTOP}.png", full_page=True)

    page.set_viewport_size({"width": PHONE, "height": 844})
    page.reload()
    assert _no_horizontal_scroll(page)
    assert audit(page) == []
    page.screenshot(path=f"{SHOTS}-catalog-{PHONE}.png", full_page=True)

    page.goto(f"{live_server.url}/ar/courses/tea-ceremony/?currency=USD")
    assert page.locator("h1.course-title").inner_text() == "طريق الشاي"
    assert _no_horizontal_scroll(page)
    assert audit(page) == []
    page.screenshot(path=f"{SHOTS}-course-{PHONE}.png", full_page=True)


def test_purchase_in_arabic(page, login, live_server, tea):
    learner = _user("amira", "amira-pass")
    LearnerProfileFactory(user=learner, preferred_language="ar")
    base = live_server.url
    page.set_viewport_size({"width": PHONE, "height": 844})

    login(page, "amira", "amira-pass", language="ar")
    page.goto(f"{base}/ar/courses/tea-ceremony/?currency=USD")
    with page.expect_navigation():
        page.locator('[data-testid="buy-box"] form.buy-form button:not([name="buy_now"])').click()

    assert page.url.startswith(f"{base}/ar/cart/")
    shown_total = format_money(Decimal("1234.50"), "USD", "ar")
    assert page.locator('[data-testid="cart-total"]').inner_text().strip() == shown_total
    assert _no_horizontal_scroll(page)
    page.screenshot(path=f"{SHOTS}-cart-{PHONE}.png", full_page=True)

    with page.expect_navigation():
        page.locator('[data-testid="go-to-checkout"]').click()
    form = page.locator('[data-testid="checkout-form"]')
    form.locator('input[name="token"][value="tok_success"]').check()
    assert _no_horizontal_scroll(page)
    with page.expect_navigation():
        form.locator('[data-testid="pay"]').click()

    assert page.locator('[data-testid="order-status"]').get_attribute("data-status") == "paid"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator('[data-testid="order-total"]').inner_text().strip() == shown_total
    # The amounts column is at the end of the row: on the left in Arabic.
    total, label = _box(page, '[data-testid="order-total"]'), _box(page, "tfoot th")
    assert total["x"] < label["x"]
    assert _no_horizontal_scroll(page)
    page.screenshot(path=f"{SHOTS}-order-{PHONE}.png", full_page=True)
    order = Order.objects.get(user=learner)
    assert (order.status, order.currency, order.total) == ("paid", "USD", Decimal("1234.50"))
    assert order.language == "ar"


def test_portal_in_arabic(page, login, live_server, tea):
    bank = PartnerFactory(slug="bank", name_en="Silk Road Bank", name_ar="بنك طريق الحرير")
    PartnerMemberFactory(partner=bank, user=_user("bank-admin", "bank-admin"), role=PartnerMember.Role.OWNER)

    login(page, "bank-admin", "bank-admin", language="ar")
    page.goto(f"{live_server.url}/ar/partner/")

    assert page.locator("html").get_attribute("dir") == "rtl"
    # The portal's menu is the start column: on the right, with its rule on its right side.
    menu, main = _box(page, ".portal-nav"), _box(page, ".portal-layout > :last-child")
    assert menu["x"] > main["x"]
    rule = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('.portal-nav'));"
        " return [s.borderRightWidth, s.borderLeftWidth]; })()"
    )
    assert rule == ["4px", "0px"]
    assert "بنك طريق الحرير" in page.locator('[data-testid="portal-brand"]').inner_text()
    page.screenshot(path=f"{SHOTS}-portal-{DESKTOP}.png", full_page=True)

    page.set_viewport_size({"width": PHONE, "height": 844})
    page.reload()
    assert _no_horizontal_scroll(page)
    assert audit(page) == []
    page.screenshot(path=f"{SHOTS}-portal-{PHONE}.png", full_page=True)
