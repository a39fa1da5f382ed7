"""Catalog reads. Each returns a queryset whose page costs a fixed number of queries:
the price in the visitor's currency and the category/instructor come with the rows, tags
and (on the course page) the syllabus are prefetched in one query each."""

import json
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchQueryField
from django.db import connection, connections, router
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Least
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname, resolution_order

from core.caching import cached

from . import search, search_postings
from .catalog_cache import CATALOG as CATALOG_NAMESPACE
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


def _tsquery(expression: search.Sql) -> RawSQL:
    # A scalar subquery: PostgreSQL computes the query once (an InitPlan), not per match.
    return RawSQL(f"(SELECT {expression.sql})", expression.params, output_field=SearchQueryField())


class _SearchResults(QuerySet):
    """A PostgreSQL search's courses, for the paginators.

    The search is ranked once into the list of its first ``search.COUNT_CAP`` course ids
    (``ranked_ids``), kept in the shared cache under the catalog's namespace version (any
    catalog edit bumps it, so a cached list never outlives the rows it was ranked from)
    and keyed by the parsed query and the filters: a repeated search, any of its pages,
    in any interface language, costs one cache read plus the page's rows by id. ``count()``
    is the list's length, so it stops at the cap ("1000+"): counting every match of a
    common word would cost more than the page. A slice (the page) loads only the page's
    courses with their category, instructor and price (``_page_base``), in the list's
    order. A search without other filters, ranked by relevance, ranks inside
    ``courses_search_top`` (``_matches``: the call without its last argument, how many
    ids): a one-word query reads the first rows of its word's postings in rank order
    (``courses.search_postings``), others rank every match of ``courses_search_matches``
    from the document row that matched."""

    _page_base: QuerySet | None = None
    # The page's rows without the relevance annotation: a page of ranked ids needs no rank.
    _rows_base: QuerySet | None = None
    _matches: tuple[str, list] | None = None
    _cache_parts: tuple | None = None
    _ranked: list[int] | None = None

    def _clone(self):
        clone = super()._clone()
        clone._page_base = self._page_base
        clone._rows_base = self._rows_base
        # A clone may be filtered further, which neither the match function nor the
        # cache key knows of: it ranks through its own query.
        clone._matches = None
        clone._cache_parts = None
        return clone

    def _rank(self) -> list[int]:
        """The first ``COUNT_CAP`` matching ids in rank order: one statement."""
        if self._matches is not None:
            sql, params = self._matches
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT matched_id FROM {sql}, %s) "
                    "ORDER BY rank DESC, popularity DESC, matched_id LIMIT %s",
                    [*params, search.COUNT_CAP, search.COUNT_CAP],
                )
                # A course the typo tolerance adds beside the words that found it already
                # comes twice: once in the list (its better rank), once in the count.
                return list(dict.fromkeys(row[0] for row in cursor.fetchall()))
        return list(QuerySet.__getitem__(self.values_list("pk", flat=True), slice(0, search.COUNT_CAP)))

    def ranked_ids(self) -> list[int]:
        if self._ranked is None:
            if self._cache_parts is None:
                self._ranked = self._rank()
            else:
                self._ranked = cached((CATALOG_NAMESPACE,), ("search-ids", *self._cache_parts), self._rank)
        return self._ranked

    def count(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        return len(self.ranked_ids())

    def page_ids(self, k: slice) -> list[int] | None:
        """The ids of the slice ``k`` of the ranked list (no query once the list is ranked
        or cached); ``None`` for a slice this list does not answer (past the cap)."""
        if self._result_cache is not None or self._page_base is None:
            return None
        if k.step is not None or (k.stop is not None and int(k.stop) > search.COUNT_CAP):
            return None
        return self.ranked_ids()[int(k.start or 0) : k.stop]

    def __getitem__(self, k):
        if not isinstance(k, slice) or self._result_cache is not None or self._page_base is None:
            return super().__getitem__(k)
        page_ids = self.page_ids(k)
        if page_ids is None:
            return self._page_past_the_cap(k)
        return self._rows_base.filter(pk__in=page_ids).order_by(
            RawSQL(f"array_position(%s::bigint[], {Course._meta.db_table}.id)", [page_ids])
        )

    def _page_past_the_cap(self, k):
        """A slice beyond the cached list (no paginator asks: the count stops at the cap)."""
        if self._matches is None:
            page_ids = QuerySet.__getitem__(self.values("pk"), k)
            return self._page_base.filter(pk__in=page_ids).order_by(*self.query.order_by)
        sql, params = self._matches
        start = int(k.start or 0)
        limit = "ALL" if k.stop is None else str(max(int(k.stop) - start, 0))
        page_ids = RawSQL(
            f"SELECT matched_id FROM {sql}, NULL) ORDER BY rank DESC, popularity DESC, matched_id "
            f"LIMIT {limit} OFFSET {start}",
            params,
        )
        return self._page_base.filter(pk__in=page_ids).order_by(
            "-relevance", "-search_document__popularity", "pk"
        )


def _search_results(
    ranked: QuerySet[Course],
    page_base: QuerySet[Course],
    rows_base: QuerySet[Course],
    matches: tuple[str, list] | None = None,
    cache_parts: tuple | None = None,
) -> QuerySet[Course]:
    results = ranked._chain()
    results.__class__ = _SearchResults
    results._page_base = page_base
    results._rows_base = rows_base
    results._matches = matches
    results._cache_parts = cache_parts
    return results


def _matches_arguments(parsed: search.SearchQuery, ranked: bool) -> tuple[str, list]:
    """The arguments of ``courses_search_matches`` with their parameters; ``ranked``:
    with the rank queries (else NULL, and the rank column is NULL)."""
    null = search.Sql("NULL::tsquery")
    prefixes = parsed.prefixes or null
    rank = parsed.rank if ranked else null
    rank_prefix = (parsed.rank_prefix or null) if ranked else null
    sql = f"{parsed.words.sql}, {prefixes.sql}, %s::text[], %s, {rank.sql}, {rank_prefix.sql}"
    params = [
        *parsed.words.params,
        *prefixes.params,
        parsed.fuzzy,
        search.FUZZY_BELOW,
        *rank.params,
        *rank_prefix.params,
    ]
    return sql, params


def _top_call(parsed: search.SearchQuery, query: str) -> tuple[str, list]:
    """``courses_search_top(...`` without its last argument (how many ids, at most) and
    closing parenthesis: the ranked matches of ``query``, from the posting rows of its
    word when it is one (``courses.search_postings``), else from
    ``courses_search_matches``."""
    arguments, params = _matches_arguments(parsed, ranked=True)
    word = search_postings.single_word(query) or (None, False, False)
    return f"courses_search_top(%s, %s, %s, {arguments}", [*word, *params]


def _matches_call(parsed: search.SearchQuery, ranked: bool) -> tuple[str, list]:
    """``courses_search_matches(...)`` with its parameters (every match, unranked when
    ``ranked`` is false)."""
    arguments, params = _matches_arguments(parsed, ranked)
    return f"courses_search_matches({arguments})", params


def course_search(queryset: QuerySet[Course], query: str) -> QuerySet[Course]:
    """Courses matching every whitespace-separated term of ``query`` in some language.

    PostgreSQL: ``courses_search_matches`` (migration 0008, ``courses.search``) finds
    every published match through the GIN indexes, with typo tolerance when there are few.
    SQLite (``make run``): every term must be in the search column, Latin words at the
    start of a word ("tea" is not found in "instead")."""
    if connection.vendor != "postgresql":
        return course_search_portable(queryset, query)
    parsed = search.build_query(query)
    if parsed is None:
        return queryset.none()
    sql, params = _matches_call(parsed, ranked=False)
    return queryset.filter(pk__in=RawSQL(f"SELECT matched_id FROM {sql}", params))


def _word_pattern(word: str) -> str:
    # Python's re (Django's REGEXP on SQLite): the word at the start of a word.
    return r"(?<![^\W_])" + re.escape(word)


def course_search_portable(queryset: QuerySet[Course], query: str) -> QuerySet[Course]:
    """The search without PostgreSQL (SQLite, Python's regular expressions): each term's
    Latin words must be whole words of the search column or start a word of a title, its
    CJK runs be in the search column; ranked by hits in titles (whole words above word
    starts) in any language, then the caller's ordering."""
    terms = [search.tokens(text) for text in query.split()[: search.MAX_TERMS]]
    terms = [term for term in terms if term]
    if not terms:
        return queryset.none()
    relevance = []
    for term in terms:
        for token in term:
            if token.is_cjk:
                queryset = queryset.filter(search_text__contains=token.text)
                title_hit = _any_title(lambda field, text=token.text: Q(**{f"{field}__contains": text}))
                relevance.append(Case(When(title_hit, then=Value(2)), default=Value(0)))
            else:
                whole = _word_pattern(token.text) + r"(?![^\W_])"
                start = _word_pattern(token.text)
                # A whole word anywhere, or the start of a word of a title ("calli"):
                # "tea" is not found in "teacher" in a description.
                queryset = queryset.filter(
                    Q(search_text__regex=whole)
                    | _any_title(lambda field, p=start: Q(**{f"{field}__iregex": p}))
                )
                relevance.append(
                    Case(
                        When(_any_title(lambda field, p=whole: Q(**{f"{field}__iregex": p})), then=Value(2)),
                        When(_any_title(lambda field, p=start: Q(**{f"{field}__iregex": p})), then=Value(1)),
                        default=Value(0),
                    )
                )
    return queryset.annotate(title_relevance=sum(relevance[1:], relevance[0]))


def _any_title(lookup) -> Q:
    condition = Q()
    for code, _name in settings.LANGUAGES:
        condition |= lookup(f"title_{code.replace('-', '_')}")
    return condition


# A whole word in a tag outranks a word prefix in a title: the prefix score, at most 1,
# counts a tenth.
PREFIX_RANK_SHARE = 0.1


def _relevance(query: str) -> Func | Value:
    """``ts_rank`` of the small head vector (titles A, tags, categories and pinyin B,
    subtitles C), computed for every match inside PostgreSQL (the page query sorts and
    keeps 20). A hit only in a description or an instructor name scores 0 and falls back
    to popularity."""
    parsed = search.build_query(query)
    if parsed is None:
        return Value(0.0)
    head = F("search_document__head")
    relevance = Func(head, _tsquery(parsed.rank), function="ts_rank", output_field=FloatField())
    if parsed.rank_prefix:
        prefix = Func(head, _tsquery(parsed.rank_prefix), function="ts_rank", output_field=FloatField())
        relevance = relevance + PREFIX_RANK_SHARE * Least(prefix, Value(1.0))
    return relevance


_LIST_BASES: dict[str, QuerySet[Course]] = {}


def _list_base(currency: str) -> QuerySet[Course]:
    """The published courses as every list reads them, in ``currency``: made once per
    process and currency (0.4 ms of ORM work per list otherwise) and only ever chained
    from, never evaluated, as any queryset two others are built from (nothing in it
    depends on the language)."""
    base = _LIST_BASES.get(currency)
    if base is None:
        base = (
            Course.objects.filter(is_published=True)
            # The search column and the descriptions hold every language's long text, and
            # no list shows them: leaving them out keeps the rows a search ranks narrow.
            .defer("search_text", *_DESCRIPTION_FIELDS)
            .select_related("category", "category__parent", "instructor")
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("slug")))
            .annotate(price_amount=_price_subquery(currency), price_currency=Value(currency))
        )
        if currency in settings.CURRENCIES:  # a bounded set of keys
            _LIST_BASES[currency] = base
    return base.all()


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
    queryset = _list_base(currency)
    page_base = rows_base = queryset
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
    order = ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING])
    if not query:
        return queryset.order_by(*order)
    if connection.vendor != "postgresql":
        if ordering not in ORDERINGS:
            order = ("-title_relevance", *ORDERINGS[DEFAULT_ORDERING])
        return queryset.order_by(*order)
    matches = None
    if ordering not in ORDERINGS:
        relevance = _relevance(query)
        queryset = queryset.annotate(relevance=relevance)
        page_base = page_base.annotate(relevance=relevance)
        order = ("-relevance", *ORDERINGS[DEFAULT_ORDERING])
        parsed = search.build_query(query)
        only_the_query = not any(
            [category, course_format, level, language, tag, price_min is not None, price_max is not None]
        )
        if parsed is not None and only_the_query:
            matches = _top_call(parsed, query)
    cache_parts = (
        search.query_key(query),
        category,
        course_format,
        level,
        language,
        tag,
        str(price_min),
        str(price_max),
        ordering if ordering in ORDERINGS else "relevance",
        # Prices are per currency; titles sort per language (modeltranslation).
        currency if price_min is not None or price_max is not None or "price" in ordering else "",
        translation.get_language() if ordering == "title" else "",
    )
    return _search_results(queryset.order_by(*order), page_base, rows_base, matches, cache_parts)


