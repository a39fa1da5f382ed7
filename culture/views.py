"""Storefront theme pages: /<lang>/themes/ (every theme staff accepted somewhere) and
/<lang>/themes/<slug>/ (its courses, as catalog cards)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core.money import currency_for_request

from .models import Theme
from .selectors import theme_courses, theme_detail, theme_index


def theme_index_view(request: HttpRequest) -> HttpResponse:
    return render(request, "culture/theme_index.html", {"themes": list(theme_index())})


def theme_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        theme = theme_detail(slug=slug)
    except Theme.DoesNotExist:
        raise Http404("theme not found") from None
    courses = list(theme_courses(theme=theme, currency=currency_for_request(request)))
    return render(request, "culture/theme_detail.html", {"theme": theme, "courses": courses})
