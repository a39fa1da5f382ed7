"""Storefront pages of the catalog: home, course list and course page. They read through
``courses.selectors`` and hold no business rules."""

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.caching import anonymous_page_cache
from core.money import currency_for_request

from ..catalog_cache import CATALOG
from ..forms import ORDERING_CHOICES, CatalogFilterForm
from ..models import Category, Course
from ..selectors import category_list, course_detail, course_list

PAGE_SIZE = 12
HOME_RAIL_SIZE = 8


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


@anonymous_page_cache(CATALOG)
def home(request: HttpRequest) -> HttpResponse:
    currency = currency_for_request(request)
    tops = _category_tree(category_list())
    top_categories = sorted(tops, key=lambda c: (-c.total_count, c.position, c.slug))[:8]
    context = {
        "top_categories": top_categories,
        "popular_courses": list(course_list(currency=currency, ordering="popular")[:HOME_RAIL_SIZE]),
        "newest_courses": list(course_list(currency=currency, ordering="newest")[:HOME_RAIL_SIZE]),
    }
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
    return render(request, "courses/list.html", context)


@anonymous_page_cache(CATALOG)
def course_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    currency = currency_for_request(request)
    try:
        course = course_detail(slug=slug, currency=currency)
    except Course.DoesNotExist as exc:
        raise Http404("course not found") from exc
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
    return render(request, "courses/detail.html", context)