def localized_columns(model, field: str) -> list[str]:
    """The columns modeltranslation reads for ``model.field`` in the current language: the
    language's own, then its fallbacks, in that order."""
    descriptor = model.__dict__[field]
    languages = resolution_order(translation.get_language(), descriptor.fallback_languages)
    return [build_localized_fieldname(field, language) for language in languages]


def _tags_json(columns: list[str]) -> RawSQL:
    """The course's tags as a JSON array of ``[slug, *columns]`` by slug (the order of the
    ``tags`` prefetch), ``NULL`` or ``[]`` without tags: a subquery of the page's query
    instead of a query of its own."""
    tag_table, link_table = Tag._meta.db_table, Course.tags.through._meta.db_table
    course = f"{Course._meta.db_table}.id"
    names = ", ".join(f"t.{column}" for column in ["slug", *columns])
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT json_agg(json_build_array({names}) ORDER BY t.slug)::text FROM {link_table} ct "
            f"JOIN {tag_table} t ON t.id = ct.tag_id WHERE ct.course_id = {course}"
        )
    else:
        sql = (
            f"SELECT json_group_array(json_array({names.replace('t.', 'o.')})) FROM (SELECT {names} "
            f"FROM {link_table} ct JOIN {tag_table} t ON t.id = ct.tag_id WHERE ct.course_id = {course} "
            "ORDER BY t.slug) o"
        )
    return RawSQL(f"({sql})", [], output_field=JSONField())


