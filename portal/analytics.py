"""The portal's metrics page of a campaign (one per campaign: the former "Analytics" URL
redirects here) and its CSV. Figures come from ``analytics.selectors``, pass through the one
privacy rule (``analytics.privacy.partner_row``) and are formatted by ``analytics.display``."""

import csv

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analytics import charts, registry, selectors
from analytics.dates import parse_range
from analytics.display import display, lift_display
from analytics.privacy import min_group_size, partner_row
from analytics.registry import CSV_COLUMNS
from campaigns.selectors import campaign_get_for_partner
from core.cldr import format_day_month

from .access import portal_member_required


def _partner_analytics(request: HttpRequest, pk: int):
    campaign = campaign_get_for_partner(partner=request.portal_partner, pk=pk)
    if campaign is None:
        raise Http404("no such campaign for this partner")
    date_from, date_to = parse_range(
        request.GET.get("from"), request.GET.get("to"), campaign=campaign, strict=False
    )
    return selectors.campaign_analytics(campaign=campaign, date_from=date_from, date_to=date_to)


@require_GET
@portal_member_required
def campaign_analytics(request: HttpRequest, pk: int) -> HttpResponse:
    """The former "Analytics" tab: one metrics page per campaign now."""
    target = reverse("portal:campaign_metrics", kwargs={"pk": pk})
    query = request.GET.urlencode()
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


@require_GET
@portal_member_required
def campaign_metrics(request: HttpRequest, pk: int) -> HttpResponse:
    data = _partner_analytics(request, pk)
    campaign, currency = data.campaign, data.campaign.budget_currency
    daily = [partner_row(row) for row in data.daily]
    totals = data.partner_totals
    labels = [format_day_month(row["date"]) for row in daily]
    funnel = [(registry.BY_NAME[key].label, totals[key]) for key, _value in data.funnel]
    variants = [
        {
            **display(row, currency),
            "lift": lift_display(selectors.lift_for_partner(data.variant_lifts[row["variant_id"]])),
        }
        for row in data.partner_variants
    ]
    markets = [display(row, currency) for row in data.partner_markets]
    overlap = selectors.audience_overlap_latest(partner_id=request.portal_partner.pk)
    label = {name: metric.label for name, metric in registry.BY_NAME.items()}
    context = {
        "campaign": campaign,
        "date_from": data.date_from,
        "date_to": data.date_to,
        "live_days": data.live_days,
        "partial": totals["partial"],
        "totals": display(totals, currency),
        "daily": [display(row, currency) for row in daily],
        "variants": variants,
        "markets": markets,
        "lift": lift_display(selectors.lift_for_partner(data.lift)),
        "min_group": min_group_size(),
        "overlap": overlap,
        "overlap_shown": overlap is not None and overlap.overlap >= min_group_size(),
        "traffic_chart": charts.line_chart(
            _("Visitors and orders per day"),
            labels,
            [
                (label["unique_visitors"], [row["unique_visitors"] for row in daily]),
                (label["orders"], [row["orders"] for row in daily]),
            ],
        ),
        "revenue_chart": charts.line_chart(
            _("Net revenue per day"),
            labels,
            [(label["net_revenue"], [row["net_revenue"] for row in daily])],
        ),
        "funnel_chart": charts.bar_chart(_("Funnel"), funnel),
        "variant_chart": charts.bar_chart(
            label["traffic_share"],
            [(row["name"], row["traffic_share"]) for row in data.partner_variants],
        )
        if variants
        else None,
    }
    return render(request, "portal/campaigns/metrics.html", context)


@require_GET
@portal_member_required
def campaign_analytics_csv(request: HttpRequest, pk: int) -> HttpResponse:
    data = _partner_analytics(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{data.campaign.slug}-{data.date_from:%Y%m%d}-{data.date_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["date", *CSV_COLUMNS, "currency", "suppressed"])
    for row in data.daily:
        shown = partner_row(row)
        writer.writerow(
            [
                row["date"].isoformat(),
                *("" if shown.get(key) is None else shown[key] for key in CSV_COLUMNS),
                data.campaign.budget_currency,
                ";".join(shown["suppressed"]),
            ]
        )
    return response
