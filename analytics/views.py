"""The staff dashboards in the admin: ranking and budget alerts, alliance insights, rising
categories. (The partner portal's metrics page is ``portal.analytics``.)

Views only pick the rows (selectors), hide small groups for partners and turn figures into
display text; the figures themselves come from the nightly rows."""

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from core.cldr import format_day_month, format_number
from core.money import format_money
from culture import selectors as culture_selectors
from culture.display import market_display

from . import charts, selectors
from .alliance import alliance_graph
from .display import lift_display, percent
from .trends import enrollment_trends


def _admin_context(request: HttpRequest, title: str) -> dict:
    return {**admin.site.each_context(request), "title": title}


def staff_dashboard(request: HttpRequest) -> TemplateResponse:
    ranking = selectors.campaign_ranking()
    rows = [
        {
            "campaign": row["campaign"],
            "alert": row["alert"],
            "burn": percent(row["burn"]),
            "spent": format_money(row["spent"], row["campaign"].budget_currency),
            "budget": format_money(row["campaign"].budget_amount, row["campaign"].budget_currency)
            if row["campaign"].budget_amount is not None
            else "—",
            "net_revenue": format_money(row["net_revenue"], row["campaign"].budget_currency),
            "roi": percent(row["roi"]),
            "lift": lift_display(row["lift"]),
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
            (graph.partners[i].partner, graph.partners[j].partner, format_number(weight, 2))
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
    labels = [format_day_month(start) for start in trends.weeks]
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


def staff_markets(request: HttpRequest) -> TemplateResponse:
    """What each market (content language x learner's country) says: stars, review
    sentiment, completion and refunds side by side, with the sentiment model's held-out
    scores and the latest negative-review alerts. Staff see every market, small ones too."""
    run = culture_selectors.latest_sentiment_run()
    context = {
        **_admin_context(request, _("What each market says")),
        "markets": [market_display(row) for row in culture_selectors.market_rows()],
        "run": run,
        "alerts": culture_selectors.recent_alerts(),
    }
    return TemplateResponse(request, "analytics/admin_markets.html", context)
