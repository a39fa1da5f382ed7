"""Bundles and membership plans: a home-living bundle and a personal-finance bundle, a
monthly all-access membership that renews and a yearly one. Idempotent: rows are matched
on slugs. Nobody is subscribed here: a membership enrolls its member in every course of its
categories, which would reshape the demo learner's history and recommendations."""

import random
from decimal import Decimal

from courses.models import Category, Course
from demo.upsert import upsert
from plans.models import Bundle, BundlePrice, Plan, PlanPrice

BUNDLES = [
    (
        "home-living-bundle",
        (
            "Home living bundle",
            "家居生活套餐",
            "住まいと暮らしバンドル",
            "Paquete hogar y vida",
            "باقة البيت والمعيشة",
        ),
        "home-living",
        {"CNY": "299.00", "USD": "49.00", "JPY": "6900", "EUR": "45.00"},
    ),
    (
        "money-basics-bundle",
        (
            "Money basics bundle",
            "理财入门套餐",
            "お金の基本バンドル",
            "Paquete finanzas básicas",
            "باقة أساسيات المال",
        ),
        "personal-finance",
        {"CNY": "259.00", "USD": "39.00", "JPY": "5800", "EUR": "36.00"},
    ),
]
PLANS = [
    (
        "all-access-monthly",
        (
            "All-access membership (monthly)",
            "全站会员（月度）",
            "全コース見放題（月額）",
            "Membresía total (mensual)",
            "عضوية شاملة (شهرية)",
        ),
        "month",
        True,
        {"CNY": "68.00", "USD": "12.00", "JPY": "1500", "EUR": "11.00"},
    ),
    (
        "all-access-yearly",
        (
            "All-access membership (yearly)",
            "全站会员（年度）",
            "全コース見放題（年額）",
            "Membresía total (anual)",
            "عضوية شاملة (سنوية)",
        ),
        "year",
        True,
        {"CNY": "588.00", "USD": "99.00", "JPY": "12800", "EUR": "92.00"},
    ),
]
LANGS = ("en", "zh_hans", "ja", "es", "ar")


def _titles(titles: tuple[str, ...]) -> dict:
    return {f"title_{lang}": title for lang, title in zip(LANGS, titles, strict=True)}


def run(*, rng: random.Random, options: dict, stdout) -> None:
    courses = Course.objects.filter(is_published=True).exclude(format=Course.Format.LIVE)
    # upsert writes only what differs, so a rerun leaves every row (and updated_at) as it was.
    bundles = upsert(
        Bundle, key=("slug",), rows=[{"slug": slug, **_titles(titles)} for slug, titles, _c, _p in BUNDLES]
    )
    for slug, _, category, _ in BUNDLES:
        picked = list(
            courses.filter(category__slug=category).order_by("pk")[:3]
            or courses.filter(category__parent__slug=category).order_by("pk")[:3]
        )
        if picked:
            bundles[(slug,)].courses.set(picked)
    upsert(
        BundlePrice,
        key=("bundle_id", "currency"),
        rows=[
            {"bundle_id": bundles[(slug,)].pk, "currency": currency, "amount": Decimal(amount)}
            for slug, _t, _c, prices in BUNDLES
            for currency, amount in prices.items()
        ],
    )
    plans = upsert(
        Plan,
        key=("slug",),
        rows=[
            {"slug": slug, **_titles(titles), "interval": interval, "renews": renews}
            for slug, titles, interval, renews, _p in PLANS
        ],
    )
    tops = list(Category.objects.filter(parent__isnull=True).order_by("position", "pk"))
    for plan in plans.values():
        plan.categories.set(tops)
    upsert(
        PlanPrice,
        key=("plan_id", "currency"),
        rows=[
            {"plan_id": plans[(slug,)].pk, "currency": currency, "amount": Decimal(amount)}
            for slug, _t, _i, _r, prices in PLANS
            for currency, amount in prices.items()
        ],
    )
