"""Bundles and membership plans: a home-living bundle and a personal-finance bundle, a
monthly all-access membership that renews and a yearly one. Idempotent: rows are matched
on slugs. Nobody is subscribed here: a membership enrolls its member in every course of its
categories, which would reshape the demo learner's history and recommendations."""

import random
from decimal import Decimal

from courses.models import Category, Course
from plans.models import Bundle, BundlePrice, Plan, PlanPrice

BUNDLES = [
    (
        "home-living-bundle",
        ("Home living bundle", "家居生活套餐", "住まいと暮らしバンドル", "Paquete hogar y vida"),
        "home-living",
        {"CNY": "299.00", "USD": "49.00", "JPY": "6900", "EUR": "45.00"},
    ),
    (
        "money-basics-bundle",
        ("Money basics bundle", "理财入门套餐", "お金の基本バンドル", "Paquete finanzas básicas"),
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
        ),
        "year",
        True,
        {"CNY": "588.00", "USD": "99.00", "JPY": "12800", "EUR": "92.00"},
    ),
]
LANGS = ("en", "zh_hans", "ja", "es")


def _titles(titles: tuple[str, ...]) -> dict:
    return {f"title_{lang}": title for lang, title in zip(LANGS, titles, strict=True)}


def _prices(model, owner_field: str, owner, prices: dict) -> None:
    for currency, amount in prices.items():
        model.objects.update_or_create(
            **{owner_field: owner, "currency": currency}, defaults={"amount": Decimal(amount)}
        )


def run(*, rng: random.Random, options: dict, stdout) -> None:
    courses = Course.objects.filter(is_published=True).exclude(format=Course.Format.LIVE)
    for slug, titles, category, prices in BUNDLES:
        bundle, _created = Bundle.objects.update_or_create(slug=slug, defaults=_titles(titles))
        picked = list(
            courses.filter(category__slug=category).order_by("pk")[:3]
            or courses.filter(category__parent__slug=category).order_by("pk")[:3]
        )
        if picked:
            bundle.courses.set(picked)
        _prices(BundlePrice, "bundle", bundle, prices)
    tops = list(Category.objects.filter(parent__isnull=True).order_by("position", "pk"))
    for slug, titles, interval, renews, prices in PLANS:
        plan, _created = Plan.objects.update_or_create(
            slug=slug, defaults={**_titles(titles), "interval": interval, "renews": renews}
        )
        plan.categories.set(tops)
        _prices(PlanPrice, "plan", plan, prices)