def _card_values(queryset: QuerySet[Course]) -> tuple[QuerySet, list[str]]:
    """``queryset`` as the cards' ``values()`` rows, and the keys of a tag's row."""
    course_texts = [*localized_columns(Course, "title"), *localized_columns(Course, "subtitle")]
    category_names = [f"category__{column}" for column in localized_columns(Category, "name")]
    instructor_names = [f"instructor__{column}" for column in localized_columns(Instructor, "name")]
    tag_names = localized_columns(Tag, "name")
    values = queryset.prefetch_related(None).values(
        "id",
        "slug",
        *course_texts,
        "format",
        "level",
        "language",
        "duration_minutes",
        "category__slug",
        *category_names,
        "instructor__slug",
        *instructor_names,
        "price_amount",
        "rating_average",
        "rating_count",
        "enrollment_count",
        "cover",
        "cover_color",
        tag_rows=_tags_json(tag_names),
    )
    return values, ["tag__slug", *(f"tag__{column}" for column in tag_names)]


def _with_tags(rows: list[dict], tag_keys: list[str]) -> list[dict]:
    for row in rows:
        row["tags"] = [dict(zip(tag_keys, tag, strict=True)) for tag in row.pop("tag_rows") or ()]
    return rows


def course_card_rows(queryset: QuerySet[Course]) -> list[dict]:
    """The rows of the course cards of ``queryset`` (a page of ``course_list``, or any
    queryset of courses annotated with ``price_amount``), in its order, in one query: the
    card's columns of the course, its category and instructor (texts in the current
    language's columns and its fallbacks' only) and under ``tags`` its tags' rows
    (``slug`` and the name's columns, prefixed ``tag__``), by slug."""
    values, tag_keys = _card_values(queryset)
    return _with_tags(list(values), tag_keys)


