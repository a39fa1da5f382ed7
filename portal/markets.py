"""The portal's "What each market says" page of a campaign: per market (language x
country) the reviews, stars, review sentiment, completion and refunds of the campaign's
courses, from ``culture.selectors.market_rows``. Partners see no small group: each figure
is hidden with the count of the people it is about when that count is below
``PARTNER_MIN_GROUP_SIZE`` (reviews, enrollments and orders are separate groups)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns.models import CampaignCourse
from campaigns.selectors import campaign_get_for_partner
from culture.display import market_display
from culture.selectors import market_rows
from partners.privacy import min_group_size, suppress_small_groups

from .access import portal_member_required

REVIEW_FIGURES = ("average_rating", "scored", "positive", "negative", "positive_share")


def partner_market_rows(*, course_ids: list[int]) -> list[dict]:
    """Market rows with each small group's figures set to ``None`` (and flagged)."""
    rows = market_rows(course_ids=course_ids)
    rows = suppress_small_groups(rows, "reviews", other_keys=REVIEW_FIGURES)
    rows = [{**row, "reviews_hidden": row["suppressed"]} for row in rows]
    rows = suppress_small_groups(rows, "enrollments", other_keys=("completed", "completion_rate"))
    rows = [{**row, "enrollments_hidden": row["suppressed"]} for row in rows]
    rows = suppress_small_groups(rows, "orders", other_keys=("refunded", "refund_rate"))
    return [{**row, "orders_hidden": row["suppressed"]} for row in rows]


@require_GET
@portal_member_required
def campaign_markets(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_get_for_partner(partner=request.portal_partner, pk=pk)
    if campaign is None:
        raise Http404("no such campaign for this partner")
    course_ids = list(CampaignCourse.objects.filter(campaign=campaign).values_list("course_id", flat=True))
    markets = [market_display(row) for row in partner_market_rows(course_ids=course_ids)]
    context = {"campaign": campaign, "markets": markets, "min_group_size": min_group_size()}
    return render(request, "portal/campaigns/markets.html", context)
