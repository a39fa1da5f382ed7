"""Reads: theme pages, the recommender's theme features and the market figures (per
language x country: stars, sentiment, completion, refunds), each a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Avg, CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from commerce.models import Order, OrderLine
from courses.models import Course, Enrollment, Review
from courses.selectors import course_list

from .models import ReviewSentiment, SentimentAlert, SentimentModelRun, Theme, ThemeProposal

ACCEPTED = ThemeProposal.Status.ACCEPTED


def _accepted_on_published(theme_field: str = "theme") -> Exists:
    return Exists(
        ThemeProposal.objects.filter(
            **{theme_field: OuterRef("pk")}, status=ACCEPTED, course__is_published=True
        )
    )


def theme_index() -> QuerySet[Theme]:
    """Themes with at least one accepted, published course, with their course count (one query)."""
    return (
        Theme.objects.filter(_accepted_on_published())
        .annotate(
            course_count=Count(
                "proposals", filter=Q(proposals__status=ACCEPTED, proposals__course__is_published=True)
            )
        )
        .order_by("-course_count", "-rank", "slug")
    )


def theme_detail(*, slug: str) -> Theme:
    """Raises ``Theme.DoesNotExist`` for an unknown theme or one staff accepted nowhere."""
    return Theme.objects.filter(_accepted_on_published()).get(slug=slug)


def theme_courses(*, theme: Theme, currency: str) -> QuerySet[Course]:
    """The theme's accepted published courses, as catalog cards (the catalog's queries)."""
    accepted = ThemeProposal.objects.filter(course=OuterRef("pk"), theme=theme, status=ACCEPTED)
    return course_list(currency=currency, ordering="popular").filter(Exists(accepted))


def accepted_theme_pairs(course_ids: Iterable[int] | None = None) -> list[tuple[int, int, float]]:
    """(course id, theme id, score) of every accepted proposal: the recommender's item side
    features (one query)."""
    rows = ThemeProposal.objects.filter(status=ACCEPTED)
    if course_ids is not None:
        rows = rows.filter(course_id__in=list(course_ids))
    return list(rows.order_by("course_id", "theme_id").values_list("course_id", "theme_id", "score"))


# --- Markets --------------------------------------------------------------------------------

# A learner without a profile or a country still belongs to a market: the unknown one.
EMPTY = Value("", output_field=CharField())
MARKET_FIGURES = (
    "reviews",
    "average_rating",
    "scored",
    "positive",
    "negative",
    "positive_share",
    "enrollments",
    "completed",
    "completion_rate",
    "orders",
    "refunded",
    "refund_rate",
)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def market_rows(*, course_ids: Iterable[int] | None = None) -> list[dict]:
    """One row per market (content language x learner's country) with the review, sentiment,
    completion and refund figures, in three aggregate queries whatever the data size.
    ``course_ids`` narrows every figure to those courses (a partner's campaign)."""
    reviews = Review.objects.all()
    enrollments = Enrollment.objects.filter(is_active=True)
    orders = Order.objects.filter(paid_at__isnull=False)
    if course_ids is not None:
        ids = list(course_ids)
        reviews = reviews.filter(course_id__in=ids)
        enrollments = enrollments.filter(course_id__in=ids)
        orders = orders.filter(Exists(OrderLine.objects.filter(order=OuterRef("pk"), course_id__in=ids)))
    markets: dict[tuple[str, str], dict] = {}

    def row(language: str, country: str) -> dict:
        key = (language or "", country or "")
        if key not in markets:
            markets[key] = {"language": key[0], "country": key[1], **dict.fromkeys(MARKET_FIGURES, 0)}
        return markets[key]

    positive = Q(sentiment__label=ReviewSentiment.Label.POSITIVE)
    negative = Q(sentiment__label=ReviewSentiment.Label.NEGATIVE)
    for item in (
        reviews.values("language", country=Coalesce("user__profile__country", EMPTY))
        .annotate(
            n=Count("pk"),
            stars=Avg("rating"),
            scored=Count("sentiment"),
            pos=Count("pk", filter=positive),
            neg=Count("pk", filter=negative),
        )
        .order_by()
    ):
        target = row(item["language"], item["country"])
        target.update(
            reviews=item["n"],
            average_rating=round(float(item["stars"]), 2) if item["stars"] is not None else None,
            scored=item["scored"],
            positive=item["pos"],
            negative=item["neg"],
            positive_share=_share(item["pos"], item["scored"]),
        )
    for item in (
        enrollments.values(
            language=Coalesce("user__profile__preferred_language", EMPTY),
            country=Coalesce("user__profile__country", EMPTY),
        )
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False)))
        .order_by()
    ):
        target = row(item["language"], item["country"])
        target.update(
            enrollments=item["n"], completed=item["done"], completion_rate=_share(item["done"], item["n"])
        )
    for item in (
        orders.values("language", country=Coalesce("user__profile__country", EMPTY))
        .annotate(n=Count("pk"), refunded=Count("pk", filter=Q(amount_refunded__gt=0)))
        .order_by()
    ):
        target = row(item["language"], item["country"])
        target.update(
            orders=item["n"], refunded=item["refunded"], refund_rate=_share(item["refunded"], item["n"])
        )
    for target in markets.values():
        if not target["reviews"]:
            target["average_rating"] = None
            target["positive_share"] = None
        target["completion_rate"] = target["completion_rate"] if target["enrollments"] else None
        target["refund_rate"] = target["refund_rate"] if target["orders"] else None
    return sorted(
        markets.values(), key=lambda r: (-r["reviews"], -r["enrollments"], r["language"], r["country"])
    )


def recent_alerts(*, limit: int = 20) -> list[SentimentAlert]:
    return list(SentimentAlert.objects.select_related("course").order_by("-day", "-id")[:limit])


def latest_sentiment_run() -> SentimentModelRun | None:
    return SentimentModelRun.objects.order_by("-created_at", "-id").first()
