"""Partner-portal pages of partners: dashboard (with the campaigns block), API keys,
customers, linked learners.
Every query goes through a selector scoped to ``request.portal_partner``."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from partners import selectors
from partners.customer_csv import customer_csv_parse
from partners.forms import ApiKeyCreateForm, CustomerUploadForm
from partners.privacy import min_group_size
from partners.services import api_key_issue, api_key_revoke, partner_customers_upsert
from recommender.selectors import cold_start

from .access import is_portal_owner, portal_member_required
from .campaigns import campaign_dashboard_block

PAGE_SIZE = 25
CUSTOMER_RECOMMENDATIONS = 6


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_GET
@portal_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    partner = request.portal_partner
    return render(
        request,
        "portal/partners/dashboard.html",
        {
            "partner": partner,
            "figures": selectors.partner_dashboard_figures(partner=partner),
            **campaign_dashboard_block(partner),
            "min_group_size": min_group_size(),
        },
    )


def _api_key_page(
    request: HttpRequest, form: ApiKeyCreateForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "api_keys": list(selectors.api_key_list(partner=request.portal_partner)),
        "form": form or ApiKeyCreateForm(),
        "can_manage": is_portal_owner(request),
    }
    return render(request, "portal/partners/api_keys.html", context, status=status)


@require_GET
@portal_member_required
def api_key_list(request: HttpRequest) -> HttpResponse:
    return _api_key_page(request)


@never_cache
@require_POST
@portal_member_required(owner_only=True)
def api_key_create(request: HttpRequest) -> HttpResponse:
    form = ApiKeyCreateForm(request.POST)
    if not form.is_valid():
        return _api_key_page(request, form, status=400)
    try:
        api_key, raw_key = api_key_issue(
            partner=request.portal_partner,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            created_by=request.user,
        )
    except ApplicationError as exc:
        form.add_error(None, str(exc.message))
        return _api_key_page(request, form, status=400)
    # Rendered, not redirected: the raw key must not travel in a URL or the session.
    return render(request, "portal/partners/api_key_created.html", {"api_key": api_key, "raw_key": raw_key})


@require_POST
@portal_member_required(owner_only=True)
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = selectors.api_key_get(partner=request.portal_partner, pk=pk)
    if api_key is None:
        raise Http404
    api_key_revoke(api_key=api_key)
    messages.success(request, _("The API key %(prefix)s… was revoked.") % {"prefix": api_key.prefix})
    return redirect("portal:api_key_list")


def _customer_page(
    request: HttpRequest, form: CustomerUploadForm | None = None, status: int = 200, errors=()
):
    context = {
        "page": _page(request, selectors.partner_customer_list(partner=request.portal_partner)),
        "form": form or CustomerUploadForm(),
        "can_manage": is_portal_owner(request),
        "row_errors": errors,
    }
    return render(request, "portal/partners/customers.html", context, status=status)


@require_GET
@portal_member_required
def customer_list(request: HttpRequest) -> HttpResponse:
    return _customer_page(request)


@require_POST
@portal_member_required(owner_only=True)
def customer_upload(request: HttpRequest) -> HttpResponse:
    form = CustomerUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _customer_page(request, form, status=400)
    try:
        entries = customer_csv_parse(form.cleaned_data["file"])
        counts = partner_customers_upsert(partner=request.portal_partner, customers=entries)
    except ApplicationError as exc:
        form.add_error(None, str(exc.message))
        # CSV row numbers: the header is row 1.
        errors = [{**error, "row": error["index"] + 2} for error in exc.extra.get("errors", [])]
        return _customer_page(request, form, status=400, errors=errors)
    messages.success(
        request,
        _("Customers uploaded: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.") % counts,
    )
    return redirect("portal:customer_list")


@require_GET
@portal_member_required
def customer_detail(request: HttpRequest, external_hash: str) -> HttpResponse:
    customer = selectors.partner_customer_get(partner=request.portal_partner, external_hash=external_hash)
    if customer is None:
        raise Http404
    interests = [str(slug) for slug in customer.interests] if isinstance(customer.interests, list) else []
    # Pushed customers have no history with us: the same interest-based list the partner
    # API answers for them.
    recommendations = cold_start(interests=interests, owned=None, k=CUSTOMER_RECOMMENDATIONS)
    return render(
        request,
        "portal/partners/customer_detail.html",
        {"customer": customer, "recommendations": recommendations},
    )


@require_GET
@portal_member_required
def linked_learner_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.partner_linked_learner_list(partner=request.portal_partner))
    return render(request, "portal/partners/linked_learners.html", {"page": page})
