"""Campaign blocks for portal pages owned by the partners app (the dashboard)."""

from django import template

from partners.models import Partner

from .. import selectors
from ..models import Campaign

register = template.Library()

DASHBOARD_ROWS = 5


@register.inclusion_tag("campaigns/portal/_dashboard.html")
def partner_campaign_dashboard(partner: Partner | None) -> dict:
    """The member's latest campaigns with nightly totals or live counts, plus the number
    running (a fixed number of queries whatever the number of campaigns)."""
    if partner is None:
        return {"campaigns": [], "running_count": 0}
    # Imported here: the portal views module pulls in forms and services, which a
    # template-tag library should not load at import time.
    from ..portal_views import _figures

    campaigns = list(selectors.campaign_list_for_partner(partner=partner)[:DASHBOARD_ROWS])
    figures = _figures(campaigns)
    for campaign in campaigns:
        campaign.figures = figures[campaign.pk]
    running_count = (
        Campaign.objects.filter(status=Campaign.Status.RUNNING)
        .filter(pk__in=selectors.campaign_list_for_partner(partner=partner).values("pk"))
        .count()
    )
    return {"campaigns": campaigns, "running_count": running_count, "partner": partner}
