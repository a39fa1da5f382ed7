"""Storefront pages of the catalog: home, course list and course page. They read through
``courses.selectors`` and hold no business rules."""

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.caching import anonymous_page_cache, cached
from core.money import currency_for_request

from ..catalog_cache import CATALOG, learner_namespace
from ..forms import ORDERING_CHOICES, CatalogFilterForm
from ..models import Category, Course, Instructor
from ..search import COUNT_CAP
from ..selectors import (
    category_list,
    course_detail,
    course_list,
    instructor_detail,
    instructor_rating,
)

PAGE_SIZE = 12
HOME_RAIL_SIZE = 8
_MISSING = "missing"


def _category_tree(categories) -> list[Category]:
    """Top categories, each with ``subcategories``, from one flat query."""
    categories = list(categories)
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    tops = [category for category in categories if category.parent_id is None]
    for top in tops:
        top.subcategories = children.get(top.pk, [])
        top.total_count = top.course_count + sum(child.course_count for child in top.subcategories)
    return tops


def _fragments(request: HttpRequest, namespaces: tuple[str, ...], parts: tuple, render) -> dict:
    """Rendered pieces of a page that are the same for every visitor of one language,
    currency and time zone (signed in or not), from the shared cache; ``render()`` gives a dict of HTML."""
    # Live-session times are rendered in the visitor's zone: one copy per zone.
    key = (
        *parts,
        translation.get_language(),
        currency_for_request(request),
        timezone.get_current_timezone_name(),
    )
    found = cached(namespaces, key, render)
    return {name: mark_safe(html) for name, html in found.items()}  # rendered by our templates


@anonymous_page_cache(CATALOG)
def home(request: HttpRequest) -> HttpResponse:
    currency = currency_for_request(request)

    def render_shared() -> dict:
        tops = _category_tree(category_list())
        context = {
            "top_categories": sorted(tops, key=lambda c: (-c.total_count, c.position, c.slug))[:8],
            "popular_courses": list(course_list(currency=currency, ordering="popular")[:HOME_RAIL_SIZE]),
            "newest_courses": list(course_list(currency=currency, ordering="newest")[:HOME_RAIL_SIZE]),
        }
        return {
            "categories": render_to_string("courses/_home_categories.html", context, request),
            "rails": render_to_string("courses/_home_rails.html", context, request),
        }

    rail = ""
    if request.user.is_authenticated:
        # The learner's own rail, kept until the catalog, the model or their enrollments change.
        rail = _fragments(
            request,
            (CATALOG, learner_namespace(request.user.pk)),
            ("home-rail", request.user.pk),
            lambda: {"rail": render_to_string("courses/_home_rail.html", {}, request)},
        )["rail"]
    context = {"fragments": _fragments(request, (CATALOG,), ("home",), render_shared), "rail": rail}
    return render(request, "courses/home.html", context)


def _page(paginator: Paginator, number: str | None):
    """``?page=abc`` shows the first page and a page past the end shows the last: a
    stale or hand-edited link still lands somewhere useful."""
    try:
        return paginator.page(number or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


@anonymous_page_cache(CATALOG, bypass_params=("q",))
def course_list_view(request: HttpRequest) -> HttpResponse:
    currency = currency_for_request(request)

    def render_content() -> dict:
        categories = _category_tree(category_list())
        # Always bound (an empty query string is a valid, unfiltered request).
        form = CatalogFilterForm(request.GET, categories=categories)
        filters = form.filters()
        queryset = course_list(currency=currency, **filters)
        page = _page(Paginator(queryset, PAGE_SIZE), request.GET.get("page"))
        context = {
            "form": form,
            "categories": categories,
            "page_obj": page,
            # A search counts at most COUNT_CAP courses: "≥ 1000 courses".
            "count_capped": bool(filters["query"]) and page.paginator.count >= COUNT_CAP,
            "courses": page.object_list,
            "filters": filters,
            "ordering_choices": ORDERING_CHOICES,
            # A search without an explicit ordering is ranked by relevance on PostgreSQL.
            "current_ordering": filters["ordering"] or ("" if filters["query"] else "popular"),
            "formats": Course.Format.choices,
            "levels": Course.Level.choices,
            "languages": settings.LANGUAGES,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        }
        return {
            "content": render_to_string("courses/_list_content.html", context, request),
            "query": escape(filters["query"] or ""),
        }

    if request.GET.get("q"):
        # Searches are not cached (unbounded keys; the search owns its own speed).
        fragments = {name: mark_safe(html) for name, html in render_content().items()}
    else:
        fragments = _fragments(request, (CATALOG,), ("list", request.get_full_path()), render_content)
    return render(request, "courses/list.html", fragments)


def _course_or_missing(slug: str, currency: str):
    try:
        return course_detail(slug=slug, currency=currency)
    except Course.DoesNotExist:
        return _MISSING


@anonymous_page_cache(CATALOG)
def course_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    currency = currency_for_request(request)
    # The course with its syllabus, sessions and prices, pickled in the shared cache.
    course = cached((CATALOG,), ("course", slug, currency), lambda: _course_or_missing(slug, currency))
    if course == _MISSING:
        raise Http404("course not found")
    sections = list(course.sections.all())
    lessons = [lesson for section in sections for lesson in section.lessons.all()]
    tags = list(course.tags.all())
    context = {
        "course": course,
        "sections": sections,
        "lesson_count": len(lessons),
        "preview_count": sum(1 for lesson in lessons if lesson.is_preview),
        "tags": tags,
        "upcoming_sessions": course.upcoming_sessions,
        "prices": list(course.prices.all()),
    }

    def render_shared() -> dict:
        pieces = {
            name: render_to_string(f"courses/_detail_{name}.html", context, request)
            for name in ("hero", "panels", "similar")
        }
        for name in ("summary", "list"):
            pieces[f"review_{name}"] = render_to_string(f"courses/_reviews_{name}.html", context, request)
        return pieces

    context["fragments"] = _fragments(request, (CATALOG,), ("detail", slug), render_shared)
    return render(request, "courses/detail.html", context)


@anonymous_page_cache(CATALOG)
def instructor_view(request: HttpRequest, slug: str) -> HttpResponse:
    """An instructor's page: biography, totals and published courses (three queries)."""
    try:
        instructor = instructor_detail(slug=slug)
    except Instructor.DoesNotExist:
        raise Http404("instructor not found") from None
    courses = course_list(currency=currency_for_request(request), ordering="popular").filter(
        instructor=instructor
    )
    context = {"instructor": instructor, "rating": instructor_rating(instructor), "courses": courses}
    return render(request, "courses/instructor.html", context)
