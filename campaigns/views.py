"""Public campaign pages: the tracking redirect ``/t/<token>`` and the co-branded landing
page ``/<lang>/c/<slug>/``. They read through selectors and record through services."""

import io
from datetime import timedelta
from decimal import Decimal

import qrcode
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache

from core.caching import cache, cached_page, entry_key, etag_for, not_modified, page_is_cacheable
from core.client_address import client_ip, rate_ident
from core.money import currency_for_request
from partners.selectors import partner_member_for_user

from . import landing_cache, selectors, services
from .landing_cache import CATALOG
from .models import Campaign, Touch
from .templatetags.campaign_tags import qr_svg

VISITOR_COOKIE = "zq_vid"
VISITOR_COOKIE_MAX_AGE = int(timedelta(days=365).total_seconds())
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
# Set by the CDN / load balancer in front of the site; absent in development.
COUNTRY_HEADERS = ("HTTP_CF_IPCOUNTRY", "HTTP_X_COUNTRY_CODE")
# Set by campaigns.fast_path on a new visitor's request whose landing view it has pushed to
# the touch buffer already, (visitor_id, variant, is_holdout): the view records nothing.
PRERECORDED = "_zq_campaign_touch_recorded"


def _client(request: HttpRequest) -> str:
    """The key wrong codes are counted under: the account, else the address."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{rate_ident(client_ip(request))}"


def _visitor(request: HttpRequest) -> tuple[str, bool]:
    """The anonymous visitor id from the first-party cookie, or a new one (``True``)."""
    existing = services.visitor_id_clean(request.COOKIES.get(VISITOR_COOKIE))
    if existing:
        return existing, False
    return services.new_visitor_id(), True


def _remember_visitor(request: HttpRequest, response: HttpResponse, visitor_id: str) -> None:
    response.set_cookie(
        VISITOR_COOKIE,
        visitor_id,
        max_age=VISITOR_COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )


def _country(request: HttpRequest) -> str:
    for header in COUNTRY_HEADERS:
        value = (request.META.get(header) or "").strip().upper()
        if len(value) == 2 and value.isalpha():
            return value
    return ""


def _utm(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "")[:80] for key in UTM_KEYS if request.GET.get(key)}


def _landing_url(campaign: Campaign, language: str, code: str = "") -> str:
    with translation.override(language):
        url = reverse("campaigns:landing", kwargs={"slug": campaign.slug})
    return f"{url}?code={code}" if code else url


@never_cache
def tracking_redirect(request: HttpRequest, token: str) -> HttpResponse:
    """Record a click and send the visitor to the landing page in the link's language
    (else the visitor's). The link comes from the cache and the click goes to the touch
    buffer, so a click costs no query on a warm cache."""
    found = landing_cache.tracking_link(token=token[:32])
    if found is None:
        raise Http404("unknown tracking link")
    link, variants = found
    campaign = link.campaign
    visitor_id, is_new = _visitor(request)
    language = link.language or translation.get_language_from_request(request)
    if services.campaign_is_live(campaign):
        assignment = services.visitor_assign(
            campaign=campaign,
            visitor_id=visitor_id,
            variants=variants,
            preferred_variant=link.variant,
            known_new=is_new,
            buffered=True,
        )
        services.touch_record(
            campaign=campaign,
            kind=Touch.Kind.CLICK,
            visitor_id=visitor_id,
            user=request.user,
            variant=assignment.variant,
            is_holdout=assignment.is_holdout,
            link=link,
            language=language,
            country=_country(request),
            utm=_utm(request),
            assignment=assignment,
            buffered=True,
        )
        target = _landing_url(campaign, language, code=request.GET.get("code", "")[:40].strip())
    else:
        # A link printed for a campaign that has ended still lands somewhere useful.
        with translation.override(language):
            target = reverse("courses:home")
    response = HttpResponseRedirect(target)
    if is_new:
        _remember_visitor(request, response, visitor_id)
    return response


# The picture of one URL never changes: browsers and proxies may keep it for good.
QR_MAX_AGE_SECONDS = 365 * 24 * 3600
# Print size: 40 px per module is about 4 cm at 300 dpi for a typical link.
QR_PNG_BOX_PIXELS = 40


def _qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(url, box_size=QR_PNG_BOX_PIXELS, border=4).save(buffer, format="PNG")
    return buffer.getvalue()


def _qr_response(request: HttpRequest, token: str, kind: str) -> HttpResponse:
    """The QR code of a tracking link as SVG (screens) or PNG (print), drawn once per link URL
    and then served from the cache (and the browser's, with an ETag)."""
    found = landing_cache.tracking_link(token=token[:32])
    if found is None:
        raise Http404("unknown tracking link")
    link, _variants = found
    url = request.build_absolute_uri(reverse("tracking_link", kwargs={"token": link.token}))
    key = entry_key(("qr", kind), url)
    body = cache.get(key)
    if body is None:
        body = str(qr_svg(url)).encode() if kind == "svg" else _qr_png(url)
        cache.set(key, body, timeout=24 * 3600)
    etag = etag_for(body)
    unchanged = not_modified(request, etag=etag, last_modified=None)
    if unchanged is None:
        content_type = "image/svg+xml; charset=utf-8" if kind == "svg" else "image/png"
        response = HttpResponse(body, content_type=content_type)
        response.headers["ETag"] = etag
        if request.GET.get("download"):
            response.headers["Content-Disposition"] = f'attachment; filename="qr-{link.token}.{kind}"'
    else:
        response = unchanged
    response.headers["Cache-Control"] = f"public, max-age={QR_MAX_AGE_SECONDS}, immutable"
    return response


def tracking_link_qr(request: HttpRequest, token: str) -> HttpResponse:
    return _qr_response(request, token, "svg")


def tracking_link_qr_png(request: HttpRequest, token: str) -> HttpResponse:
    return _qr_response(request, token, "png")


def _may_preview(request: HttpRequest, campaign: Campaign) -> bool:
    if not request.user.is_authenticated:
        return False
    if request.user.is_staff:
        return True
    member = partner_member_for_user(request.user)
    return member is not None and selectors.campaign_is_party(campaign=campaign, partner_id=member.partner_id)


@never_cache
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = landing_cache.campaign_for_landing(slug=slug)
    if campaign is None:
        raise Http404("unknown campaign")
    live = services.campaign_is_live(campaign)
    if not live and not _may_preview(request, campaign):
        raise Http404("campaign not public")
    language = translation.get_language()
    currency = currency_for_request(request)
    visitor_id, is_new = _visitor(request)
    variants = list(campaign.variants.all())
    assignment = None
    prerecorded = getattr(request, PRERECORDED, None) if live else None
    if prerecorded is not None:
        visitor_id, variant, is_holdout = prerecorded
        is_new = True
    elif live:
        assignment = services.visitor_assign(
            campaign=campaign, visitor_id=visitor_id, variants=variants, known_new=is_new, buffered=True
        )
        variant, is_holdout = assignment.variant, assignment.is_holdout
    else:
        # Previews record nothing; ``?variant=<id>`` or ``?variant=holdout`` shows each version.
        wanted = request.GET.get("variant", "")
        is_holdout = wanted == "holdout"
        variant = next((v for v in variants if str(v.pk) == wanted), None)
    offer = not is_holdout
    requested = request.GET.get("code", "")[:40]
    if not offer:
        code = None
    elif requested:
        code = services.landing_code_resolve(campaign=campaign, requested=requested, client=_client(request))
    else:
        code = campaign.landing_public_code

    if live and prerecorded is None:
        services.touch_record(
            campaign=campaign,
            kind=Touch.Kind.LANDING_VIEW,
            visitor_id=visitor_id,
            user=request.user,
            variant=variant,
            is_holdout=is_holdout,
            language=language,
            country=_country(request),
            utm=_utm(request),
            assignment=assignment,
            buffered=True,
        )

    def render_page() -> HttpResponse:
        return _render_landing(
            request, campaign=campaign, variant=variant, is_holdout=is_holdout, code=code, live=live
        )

    if live and page_is_cacheable(request):
        # The page is the same for every anonymous visitor of one variant, language,
        # currency, code and URL: rendered once, then served from the cache.
        response = cached_page(
            request,
            (CATALOG, landing_cache.LANDING),
            ("landing", campaign.pk, variant.pk if variant else "", is_holdout, language, currency),
            ("code", code.pk if code else ""),
            render=render_page,
        )
    else:
        response = render_page()
    if is_new:
        _remember_visitor(request, response, visitor_id)
    return response


def _render_landing(
    request: HttpRequest, *, campaign: Campaign, variant, is_holdout: bool, code, live: bool
) -> HttpResponse:
    currency = currency_for_request(request)
    courses = selectors.campaign_courses_priced(campaign=campaign, currency=currency)
    # The same rule the cart and checkout apply to the code: what is shown is what is charged.
    offer = (
        None if is_holdout else services.campaign_offer(campaign=campaign, variant=variant, currency=currency)
    )
    for course in courses:
        course.discount_amount = None
        course.final_price = course.price_amount
        if offer is not None and course.price_amount is not None:
            off = offer.off(course.price_amount)
            if off:
                course.discount_amount = off
                course.final_price = course.price_amount - off
    partners = [cp.partner for cp in campaign.campaign_partners.all() if cp.partner_id != campaign.partner_id]
    context = {
        "campaign": campaign,
        "lead_partner": campaign.partner,
        "co_partners": partners,
        "variant": variant,
        "is_holdout": is_holdout,
        "offer": not is_holdout,
        "is_preview": not live,
        "headline": (variant.headline if variant and variant.headline else "") or campaign.headline,
        "courses": courses,
        "code": code,
        "percent": offer.percent if offer else None,
        "fixed_amount": offer.amount if offer else None,
        "currency": currency,
        "has_discount": offer is not None and any(c.discount_amount for c in courses),
        "zero": Decimal("0"),
    }
    return render(request, "campaigns/landing.html", context)
