"""Analytics pages: the partner portal's campaign metrics page (and its CSV), and the staff
dashboards in the admin (ranking and budget alerts, alliance insights, rising categories).

Views only pick the rows (selectors), hide small groups for partners and turn figures into
display text; the figures themselves come from the nightly rows."""

import csv
from decimal import Decimal

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns.selectors import campaign_get_for_partner
from courses.templatetags.catalog_tags import format_money
from partners.portal_access import portal_member_required
from partners.privacy import min_group_size

from . import charts, registry, selectors
from .alliance import alliance_graph
from .dates import parse_range
from .lift import Lift
from .privacy import SUPPRESSION_RULES, partner_row
from .registry import CSV_COLUMNS
from .trends import enrollment_trends

# --- Display ---------------------------------------------------------------------------------


def _percent(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def _formatted(metric: registry.Metric, value, currency: str):
    if metric.format == registry.Format.MONEY:
        return format_money(value, currency)
    if metric.format == registry.Format.PERCENT:
        return _percent(value)
    if metric.format == registry.Format.MULTIPLE:
        return f"{Decimal(value):.2f}×"
    return value


def display(row: dict, currency: str) -> dict:
    """Every figure of a row as text, formatted as the registry says. A figure hidden by the
    privacy rule reads "< N" when it is a count of people and "hidden" otherwise (a hidden
    ratio or amount must not read like a count); a ratio without a denominator reads "—"."""
    hidden = {name for group in row.get("suppressed", ()) for name in SUPPRESSION_RULES[group]}
    shown = {}
    for key, value in row.items():
        metric = registry.BY_NAME.get(key)
        if value is None and key in hidden:
            is_count = metric is not None and metric.unit == registry.Unit.COUNT
            shown[key] = f"< {min_group_size()}" if is_count else _("hidden")
        elif value is None:
            shown[key] = "—"
        elif metric is not None:
            shown[key] = _formatted(metric, value, currency)
        else:
            shown[key] = value
    return shown


def _lift_display(lift: Lift | None) -> dict | None:
    if lift is None:
        return None
    return {
        "lift": _percent(lift.lift),
        "ci_low": _percent(lift.ci_low),
        "ci_high": _percent(lift.ci_high),
        "cvr": _percent(lift.cvr),
        "cvr_holdout": _percent(lift.cvr_holdout),
        "incremental_orders": "—" if lift.incremental_orders is None else f"{lift.incremental_orders:.1f}",
        "significant": lift.significant,
    }


# --- Partner portal ---------------------------------------------------------------------------


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
    totals = partner_row(data.totals)
    labels = [row["date"].strftime("%m-%d") for row in daily]
    funnel = [(registry.BY_NAME[key].label, totals[key]) for key, _value in data.funnel]
    variants = [
        {
            **display(partner_row(row), currency),
            "lift": _lift_display(selectors.lift_for_partner(data.variant_lifts[row["variant_id"]])),
        }
        for row in data.variants
    ]
    markets = [display(partner_row(row), currency) for row in data.markets]
    overlap = selectors.audience_overlap_latest(partner_id=request.portal_partner.pk)
    label = {name: metric.label for name, metric in registry.BY_NAME.items()}
    context = {
        "campaign": campaign,
        "date_from": data.date_from,
        "date_to": data.date_to,
        "live_days": data.live_days,
        "totals": display(totals, currency),
        "daily": [display(row, currency) for row in daily],
        "variants": variants,
        "markets": markets,
        "lift": _lift_display(selectors.lift_for_partner(data.lift)),
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
            [
                (row["name"], partner_row(raw)["traffic_share"])
                for row, raw in zip(variants, data.variants, strict=True)
            ],
        )
        if variants
        else None,
    }
    return render(request, "analytics/portal_campaign.html", context)


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


# --- Staff (admin) ----------------------------------------------------------------------------


def _admin_context(request: HttpRequest, title: str) -> dict:
    return {**admin.site.each_context(request), "title": title}


def staff_dashboard(request: HttpRequest) -> TemplateResponse:
    ranking = selectors.campaign_ranking()
    rows = [
        {
            "campaign": row["campaign"],
            "alert": row["alert"],
            "burn": _percent(row["burn"]),
            "spent": format_money(row["spent"], row["campaign"].budget_currency),
            "budget": format_money(row["campaign"].budget_amount, row["campaign"].budget_currency)
            if row["campaign"].budget_amount is not None
            else "—",
            "net_revenue": format_money(row["net_revenue"], row["campaign"].budget_currency),
            "roi": _percent(row["roi"]),
            "lift": _lift_display(row["lift"]),
            "orders": row["orders"],
            "visitors": row["unique_visitors"],
        }
        for row in ranking
    ]
    context = {
        **_admin_context(request, _("Campaign analytics")),
        "rows": rows,
        "alerts": [row for row in rows if row["alert"]],
        "roi_chart": charts.bar_chart(
            _("Return on investment"),
            [(str(row["campaign"]), row["roi"]) for row in ranking[:15] if row["roi"] is not None],
        ),
    }
    return TemplateResponse(request, "analytics/admin_dashboard.html", context)


def staff_alliance(request: HttpRequest) -> TemplateResponse:
    graph = alliance_graph()
    context = {
        **_admin_context(request, _("Alliance insights")),
        "graph": graph,
        "chart": charts.network_chart(
            _("Partners linked by shared campaigns"),
            [(insight.partner.name, insight.scaled) for insight in graph.partners],
            graph.edges,
        )
        if graph.partners
        else None,
        "edges": [
            (graph.partners[i].partner, graph.partners[j].partner, f"{weight:,.2f}")
            for i, j, weight in graph.edges
        ],
    }
    return TemplateResponse(request, "analytics/admin_alliance.html", context)


def staff_trends(request: HttpRequest) -> TemplateResponse:
    try:
        weeks = min(max(int(request.GET.get("weeks", 12)), 2), 104)
    except ValueError:
        weeks = 12
    trends = enrollment_trends(weeks=weeks)
    labels = [start.strftime("%m-%d") for start in trends.weeks]
    context = {
        **_admin_context(request, _("Rising categories")),
        "trends": trends,
        "weeks": weeks,
        "chart": charts.line_chart(
            _("Weekly enrollments per category"),
            labels,
            [(str(trend.category), trend.weekly) for trend in trends.categories[:6]],
        )
        if trends.categories
        else None,
    }
    return TemplateResponse(request, "analytics/admin_trends.html", context)
