"""Partner-portal pages of co-branded campaigns. Every read is scoped to
``request.portal_partner`` (lead or co-partner; another partner's campaign is a 404);
analysts read, owners write, and only the lead partner changes a campaign."""

import csv
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analytics.privacy import min_group_size, order_list_visible, partner_row
from analytics.selectors import campaign_figures
from campaigns import selectors, services
from campaigns.forms import CampaignForm, CodesGenerateForm, NamedCodeForm, PlanGrantForm, TrackingLinkForm
from campaigns.models import Campaign
from core.exceptions import ApplicationError
from partners.privacy import is_small_group
from recommender.audiences import active_segment_catalog, audience_estimate, audience_picks

from .access import is_portal_owner, portal_forbidden, portal_member_required

CODES_PAGE_SIZE = 50
DASHBOARD_ROWS = 5
ORDER_LIST_ROWS = 20


def _campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    campaign = selectors.campaign_get_for_partner(partner=request.portal_partner, pk=pk)
    if campaign is None:
        raise Http404("no such campaign for this partner")
    return campaign


def _refuse_write(request: HttpRequest, campaign: Campaign | None = None) -> HttpResponse | None:
    if not is_portal_owner(request):
        return portal_forbidden(request, _("Only the partner's owner can do this."))
    if campaign is not None and campaign.partner_id != request.portal_partner.pk:
        return portal_forbidden(request, _("Only the lead partner can change this campaign."))
    return None


def _figures(campaigns: list[Campaign]) -> dict[int, dict]:
    """Totals since each campaign began, today counted live with the nightly rules, as the
    partner may see them (small groups hidden, totals made of shown days only)."""
    return campaign_figures(campaigns=list(campaigns))


def campaign_dashboard_block(partner) -> dict:
    """The campaigns block of the portal dashboard: the latest campaigns with their figures
    (small groups hidden) and how many are running; a fixed number of queries."""
    listed = selectors.campaign_list_for_partner(partner=partner)
    campaigns = list(listed[:DASHBOARD_ROWS])
    raw = _figures(campaigns)
    for campaign in campaigns:
        campaign.figures = raw[campaign.pk]
    running_count = listed.filter(status=Campaign.Status.RUNNING).count()
    return {"campaigns": campaigns, "running_count": running_count}


@require_GET
@portal_member_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(selectors.campaign_list_for_partner(partner=request.portal_partner))
    raw = _figures(campaigns)
    for campaign in campaigns:
        campaign.figures = raw[campaign.pk]
    totals = partner_row(
        {key: sum(raw[c.pk][key] or 0 for c in campaigns) for key in ("unique_visitors", "clicks", "orders")}
    )
    context = {
        "campaigns": campaigns,
        "totals": totals,
        "running_count": sum(1 for c in campaigns if c.status == Campaign.Status.RUNNING),
        "can_write": is_portal_owner(request),
    }
    return render(request, "portal/campaigns/list.html", context)


def _segment_label(label: str, size: int | None, min_group: int) -> str:
    if size is None or is_small_group(size):
        return _("%(segment)s · fewer than %(n)s learners") % {"segment": label, "n": min_group}
    return ngettext("%(segment)s · %(count)s learner", "%(segment)s · %(count)s learners", size) % {
        "segment": label,
        "count": size,
    }


def _segment_choices(catalog) -> list[tuple[int, str]]:
    """The active version's segments with their sizes, small ones as "fewer than N"."""
    minimum = min_group_size()
    return [(n, _segment_label(label, catalog.sizes.get(n), minimum)) for n, label in catalog.labels.items()]


def _campaign_form(request: HttpRequest, **kwargs) -> CampaignForm:
    return CampaignForm(
        request.POST or None,
        partner=request.portal_partner,
        segment_choices=_segment_choices(active_segment_catalog()),
        **kwargs,
    )


def _audience_block(campaign: Campaign) -> dict:
    """What the campaign's audience is, how big (small groups as "fewer than N") and what
    the recommender would pick for it: six queries whatever the audience's size."""
    catalog = active_segment_catalog()
    current = campaign.audience_segments_version == catalog.version_id
    return {
        "segments": [
            catalog.labels[n] for n in campaign.audience_segments if current and n in catalog.labels
        ],
        "stale_segments": bool(campaign.audience_segments) and not current,
        "estimate": audience_estimate(campaign=campaign),
        "picks": audience_picks(campaign=campaign),
    }


