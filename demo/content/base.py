"""Shapes of the hand-written demo content.

Every user-facing text is a ``Text``: the same words in the four content languages, in the
order of ``LANGS`` (English, Simplified Chinese, Japanese, Spanish). All of it was written
for Zhiqiao's demo; none is copied from elsewhere."""

from dataclasses import dataclass, field
from decimal import Decimal

# Field suffixes of modeltranslation, in the order of every ``Text`` tuple.
LANGS: tuple[str, ...] = ("en", "zh_hans", "ja", "es")

Text = tuple[str, str, str, str]


def translated(name: str, text: Text) -> dict[str, str]:
    """``("title", ("A", "甲", ...))`` -> ``{"title_en": "A", "title_zh_hans": "甲", ...}``."""
    return {f"{name}_{lang}": value for lang, value in zip(LANGS, text, strict=True)}


# Price tiers: a sensible price in every currency (JPY has no minor unit). Tier 0 is free.
PRICE_TIERS: dict[int, dict[str, Decimal]] = {
    0: {"CNY": Decimal("0"), "USD": Decimal("0"), "JPY": Decimal("0"), "EUR": Decimal("0")},
    1: {"CNY": Decimal("69.00"), "USD": Decimal("9.99"), "JPY": Decimal("1500"), "EUR": Decimal("9.49")},
    2: {"CNY": Decimal("129.00"), "USD": Decimal("19.99"), "JPY": Decimal("2900"), "EUR": Decimal("18.99")},
    3: {"CNY": Decimal("199.00"), "USD": Decimal("29.00"), "JPY": Decimal("4200"), "EUR": Decimal("27.00")},
    4: {"CNY": Decimal("299.00"), "USD": Decimal("44.00"), "JPY": Decimal("6400"), "EUR": Decimal("41.00")},
    5: {"CNY": Decimal("499.00"), "USD": Decimal("69.00"), "JPY": Decimal("9800"), "EUR": Decimal("64.00")},
    6: {
        "CNY": Decimal("899.00"),
        "USD": Decimal("129.00"),
        "JPY": Decimal("18800"),
        "EUR": Decimal("119.00"),
    },
}


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: Text
    description: Text
    cover_color: str
    parent: str | None = None


@dataclass(frozen=True)
class InstructorSpec:
    slug: str
    name: Text
    headline: Text
    bio: Text
    revenue_share: Decimal = Decimal("0.3000")


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    category: str
    instructor: str
    title: Text
    subtitle: Text
    description: Text
    format: str = "video"
    level: str = "beginner"
    language: str = "en"
    tier: int = 3
    tags: tuple[str, ...] = field(default_factory=tuple)
    # (title, subtitle, description) in Arabic, from demo/content/arabic.py (filled in by
    # demo/steps/catalog.py); empty until then, and modeltranslation falls back to English.
    arabic: tuple[str, str, str] = ("", "", "")
