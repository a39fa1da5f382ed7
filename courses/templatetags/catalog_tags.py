"""Template helpers of the storefront: money per currency, generated covers, the language
switcher and query-string links (pagination, currency switcher)."""

import hashlib
import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import translation
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core.money import format_money

from ..search import highlight as highlight_html

register = template.Library()

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FALLBACK_COLOR = "#2f6f8f"


@register.filter
def highlight(text: str, query: str) -> SafeString:
    """``text`` escaped, with what the search ``query`` matched in ``<mark>``."""
    return mark_safe(highlight_html(str(text or ""), str(query or "")))


@register.filter
def money(amount, currency: str) -> str:
    """``{{ course.price_amount|money:course.price_currency }}``"""
    return format_money(amount, currency)


def _initial(title: str) -> str:
    title = (title or "").strip()
    return title[:1].upper() if title else "?"


@register.simple_tag
def course_cover(course, size: str = "card") -> SafeString:
    """The uploaded cover, or an SVG drawn from ``cover_color`` and the title's first
    character (CJK included), so every card has a picture without any asset."""
    title = str(course.title or "")
    if course.cover:
        return format_html(
            '<img class="cover cover--{}" src="{}" alt="{}" loading="lazy">', size, course.cover.url, title
        )
    color = course.cover_color if _HEX_COLOR.match(course.cover_color or "") else _FALLBACK_COLOR
    # A second tone and the ring placement vary per course so neighbouring cards differ.
    digest = hashlib.md5(course.slug.encode(), usedforsecurity=False).digest()
    cx, cy, radius = 40 + digest[0] % 240, 20 + digest[1] % 140, 60 + digest[2] % 70
    svg = (
        f'<svg class="cover cover--{escape(size)}" viewBox="0 0 320 180" role="img" '
        f'aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid slice">'
        f'<rect width="320" height="180" fill="{color}"/>'
        f'<rect width="320" height="180" fill="url(#g-{escape(course.slug)})"/>'
        f'<defs><linearGradient id="g-{escape(course.slug)}" x1="0" y1="0" x2="1" y2="1">'
        '<stop offset="0" stop-color="#fff" stop-opacity=".18"/>'
        '<stop offset="1" stop-color="#000" stop-opacity=".22"/></linearGradient></defs>'
        f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="#fff" stroke-opacity=".22" '
        'stroke-width="14"/>'
        f'<circle cx="{320 - cx}" cy="{180 - cy // 2}" r="{radius // 2}" fill="#fff" fill-opacity=".10"/>'
        '<text x="160" y="92" text-anchor="middle" dominant-baseline="central" fill="#fff" '
        'font-size="76" font-weight="700" font-family="system-ui, \'Noto Sans CJK SC\', sans-serif">'
        f"{escape(_initial(title))}</text></svg>"
    )
    # Every interpolated value above is escaped or validated, so the markup is safe.
    return mark_safe(svg)


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """One entry per interface language with the URL of the same page in it (query
    string kept), for the switcher in the header."""
    request = context.get("request")
    path = request.get_full_path() if request else "/"
    current = translation.get_language()
    return [
        {**link, "name": str(name), "current": link["code"] == current}
        for link, (_code, name) in zip(_language_urls(path, current), settings.LANGUAGES, strict=True)
    ]


@lru_cache(maxsize=4096)
def _language_urls(path: str, current: str) -> tuple[dict, ...]:
    # Resolving and reversing the path in every language is the same work for every
    # request of one URL: kept per process (the URLconf does not change while it runs).
    links = []
    for code, _name in settings.LANGUAGES:
        url = translate_url(path, code)
        if url == path and code != current:
            # A page outside i18n_patterns: fall back to that language's home page.
            with translation.override(code):
                url = reverse("courses:home")
        with translation.override(code):
            native = str(translation.get_language_info(code)["name_local"])
        links.append({"code": code, "native": native, "url": url})
    return tuple(links)


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with ``changes`` applied (``None`` or "" removes a key);
    a changed filter resets pagination unless ``page`` itself is set."""
    request = context.get("request")
    params = request.GET.copy() if request else None
    if params is None:
        from django.http import QueryDict

        params = QueryDict(mutable=True)
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def url_or_empty(name: str, *args) -> str:
    """``reverse`` that yields "" when the URL name is not (yet) mounted, so pages of one
    app can link to another app's pages without crashing when it is absent."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def duration(minutes) -> str:
    """``95`` as ``1 h 35 min`` in the reader's language."""
    from django.utils.translation import gettext

    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(minutes, 0), 60)
    if hours and rest:
        return gettext("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    if hours:
        return gettext("%(hours)d h") % {"hours": hours}
    return gettext("%(minutes)d min") % {"minutes": rest}


def buying_state_of(context, slug: str, price_amount, course_format: str = "") -> dict:
    """The visitor's state for one course (``courses.buying``), from the lazy
    ``owned_courses`` and ``cart_slugs`` of the context processor."""
    from ..buying import state_of

    return state_of(
        slug,
        price_amount=price_amount,
        course_format=course_format,
        owned=context.get("owned_courses") or {},
        in_cart=context.get("cart_slugs") or frozenset(),
    )


@register.simple_tag(takes_context=True)
def buying_state(context, course) -> dict:
    return buying_state_of(context, course.slug, getattr(course, "price_amount", None), course.format)


_CARD_BUY = re.compile(r"<!--buy:([\w-]+)-->(.*?)<!--/buy-->", re.DOTALL)


@register.simple_tag(takes_context=True)
def with_buying_states(context, html) -> SafeString:
    """Course cards come from the cache shared by every visitor; each card's price sits
    between ``<!--buy:slug-->`` markers, replaced here by the visitor's own state (owned
    with progress, in the cart). Two lazy lookups per page, whatever the number of cards."""
    owned = context.get("owned_courses")
    cart = context.get("cart_slugs")
    if not (owned or cart):
        return mark_safe(html)  # our own rendered fragment
    from django.template.loader import render_to_string

    def replace(match: re.Match) -> str:
        slug, price = match.group(1), match.group(2)
        state = buying_state_of(context, slug, None)
        if state["state"] in ("owned", "in_cart"):
            return render_to_string("courses/_card_state.html", {"slug": slug, "price": price, **state})
        return price

    return mark_safe(_CARD_BUY.sub(replace, str(html)))  # our fragment with our own snippets
