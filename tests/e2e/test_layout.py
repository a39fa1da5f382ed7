"""Every storefront, learning and portal page at 390 px (a phone) and 1280 px (a desktop),
in every language: no horizontal scroll, nothing clipped, tap targets of 44 px on the phone
(tests/e2e/layout.py), and no serious or critical axe-core violation.

Cost is bounded: the demo data is seeded once for the module, one browser context per role
(visitor, learner, partner admin) signs in once, and there is one test per page; each test
walks the five languages at both widths in the same browser page. axe-core (the copy
shipped in the pinned ``axe-playwright-python`` package) runs on the phone width in every
language and on the desktop width in English.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, sign_in
from tests.e2e.layout import audit

# Each test runs in a transaction of its own (rolled back, and empty: the browser does the
# work), while the demo seeded by the module fixture is committed for the live server's
# thread to see. ``transaction=True`` would flush the demo after the first test.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

LANGUAGES = ("en", "zh-hans", "ja", "es", "ar")
PHONE, DESKTOP = 390, 1280
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """A live server over a small demo (the same seed as `make run`, fewer learners), kept
    for the whole module and flushed afterwards so later tests start from an empty base."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        # A short, thin campaign history: the pages show figures without seeding 60 days.
        call_command(
            "seed_demo",
            learners=40,
            courses=24,
            interactions=600,
            history_days=10,
            history_scale=0.1,
            verbosity=0,
        )
        # The nightly cultural jobs, and staff accepting every proposed theme: theme pages
        # and market figures have something to show.
        from culture.models import ThemeProposal

        call_command("mine_themes", stdout=StringIO())
        call_command("train_sentiment", stdout=StringIO())
        ThemeProposal.objects.update(status=ThemeProposal.Status.ACCEPTED)
        _join_membership()
        server = LiveServer("localhost")
        try:
            yield {"url": server.url, "paths": _paths()}
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


def _join_membership() -> None:
    """The demo learner joins a yearly plan through the real checkout, so "my membership"
    shows a live membership with its dates and the cancel button. The plan holds one course
    the learner already owns, so no other page (cart, checkout, my learning) changes."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from commerce.services import order_checkout
    from courses.models import Enrollment
    from plans.models import Plan, PlanPrice

    learner = get_user_model().objects.get(username="learner")
    owned = Enrollment.objects.filter(user=learner, is_active=True).order_by("pk").first()
    plan = Plan.objects.create(
        slug="layout-membership",
        title_en="Yearly membership",
        title_zh_hans="年度会员",
        title_ja="年間メンバーシップ",
        title_es="Membresía anual",
        title_ar="عضوية سنوية",
        interval="year",
    )
    plan.courses.add(owned.course)
    PlanPrice.objects.create(plan=plan, currency="USD", amount=Decimal("99.00"))
    order_checkout(
        user=learner,
        items=[{"plan": plan.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_success"},
    )
    # Renewed by hand (as one paid with WeChat Pay) and two days from its end: the page
    # shows the date to renew by and the "Renew now" button, the longest state it has.
    from datetime import timedelta

    from django.utils import timezone

    from commerce.models import Subscription

    Subscription.objects.filter(user=learner, plan=plan).update(
        renewal="manual", current_period_end=timezone.now() + timedelta(days=2)
    )


def _pending_wechat_order() -> str:
    """A pending WeChat Pay order of the learner with its code to scan, for the QR page,
    and a course in the learner's cart, so the checkout pages show the payment methods."""
    from decimal import Decimal

    from accounts.models import User
    from commerce.models import Order
    from commerce.payment_methods import qr_remember
    from commerce.services import cart_add
    from courses.models import Course

    learner = User.objects.get(username="learner")
    for_sale = (
        Course.objects.filter(is_published=True, format="video", prices__currency="CNY")
        .exclude(enrollments__user=learner)
        .order_by("pk")
        .first()
    )
    cart_add(user=learner, course_slug=for_sale.slug)
    order = Order.objects.create(
        user=learner,
        currency="CNY",
        subtotal=Decimal("199.00"),
        discount=Decimal("0"),
        total=Decimal("199.00"),
        amount_refunded=Decimal("0"),
        provider="wechatpay",
    )
    qr_remember(order.number, "weixin://wxpay/bizpayurl?pr=layoutTest")
    return str(order.number)


