"""The course cards of the catalog list (``GET /api/v1/courses/``): built from plain rows
and kept in the shared cache per course.

``CourseListSerializer`` (``courses.api.catalog``) describes a card for the schema and
serializes courses for the other endpoints. At 100,000 courses a search page whose
answer was not cached spent most of its CPU in DRF's field machinery over model
instances (issue 9: 16-20 ms for 20 cards); the list builds the same dicts here from
``values()`` rows (``courses.selectors.course_card_rows``), reading translated texts
as modeltranslation's descriptors read them (the same fallbacks).

Each card is cached under the catalog namespace (``core.caching``) per course, language,
currency, scheme and host: every catalog edit bumps the namespace, so no card outlives an
edit, and the cache timeout bounds counters changed without one (enrollments), as for the
whole answers (an answer built from a card near the end of the card's life may show its
counters up to twice the timeout after they were read). A card is the same on every page,
in every search and every filter but for ``highlight`` (what the query matched), laid over
it per request: a page of a search nobody asked before costs the cards' cache read and
only builds the courses no answer showed since the last edit.
``tests/courses/test_course_cards.py`` holds the cards equal to the serializer's output."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils import translation
from modeltranslation.fields import NONE
from modeltranslation.utils import fallbacks_enabled
from rest_framework.request import Request

from core.caching import lookup_many, store_many
from core.money import round_money

from .. import buying
from ..catalog_cache import CATALOG
from ..models import Category, Course, Instructor, Tag
from ..search import Highlighter
from ..selectors import course_card_rows, course_card_rows_by_id, localized_columns

# Matches the slug converter and never occurs in a real URL.
SLUG_MARKER = "zq-slug-marker"


def money(amount, currency: str) -> dict | None:
    """Amounts travel as strings with the currency's minor unit ("199.00", "4200")."""
    if amount is None:
        return None
    return {"amount": str(round_money(amount, currency)), "currency": currency}


def _text(value) -> str | None:
    # DRF's CharField: None stays null, anything else its str().
    return None if value is None else str(value)


class _Translated:
    """A translated field read from a row as modeltranslation's descriptor reads it from
    a model instance (``TranslationFieldDescriptor.__get__``): the first meaningful value
    of the current language's column and its fallbacks' (``localized_columns``, the
    columns the row was read with), else the field's fallback value or default. Set up
    once per request: the descriptor looks the language up again for every read."""

    def __init__(self, model, field: str, prefix: str = "") -> None:
        descriptor = model.__dict__[field]
        undefined = descriptor.fallback_undefined
        default = NONE
        if undefined is NONE:
            default = undefined = descriptor.field.get_default()
        if fallbacks_enabled() and descriptor.fallback_value is not NONE:
            self.otherwise = descriptor.fallback_value
        else:
            self.otherwise = descriptor.field.get_default() if default is NONE else default
        self.columns = [prefix + column for column in localized_columns(model, field)]
        self.meaningful = descriptor.meaningful_value
        self.undefined = undefined

    def __call__(self, row: dict) -> str | None:
        for column in self.columns:
            value = row[column]
            if self.meaningful(value, self.undefined):
                return _text(value)
        return _text(self.otherwise)