# PostgreSQL: the by-id statement compiled once per process, language and currency, with
# the ids as one array parameter (compiling it was most of its cost: 1.2 ms a page).
_CARDS_BY_ID: dict[tuple[str, str], tuple[str, list, int, list[str]]] = {}


def _card_rows_by_id_postgresql(ids: list[int], currency: str, alias: str) -> list[dict]:
    db = connections[alias]
    key = (translation.get_language(), currency)
    compiled = _CARDS_BY_ID.get(key)
    if compiled is None:
        marker: list[int] = []
        queryset = (
            Course.objects.filter(is_published=True, pk__in=RawSQL("SELECT unnest(%s::bigint[])", [marker]))
            .annotate(price_amount=_price_subquery(currency))
            .order_by()
        )
        values, tag_keys = _card_values(queryset)
        sql, params = values.query.get_compiler(connection=db).as_sql()
        params = list(params)
        position = next(index for index, param in enumerate(params) if param is marker)
        compiled = (sql, params, position, tag_keys)
        if currency in settings.CURRENCIES and key[0] in dict(settings.LANGUAGES):  # bounded keys
            _CARDS_BY_ID[key] = compiled
    sql, params, position, tag_keys = compiled
    params = list(params)
    params[position] = list(ids)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    # What values() would convert: only the tags' JSON (the other columns come from
    # psycopg as the ORM hands them over on PostgreSQL).
    for row in rows:
        if row["tag_rows"] is not None:
            row["tag_rows"] = json.loads(row["tag_rows"])
    return _with_tags(rows, tag_keys)


def course_card_rows_by_id(ids: list[int], *, currency: str) -> list[dict]:
    """``course_card_rows`` of the published courses among ``ids``, in the order of ``ids``."""
    alias = router.db_for_read(Course)
    if connections[alias].vendor == "postgresql":
        rows = _card_rows_by_id_postgresql(ids, currency, alias)
    else:
        queryset = (
            Course.objects.filter(is_published=True, pk__in=ids)
            .annotate(price_amount=_price_subquery(currency))
            .order_by()
        )
        rows = course_card_rows(queryset)
    position = {course_id: index for index, course_id in enumerate(ids)}
    return sorted(rows, key=lambda row: position[row["id"]])


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