@pytest.fixture(autouse=True)
def _cn_payment_methods(settings):
    """WeChat Pay and Alipay are offered beside the sandbox, so the CNY checkout shows
    the method choice (the providers' classes are only looked at, never built)."""
    settings.PAYMENT_PROVIDERS_ENABLED = ["sandbox", "wechatpay", "alipay"]


def _paid_order(key: str = "layout-order"):
    """The demo learner's enrollments come without orders: buy one more course through the
    real checkout (sandbox) for the order and invoice pages."""
    from django.contrib.auth import get_user_model

    from commerce.models import CartLine
    from commerce.services import order_checkout
    from courses.models import Course

    learner = get_user_model().objects.get(username="learner")
    course = (
        Course.objects.filter(is_published=True, prices__currency="CNY")
        .exclude(format="live")
        .exclude(enrollments__user=learner)
        .exclude(pk__in=CartLine.objects.filter(cart__user=learner).values("course_id"))
        .order_by("pk")
        .first()
    )
    return order_checkout(
        user=learner,
        items=[{"course": course.slug}],
        currency="CNY",
        payment={"provider": "sandbox", "token": "tok_success"},
        idempotency_key=key,
    ).order


def _invoice_needing_reversal():
    """A paid order whose invoice was issued and then partly refunded: the order page shows
    the invoice waiting for its red-letter reversal (红冲) beside the refund."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from commerce.services import order_refund
    from invoices.services import invoice_issue, invoice_request

    order = _paid_order("layout-reversal-order")
    staff = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    invoice = invoice_request(
        user=order.user,
        order_number=order.number,
        title_kind="company",
        title="上海知桥教育科技有限公司",
        tax_number="91110000600037341L",
        email="learner@example.com",
    )
    pdf = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    invoice_issue(invoice_id=invoice.pk, pdf=pdf, invoice_number="24312000000012345678", staff_user=staff)
    order_refund(order=order, amount=Decimal("1.00"), reason="layout", staff_user=staff)
    order.refresh_from_db()
    return order


def _plan_grants(campaign) -> None:
    """The bank's campaign gives a membership to the bank's pushed customers; two are
    granted (one claimed by a linked learner's account is not needed for the layout), so
    the grant page shows its form and a table with rows."""
    import hashlib

    from campaigns.services import campaign_plan_grant_for_customer
    from plans.models import Plan

    campaign.granted_plan = Plan.objects.get(slug="all-access-monthly")
    campaign.save(update_fields=["granted_plan"])
    for number in range(2):
        campaign_plan_grant_for_customer(
            campaign=campaign,
            partner=campaign.partner,
            external_id=hashlib.sha256(f"bank-crm-{number}".encode()).hexdigest(),
        )


def _paths() -> dict[str, str]:
    from campaigns.models import Campaign
    from courses.models import Course, Enrollment, Lesson

    enrollment = (
        Enrollment.objects.filter(user__username="learner").select_related("course").order_by("pk").first()
    )
    lesson = Lesson.objects.filter(section__course=enrollment.course).order_by(
        "section__position", "position"
    )
    live = Course.objects.filter(format="live", is_published=True).order_by("pk").first()
    video = Course.objects.filter(format="video", is_published=True).order_by("pk").first()
    campaign = Campaign.objects.filter(partner__slug="bank").order_by("pk").first()
    draft = _audience_draft(campaign.partner, [video.pk])
    from culture.selectors import theme_index

    qr_order = _pending_wechat_order()
    # After the WeChat order, which puts a course in the cart: the paid order takes another.
    order = _paid_order()
    reversal_order = _invoice_needing_reversal()
    _plan_grants(campaign)
    return {
        "theme": theme_index().first().slug,
        "qr_order": qr_order,
        "order": order.number,
        "reversal_order": reversal_order.number,
        "owned": enrollment.course.slug,
        "lesson": lesson.first().pk,
        "live": live.slug,
        "video": video.slug,
        "campaign_slug": campaign.slug,
        "campaign": campaign.pk,
        "draft": draft.pk,
        "instructor": video.instructor.slug,
    }


def _audience_draft(partner, course_ids: list[int]):
    """A draft aimed at every segment of the demo's recommender and all the partner's
    customers, so the draft page shows an estimate and picks (or their absence) in full."""
    from accounts.models import User
    from campaigns.services import campaign_create
    from courses.models import Course
    from recommender.audiences import active_segment_catalog
    from recommender.models import ModelVersion, Recommendation, Segment, SegmentMembership

    if not ModelVersion.objects.filter(is_active=True).exists():
        # The demo does not train the recommender: two segments with stored lists stand in
        # for a night's training (the signed-in demo learner keeps an empty list).
        version = ModelVersion.objects.create(algorithm="hybrid", status="active", is_active=True)
        learners = list(User.objects.filter(username__startswith="learner").exclude(username="learner"))
        courses = list(Course.objects.filter(is_published=True).order_by("pk")[:6])
        for number, members in enumerate((learners[::2], learners[1::2])):
            segment = Segment.objects.create(
                model_version=version,
                number=number,
                size=len(members),
                dominant_level="beginner",
                profile={"domains": [{"slug": "x", "share": 0.8, "name": {"en": "Personal finance"}}]},
            )
            SegmentMembership.objects.bulk_create(SegmentMembership(segment=segment, user=u) for u in members)
        Recommendation.objects.bulk_create(
            Recommendation(
                model_version=version, user=u, course=c, rank=r, score=1.0 / r, reason_code="popular"
            )
            for u in learners
            for r, c in enumerate(courses, 1)
        )
    return campaign_create(
        partner=partner,
        fields={"name_en": "Audience draft", "name_zh_hans": "受众草稿"},
        course_ids=course_ids,
        audience={"segments": list(active_segment_catalog().labels), "all_customers": True},
    )


@pytest.fixture(scope="module")
def pages(browser, site):
    """One page per role, signed in once."""
    opened = {}
    contexts = []
    for role in ("visitor", "learner", "bank-admin"):
        context = browser.new_context(base_url=site["url"], viewport={"width": PHONE, "height": 844})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        if role != "visitor":
            sign_in(page, site["url"], role, role)
        opened[role] = page
    yield opened
    for context in contexts:
        context.close()


def _axe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"axe {v['id']} ({v['impact']}): {node['target']}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
        for node in v["nodes"][:3]
    ]


def _check(page, load, *, status: int = 200) -> None:
    problems = []
    for language in LANGUAGES:
        for width in (PHONE, DESKTOP):
            page.set_viewport_size({"width": width, "height": 844})
            answered = load(page, language)
            where = f"{page.url} at {width}px"
            if answered is not None and answered != status:
                problems.append(f"{where}: status {answered}, expected {status}")
                continue
            problems += [f"{where}: {p}" for p in audit(page, check_targets=width == PHONE)]
            if width == PHONE or language == "en":
                problems += [f"{where}: {p}" for p in _axe(page)]
    assert not problems, "\n".join(problems)


def _goto(path: str):
    def load(page, language):
        return page.goto(path.format(lang=language)).status

    return load


STOREFRONT = {
    "home": "/{lang}/",
    "catalog": "/{lang}/courses/",
    "search": "/{lang}/courses/?q=tea",
    "course-video": "/{lang}/courses/{video}/",
    "course-live": "/{lang}/courses/{live}/",
    "campaign-landing": "/{lang}/c/{campaign_slug}/",
    "sign-in": "/{lang}/accounts/login/",
    "sign-up": "/{lang}/accounts/signup/",
    "password-reset": "/{lang}/accounts/password-reset/",
    "cart-visitor": "/{lang}/cart/",
    "reviews": "/{lang}/courses/{video}/reviews/",
    "instructor": "/{lang}/instructors/{instructor}/",
    "themes": "/{lang}/themes/",
    "theme": "/{lang}/themes/{theme}/",
    "become-partner": "/{lang}/partners/apply/",
    "phone-sign-in": "/{lang}/accounts/phone/",
    "plans": "/{lang}/plans/",
    "plan": "/{lang}/plans/all-access-monthly/",
    "bundle": "/{lang}/bundles/home-living-bundle/",
}
LEARNER = {
    "cart": "/{lang}/cart/",
    "checkout": "/{lang}/checkout/",
    "checkout-cny": "/{lang}/checkout/?currency=CNY",
    "wechat-qr": "/{lang}/orders/{qr_order}/pay/",
    "orders": "/{lang}/orders/",
    "my-learning": "/{lang}/learn/",
    "lesson": "/{lang}/learn/{owned}/lessons/{lesson}/",
    "course-owned": "/{lang}/courses/{owned}/",
    "profile": "/{lang}/accounts/profile/",
    "mfa-setup": "/{lang}/accounts/mfa/",
    "partner-consents": "/{lang}/account/partners/",
    "wishlist": "/{lang}/learn/wishlist/",
    "order": "/{lang}/orders/{order}/",
    "order-invoice-reversal": "/{lang}/orders/{reversal_order}/",
    "invoice-request": "/{lang}/orders/{order}/invoice/",
    "referrals": "/{lang}/referrals/",
    "referral-share": "/{lang}/referrals/courses/{owned}/",
    "referral-share-plan": "/{lang}/referrals/plans/all-access-monthly/",
    "membership": "/{lang}/me/membership/",
    "plan-checkout": "/{lang}/checkout/product/?plan=all-access-monthly",
    "bundle-checkout": "/{lang}/checkout/product/?bundle=money-basics-bundle",
}
PORTAL = {
    "dashboard": "/{lang}/partner/",
    "campaigns": "/{lang}/partner/campaigns/",
    "campaign": "/{lang}/partner/campaigns/{campaign}/",
    "campaign-new": "/{lang}/partner/campaigns/new/",
    "campaign-draft": "/{lang}/partner/campaigns/{draft}/",
    "campaign-draft-edit": "/{lang}/partner/campaigns/{draft}/edit/",
    "codes": "/{lang}/partner/campaigns/{campaign}/codes/",
    "links": "/{lang}/partner/campaigns/{campaign}/links/",
    "metrics": "/{lang}/partner/campaigns/{campaign}/metrics/",
    "markets": "/{lang}/partner/campaigns/{campaign}/markets/",
    "plan-grants": "/{lang}/partner/campaigns/{campaign}/plan-grants/",
    "customers": "/{lang}/partner/customers/",
    "linked-learners": "/{lang}/partner/learners/",
    "api-keys": "/{lang}/partner/api-keys/",
    "statements": "/{lang}/partner/statements/",
    "webhooks": "/{lang}/partner/webhooks/",
    "team": "/{lang}/partner/members/",
}


def _path(template: str, site) -> str:
    return template.replace("{lang}", "{{lang}}").format(**site["paths"])


@pytest.mark.parametrize("name", STOREFRONT)
def test_storefront_page(name, site, pages):
    _check(pages["visitor"], _goto(_path(STOREFRONT[name], site)))


@pytest.mark.parametrize("name", LEARNER)
def test_learning_page(name, site, pages):
    _check(pages["learner"], _goto(_path(LEARNER[name], site)))


@pytest.mark.parametrize("name", PORTAL)
def test_portal_page(name, site, pages):
    _check(pages["bank-admin"], _goto(_path(PORTAL[name], site)))


def test_not_found_page(site, pages):
    _check(pages["visitor"], _goto("/{lang}/courses/no-such-course/"), status=404)


@pytest.mark.parametrize("template", ["500.html", "503.html"])
def test_error_page_without_services(template, site, pages):
    """The 500 and 503 pages are rendered without a database or a cache, so they are put in
    the page as the server would send them (same origin, so the stylesheet loads)."""
    page = pages["visitor"]

    def load(page, language):
        page.goto("/static/css/site.css")
        with translation.override(language):
            request = RequestFactory().get(f"/{language}/")
            html = render_to_string(template, request=request)
        page.set_content(html)
        return None

    _check(page, load)
