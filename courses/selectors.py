"""Catalog reads. Each returns a queryset whose page costs a fixed number of queries:
the price in the visitor's currency and the category/instructor come with the rows, tags
and (on the course page) the syllabus are prefetched in one query each."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchQueryField
from django.db import connection
from django.db.models import (
    Count,
    F,
    FloatField,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from . import search
from .models import Category, Course, Instructor, Lesson, LiveSession, Price, Section, Tag

ORDERINGS = {
    "popular": ("-enrollment_count", "slug"),
    "newest": ("-published_at", "slug"),
    "rating": ("-rating_average", "-rating_count", "slug"),
    "price": ("price_amount", "slug"),
    "-price": ("-price_amount", "slug"),
    "title": ("title", "slug"),
}
DEFAULT_ORDERING = "popular"


_DESCRIPTION_FIELDS = ["description"] + [
    f"description_{code.replace('-', '_')}" for code, _ in settings.LANGUAGES
]


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


def _tsquery(literal: str) -> Cast:
    # A literal cast, not to_tsquery(): the words are already made by courses.search, and
    # PostgreSQL's parser would drop CJK characters under the C locale.
    return Cast(Value(literal), output_field=SearchQueryField())


# A search ranks at most this many matching courses, the most popular ones (25 pages of
# 20): its cost is bounded whatever the catalog size, and the result count stops here.
SEARCH_CANDIDATES = 500


def course_search(queryset: QuerySet[Course], query: str) -> QuerySet[Course]:
    """Courses matching every whitespace-separated term of ``query`` in some language.

    PostgreSQL: full-text search over the course search documents (``courses.search``:
    words for Latin text, single characters and character pairs for CJK, word prefixes in
    titles, tags and categories), through their GIN indexes; the candidates are the
    ``SEARCH_CANDIDATES`` most popular matches, so ranking and counting never read more rows
    than that. SQLite (``make run``): every term must be a substring of the lower-cased
    search column."""
    if connection.vendor != "postgresql":
        for term in [term.lower() for term in query.split() if term.strip()][: search.MAX_TERMS]:
            queryset = queryset.filter(search_text__contains=term)
        return queryset
    parsed = search.build_query(query)
    if parsed is None:
        return queryset.none()
    # courses_search_candidates (migration 0004): the most popular published matches,
    # read through the GIN indexes only.
    candidates = RawSQL(
        "SELECT course_id FROM courses_search_candidates(%s::tsquery, %s::tsquery, %s)",
        [parsed.words, parsed.prefixes, SEARCH_CANDIDATES],
    )
    return queryset.filter(pk__in=candidates)


# A whole word in a tag outranks a word prefix in a title: the prefix score, at most 1,
# counts a tenth.
PREFIX_RANK_SHARE = 0.1


def _relevance(query: str) -> Func | Value:
    """``ts_rank`` of the small head vector (titles A, tags and categories B, subtitles C):
    computed only for the matching courses and without reading their descriptions. A hit
    only in a description or an instructor name scores 0 and falls back to popularity."""
    parsed = search.build_query(query)
    if parsed is None:
        return Value(0.0)
    head = F("search_document__head")
    relevance = Func(head, _tsquery(parsed.rank), function="ts_rank", output_field=FloatField())
    if parsed.rank_prefix:
        prefix = Func(head, _tsquery(parsed.rank_prefix), function="ts_rank", output_field=FloatField())
        relevance = relevance + PREFIX_RANK_SHARE * Least(prefix, Value(1.0))
    return relevance


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
        # The search column and the descriptions hold every language's long text, and no
        # list shows them: leaving them out keeps the rows a search ranks narrow.
        .defer("search_text", *_DESCRIPTION_FIELDS)
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
        return queryset.annotate(relevance=_relevance(query)).order_by(
            "-relevance", *ORDERINGS[DEFAULT_ORDERING]
        )
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


def instructor_detail(*, slug: str) -> Instructor:
    """An instructor with the totals of their published courses (courses, learners,
    reviews and the rating over all of them) in one query. Raises
    ``Instructor.DoesNotExist``."""
    published = Q(courses__is_published=True)
    return Instructor.objects.annotate(
        course_count=Count("courses", filter=published),
        learner_count=Coalesce(Sum("courses__enrollment_count", filter=published), 0),
        rating_count=Coalesce(Sum("courses__rating_count", filter=published), 0),
        rating_sum=Coalesce(Sum("courses__rating_sum", filter=published), 0),
    ).get(slug=slug)


def instructor_rating(instructor: Instructor) -> Decimal | None:
    """The instructor's average over every review of their published courses."""
    if not instructor.rating_count:
        return None
    return (Decimal(instructor.rating_sum) / instructor.rating_count).quantize(Decimal("0.01"))