class CardBuilder:
    """Cards of one request: its language, currency and absolute URLs."""

    def __init__(self, request: Request | None, currency: str) -> None:
        self.request = request
        self.currency = currency
        self.language = translation.get_language()
        self._templates: dict[str, str] = {}
        self._where: tuple[str, str] | None = None
        self._format_labels = dict(Course._meta.get_field("format").flatchoices)
        self._level_labels = dict(Course._meta.get_field("level").flatchoices)
        self._cover_storage = Course._meta.get_field("cover").storage
        self._title = _Translated(Course, "title")
        self._subtitle = _Translated(Course, "subtitle")
        self._category_name = _Translated(Category, "name", "category__")
        self._instructor_name = _Translated(Instructor, "name", "instructor__")
        self._tag_name = _Translated(Tag, "name", "tag__")

    def _link(self, view_name: str, slug: str) -> str:
        template = self._templates.get(view_name)
        if template is None:
            path = reverse(view_name, kwargs={"slug": SLUG_MARKER})
            template = self.request.build_absolute_uri(path) if self.request else path
            self._templates[view_name] = template
        return template.replace(SLUG_MARKER, slug)

    def card(self, row: dict) -> dict:
        """The card of one row of ``course_card_rows``, ``highlight`` null."""
        slug = row["slug"]
        price_amount = row["price_amount"]
        course_format = row["format"]
        cover = row["cover"]
        if cover:
            cover_url = self._cover_storage.url(cover)
            cover = self.request.build_absolute_uri(cover_url) if self.request else cover_url
        else:
            cover = None
        category = row["category__slug"]
        instructor = row["instructor__slug"]
        return {
            "slug": slug,
            "title": self._title(row),
            "subtitle": self._subtitle(row),
            "highlight": None,
            "format": course_format,
            "format_label": str(self._format_labels.get(course_format, course_format)),
            "level": row["level"],
            "level_label": str(self._level_labels.get(row["level"], row["level"])),
            "language": row["language"],
            "duration_minutes": int(row["duration_minutes"]),
            "category": None if category is None else {"slug": category, "name": self._category_name(row)},
            "instructor": (
                None if instructor is None else {"slug": instructor, "name": self._instructor_name(row)}
            ),
            "tags": [{"slug": tag["tag__slug"], "name": self._tag_name(tag)} for tag in row["tags"]],
            "price": money(price_amount, self.currency),
            "rating": {"average": f"{row['rating_average']:.2f}", "count": row["rating_count"]},
            "enrollment_count": int(row["enrollment_count"]),
            "cover": cover,
            "cover_color": _text(row["cover_color"]),
            "url": self._link("api:course-detail", slug),
            "web_url": self._link("courses:detail", slug),
            "buying": buying.state_of(
                slug, price_amount=price_amount, course_format=course_format, owned={}, in_cart=()
            ),
        }

    def _entry_parts(self, course_id: int) -> tuple:
        if self._where is None:
            # Once per request: get_host() checks ALLOWED_HOSTS on every call.
            request = self.request
            self._where = (request.scheme, request.get_host()) if request is not None else ("", "")
        return ("course-card", course_id, self.language, self.currency, *self._where)

    def cards_by_id(self, ids: list[int]) -> list[dict]:
        """The cards of the published courses among ``ids``, in that order: from the
        shared cache, the missing ones built from their rows (one query) and stored."""
        # A course once, where the ranking first has it (as the page's ``pk IN`` did).
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        version, keys, found = lookup_many((CATALOG,), [self._entry_parts(course_id) for course_id in ids])
        missing = [course_id for course_id, card in zip(ids, found, strict=True) if card is None]
        built: dict[int, dict] = {}
        if missing:
            built = {
                row["id"]: self.card(row) for row in course_card_rows_by_id(missing, currency=self.currency)
            }
            key_of = dict(zip(ids, keys, strict=True))
            store_many(version, {key_of[course_id]: card for course_id, card in built.items()})
        cards = []
        for course_id, card in zip(ids, found, strict=True):
            card = card if card is not None else built.get(course_id)
            if card is not None:  # unpublished since the ids were ranked
                cards.append(card)
        return cards


class CardPages:
    """What the list's paginator pages: ``count()`` of the list, and for a slice the cards
    of its courses, each a fresh dict (the caller lays ``highlight`` over it). A search
    page takes its ids from the ranked list (``_SearchResults.page_ids``) and its cards
    from the cache; other lists read their page's rows (the count, the rows, their tags)."""

    def __init__(self, queryset, builder: CardBuilder, highlight: Callable[[dict], dict | None]) -> None:
        self.queryset = queryset
        self.builder = builder
        self.highlight = highlight

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, k: slice) -> list[dict]:
        page_ids = getattr(self.queryset, "page_ids", None)  # a ranked search (courses.selectors)
        ids = page_ids(k) if page_ids is not None else None
        if ids is not None:
            cards = self.builder.cards_by_id(ids)
        else:
            cards = [self.builder.card(row) for row in course_card_rows(self.queryset[k])]
        page = []
        for card in cards:
            card = dict(card)  # a cached card is shared by every page that shows it
            card["highlight"] = self.highlight(card)
            page.append(card)
        return page


def highlighter(query: str) -> Callable[[dict], dict | None]:
    """``highlight`` of a card for the request's ``q`` (null without one)."""
    if not query.strip():
        return lambda card: None
    marks = Highlighter(query)
    return lambda card: {"title": marks(card["title"]), "subtitle": marks(card["subtitle"])}
