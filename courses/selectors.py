"""Catalog reads. Each returns a queryset whose page costs a fixed number of queries:
the price in the visitor's currency and the category/instructor come with the rows, tags
and (on the course page) the syllabus are prefetched in one query each."""

from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from .models import Category, Course, Lesson, LiveSession, Price, Section, Tag

ORDERINGS = {
    "popular": ("-enrollment_count", "slug"),
    "newest": ("-published_at", "slug"),
    "rating": ("-rating_average", "-rating_count", "slug"),
    "price": ("price_amount", "slug"),
    "-price": ("-price_amount", "slug"),
    "title": ("title", "slug"),
}
DEFAULT_ORDERING = "popular"


def category_list() -> QuerySet[Category]:
    """Top categories and subcategories, each with its published course count."""
    return (
        Category.objects.select_related("parent")
        .annotate(course_count=Count("courses", filter=Q(courses__is_published=True)))
        .order_by("parent_id", "position", "slug")
    )


def category_slugs_existing(slugs: set[str]) -> set[str]:
    """The slugs among ``slugs`` that name a category (one query)."""
    return set(Category.objects.filter(slug__in=slugs).values_list("slug", flat=True))


def category_interest_choices() -> list:
    """Every category as a form choice, grouped under its top category (one query)."""
    categories = list(Category.objects.select_related("parent").order_by("parent_id", "position", "slug"))
    children: dict[int, list] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    choices = []
    for top in (c for c in categories if c.parent_id is None):
        subs = children.get(top.pk, [])
        if subs:
            group = [(top.slug, _("All of %(category)s") % {"category": top.name})]
            choices.append((top.name, group + [(child.slug, child.name) for child in subs]))
        else:
            choices.append((top.slug, top.name))
    return choices


def _price_subquery(currency: str) -> Subquery:
    return Subquery(Price.objects.filter(course=OuterRef("pk"), currency=currency).values("amount")[:1])


def course_search(queryset: QuerySet[Course], query: str) -> QuerySet[Course]:
    """Every whitespace-separated term must occur in some language's text.

    CJK text has no word boundaries, so each term is a substring match (``ILIKE``,
    served by a pg_trgm GIN index on PostgreSQL). On PostgreSQL the results are also
    ranked by trigram similarity when no other ordering is asked for."""
    terms = [term.lower() for term in query.split() if term.strip()][:8]
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
    return queryset


def course_list(
    *,
    currency: str,
    query: str = "",
    category: str = "",
    course_format: str = "",
    level: str = "",
    language: str = "",
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    ordering: str = "",
    tag: str = "",
) -> QuerySet[Course]:
    """Published courses with ``price_amount`` in ``currency``; filters are optional and
    an unknown ordering falls back to the default. ``category`` matches a top category
    (all its subcategories) or a subcategory."""
    queryset = (
        Course.objects.filter(is_published=True)
        # The search column holds every language's text: large, and never shown.
        .defer("search_text")
        .select_related("category", "category__parent", "instructor")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
        .annotate(price_amount=_price_subquery(currency), price_currency=Value(currency))
    )
    if query:
        queryset = course_search(queryset, query)
    if category:
        queryset = queryset.filter(Q(category__slug=category) | Q(category__parent__slug=category))
    if course_format:
        queryset = queryset.filter(format=course_format)
    if level:
        queryset = queryset.filter(level=level)
    if language:
        queryset = queryset.filter(language=language)
    if tag:
        queryset = queryset.filter(tags__slug=tag)
    if price_min is not None:
        queryset = queryset.filter(price_amount__gte=price_min)
    if price_max is not None:
        queryset = queryset.filter(price_amount__lte=price_max)
    if ordering not in ORDERINGS and query and connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramWordSimilarity

        # pg_trgm sees a run of CJK characters as one word, so a Chinese or Japanese
        # query scores 0 against every row; a hit in some language's title lifts those
        # courses above hits in descriptions or tags.
        in_title = Q()
        for lang in settings.MODELTRANSLATION_LANGUAGES:
            in_title |= Q(**{f"{build_localized_fieldname('title', lang)}__icontains": query.strip()})
        return queryset.annotate(
            relevance=Coalesce(TrigramWordSimilarity(Value(query.lower()), "search_text"), 0.0)
            + Case(When(in_title, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
        ).order_by("-relevance", *ORDERINGS[DEFAULT_ORDERING])
    return queryset.order_by(*ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING]))


def course_detail(*, slug: str, currency: str, include_unpublished: bool = False) -> Course:
    """One course with everything its page shows, in a fixed number of queries whatever
    the number of sections, lessons and sessions. Raises ``Course.DoesNotExist``."""
    queryset = Course.objects.all() if include_unpublished else Course.objects.filter(is_published=True)
    upcoming = LiveSession.objects.filter(starts_at__gte=timezone.now()).order_by("starts_at", "id")
    return (
        queryset.select_related("category", "category__parent", "instructor")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("slug")),
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("position", "id").prefetch_related(
                    Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
                ),
            ),
            Prefetch("live_sessions", queryset=upcoming, to_attr="upcoming_sessions"),
            Prefetch("prices", queryset=Price.objects.order_by("currency")),
        )
        .annotate(price_amount=_price_subquery(currency), price_currency=Value(currency))
        .get(slug=slug)
    )
