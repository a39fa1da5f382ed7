"""Plans and bundles for tests, made the way staff make them in the admin."""

from decimal import Decimal

from plans.models import Bundle, BundlePrice, Plan, PlanPrice

PLAN_PRICES = {
    "USD": Decimal("10.00"),
    "CNY": Decimal("68.00"),
    "JPY": Decimal("1500"),
    "EUR": Decimal("9.00"),
}


def make_plan(
    *, slug="all-access", courses=(), categories=(), interval="month", renews=True, prices=None
) -> Plan:
    plan = Plan.objects.create(
        slug=slug,
        title_en=f"Plan {slug}",
        title_zh_hans=f"会员 {slug}",
        title_ja=f"プラン {slug}",
        title_es=f"Plan {slug}",
        interval=interval,
        renews=renews,
    )
    plan.courses.set(courses)
    plan.categories.set(categories)
    PlanPrice.objects.bulk_create(
        [PlanPrice(plan=plan, currency=c, amount=a) for c, a in (prices or PLAN_PRICES).items()]
    )
    return plan


def make_bundle(*, slug="starter-pack", courses=(), prices=None) -> Bundle:
    bundle = Bundle.objects.create(slug=slug, title_en=f"Bundle {slug}", title_zh_hans=f"套餐 {slug}")
    bundle.courses.set(courses)
    BundlePrice.objects.bulk_create(
        [
            BundlePrice(bundle=bundle, currency=c, amount=a)
            for c, a in (prices or {"USD": Decimal("50.00"), "JPY": Decimal("7000")}).items()
        ]
    )
    return bundle