def _save_form(request: HttpRequest, form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    if not form.is_valid():
        return None
    try:
        if campaign is None:
            return services.campaign_create(
                partner=request.portal_partner, created_by=request.user, **form.service_kwargs()
            )
        return services.campaign_update(campaign=campaign, **form.service_kwargs())
    except ApplicationError as exc:
        form.add_error(None, str(exc.message))
        return None


@never_cache
@require_http_methods(["GET", "POST"])
@portal_member_required(owner_only=True)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = _campaign_form(request)
    if request.method == "POST":
        campaign = _save_form(request, form, None)
        if campaign is not None:
            messages.success(request, _("Draft saved."))
            return redirect("portal:campaign_detail", pk=campaign.pk)
    status = 400 if form.is_bound else 200
    return render(request, "portal/campaigns/form.html", {"form": form, "campaign": None}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@portal_member_required(owner_only=True)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    refused = _refuse_write(request, campaign)
    if refused is not None:
        return refused
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(request, _("Only draft campaigns can be edited."))
        return redirect("portal:campaign_detail", pk=campaign.pk)
    form = _campaign_form(request, initial=CampaignForm.initial_from(campaign))
    if request.method == "POST":
        saved = _save_form(request, form, campaign)
        if saved is not None:
            messages.success(request, _("Draft saved."))
            return redirect("portal:campaign_detail", pk=campaign.pk)
    status = 400 if form.is_bound else 200
    return render(request, "portal/campaigns/form.html", {"form": form, "campaign": campaign}, status=status)


@require_GET
@portal_member_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    raw = _figures([campaign])[campaign.pk]
    attributions = selectors.attribution_list(campaign=campaign)
    order_count = attributions.count()
    orders_visible = order_list_visible(order_count)
    landing_path = reverse("campaigns:landing", kwargs={"slug": campaign.slug})
    context = {
        "campaign": campaign,
        "figures": raw,
        # Single orders (number, time, amount) only for a group at or above the minimum size.
        "attributions": list(attributions[:ORDER_LIST_ROWS]) if orders_visible else [],
        "orders_hidden": order_count > 0 and not orders_visible,
        "min_group": min_group_size(),
        "is_lead": campaign.partner_id == request.portal_partner.pk,
        "can_write": is_portal_owner(request) and campaign.partner_id == request.portal_partner.pk,
        "landing_path": landing_path,
        "spent": services.campaign_spent(campaign_id=campaign.pk),
        # What a visitor of each variant is offered, by the rule the cart charges.
        "offers": _offers(campaign, landing_path),
        # The audience names the lead partner's own customers: co-partners do not see it.
        "audience": _audience_block(campaign) if campaign.partner_id == request.portal_partner.pk else None,
    }
    return render(request, "portal/campaigns/detail.html", context)


def _offers(campaign, landing_path: str) -> list[dict]:
    by_variant: dict[int | None, list] = {}
    for offer in services.campaign_offers(campaign=campaign):
        by_variant.setdefault(offer.variant_id, []).append(offer)
    rows = []
    for variant in [None, *campaign.variants.all()]:
        offers = by_variant.get(variant.pk if variant else None, [])
        percent = offers[0].percent if offers and offers[0].percent is not None else None
        rows.append(
            {
                "variant": variant,
                "percent": percent,
                "amounts": [] if percent is not None else [(o.amount, o.currency) for o in offers],
                # A campaign that is not live previews each variant's page (views.landing).
                "preview": f"{landing_path}?variant={variant.pk}" if variant else landing_path,
            }
        )
    return rows


def _transition_view(request: HttpRequest, pk: int, service, success_message) -> HttpResponse:
    """Submit and reopen differ only in the service they call and what they say after."""
    campaign = _campaign_or_404(request, pk)
    refused = _refuse_write(request, campaign)
    if refused is not None:
        return refused
    try:
        service(campaign=campaign)
        messages.success(request, success_message)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("portal:campaign_detail", pk=campaign.pk)


@require_POST
@portal_member_required(owner_only=True)
def campaign_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request,
        pk,
        services.campaign_submit,
        _("Submitted for review. We will tell you when it is approved."),
    )


@require_POST
@portal_member_required(owner_only=True)
def campaign_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition_view(
        request,
        pk,
        services.campaign_reopen,
        _("The campaign is a draft again: edit it and submit it once more."),
    )


@never_cache
@require_http_methods(["GET", "POST"])
@portal_member_required
def campaign_codes(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    generate_form, named_form = CodesGenerateForm(), NamedCodeForm()
    status = 200
    if request.method == "POST":
        refused = _refuse_write(request, campaign)
        if refused is not None:
            return refused
        try:
            if request.POST.get("kind") == "named":
                named_form = NamedCodeForm(request.POST)
                if named_form.is_valid():
                    code = services.discount_code_create_named(campaign=campaign, **named_form.cleaned_data)
                    messages.success(request, _("Code %(code)s created.") % {"code": code.code})
                    return redirect("portal:campaign_codes", pk=campaign.pk)
            else:
                generate_form = CodesGenerateForm(request.POST)
                if generate_form.is_valid():
                    codes = services.discount_codes_generate(campaign=campaign, **generate_form.cleaned_data)
                    messages.success(request, _("%(count)s codes generated.") % {"count": len(codes)})
                    return redirect(
                        reverse("portal:campaign_codes_csv", kwargs={"pk": campaign.pk})
                        + f"?batch={codes[0].batch_id}"
                    )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        status = 400
    page = Paginator(selectors.discount_code_list(campaign=campaign), CODES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "campaign": campaign,
        "page_obj": page,
        "generate_form": generate_form,
        "named_form": named_form,
        "can_write": is_portal_owner(request) and campaign.partner_id == request.portal_partner.pk,
    }
    return render(request, "portal/campaigns/codes.html", context, status=status)


@require_GET
@portal_member_required
def campaign_codes_csv(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    codes = selectors.discount_code_list(campaign=campaign)
    batch = request.GET.get("batch", "")
    if batch:
        try:
            codes = codes.filter(batch_id=uuid.UUID(batch[:36]))
        except ValueError as exc:
            raise Http404("malformed batch id") from exc
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-codes.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["code", "max_redemptions", "redemptions", "per_customer_limit", "expires_at", "batch_id"]
    )
    for code in codes.iterator(chunk_size=2000):
        writer.writerow(
            [
                code.code,
                code.max_redemptions,
                code.redemptions_count,
                code.per_customer_limit,
                code.expires_at.isoformat() if code.expires_at else "",
                code.batch_id or "",
            ]
        )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@portal_member_required
def campaign_links(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    form = TrackingLinkForm()
    status = 200
    if request.method == "POST":
        refused = _refuse_write(request, campaign)
        if refused is not None:
            return refused
        form = TrackingLinkForm(request.POST)
        if form.is_valid():
            try:
                services.tracking_link_create(campaign=campaign, **form.cleaned_data)
                messages.success(request, _("Tracking link created."))
                return redirect("portal:campaign_links", pk=campaign.pk)
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
        status = 400
    links = list(selectors.tracking_link_list(campaign=campaign))
    for link in links:
        link.absolute_url = request.build_absolute_uri(reverse("tracking_link", kwargs={"token": link.token}))
    context = {
        "campaign": campaign,
        "links": links,
        "form": form,
        "can_write": is_portal_owner(request) and campaign.partner_id == request.portal_partner.pk,
    }
    return render(request, "portal/campaigns/links.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@portal_member_required
def campaign_plan_grants(request: HttpRequest, pk: int) -> HttpResponse:
    """Grant the campaign's membership plan to one of the partner's own pushed customers
    (``campaign_plan_grant_for_customer``, the rules of the learner's claim), and the
    grants made so far. Every partner of the campaign grants to its own customers; owners
    write, analysts read."""
    campaign = _campaign_or_404(request, pk)
    partner = request.portal_partner
    form = PlanGrantForm()
    status = 200
    if request.method == "POST":
        if not is_portal_owner(request):
            return portal_forbidden(request, _("Only the partner's owner can do this."))
        form = PlanGrantForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                grant = services.campaign_plan_grant_for_customer(
                    campaign=campaign,
                    partner=partner,
                    external_id=form.cleaned_data["external_id"],
                    granted_by=request.user,
                )
            except ApplicationError as exc:
                form.add_error("external_id", str(exc.message))
            else:
                messages.success(
                    request,
                    _("Membership granted to customer %(customer)s.")
                    % {"customer": grant.customer.external_hash[:12]},
                )
                return redirect("portal:campaign_plan_grants", pk=campaign.pk)
    context = {
        "campaign": campaign,
        "plan": campaign.granted_plan,
        "grants": selectors.plan_grant_list(campaign=campaign, partner=partner),
        "form": form,
        "can_write": is_portal_owner(request),
    }
    return render(request, "portal/campaigns/plan_grants.html", context, status=status)
