"""Recommendation rails for pages owned by other apps (home, course page, My learning).
Each rail reads the stored lists through ``recommender.selectors`` (a fixed number of
queries) and renders nothing when there is nothing to show."""

from django import template
from django.utils.translation import gettext_lazy as _

from ..audiences import audience_includes_user, audience_picks_cached
from ..selectors import owned_course_ids, recommendations_for_user, similar_courses

register = template.Library()


def _rail(title, items, *, testid: str) -> dict:
    return {"title": title, "items": items, "testid": testid}


@register.inclusion_tag("recommender/_rail.html", takes_context=True)
def recommended_for_you(context, k: int = 6) -> dict:
    """The "recommended for you" rail of the home page (signed-in learners only)."""
    user = getattr(context.get("request"), "user", None)
    items = recommendations_for_user(user=user, k=k) if user is not None and user.is_authenticated else []
    return _rail(_("Recommended for you"), items, testid="rail-for-you")


@register.inclusion_tag("recommender/_rail.html", takes_context=True)
def next_for_you(context, k: int = 4) -> dict:
    """The "next for you" rail of My learning."""
    user = getattr(context.get("request"), "user", None)
    items = recommendations_for_user(user=user, k=k) if user is not None and user.is_authenticated else []
    return _rail(_("Next for you"), items, testid="rail-next-for-you")


@register.inclusion_tag("recommender/_rail.html")
def similar_courses_rail(course, k: int = 4) -> dict:
    """The "similar courses" rail of a course page."""
    items = similar_courses(course=course, k=k) if course is not None else []
    return _rail(_("Similar courses"), items, testid="rail-similar")


@register.inclusion_tag("recommender/_rail.html", takes_context=True)
def campaign_audience_rail(context, campaign, k: int = 4) -> dict:
    """The campaign landing page's rail for a signed-in learner in the campaign's audience:
    the recommender's picks for the audience, less what the learner owns. Everyone else
    (anonymous visitors, learners outside the audience) sees the page without it."""
    user = getattr(context.get("request"), "user", None)
    items = []
    if campaign is not None and audience_includes_user(campaign=campaign, user=user):
        owned = owned_course_ids(user=user)
        picks = audience_picks_cached(campaign=campaign, k=k * 2)
        items = [pick.as_recommended() for pick in picks if pick.course.pk not in owned][:k]
    return _rail(_("Picked for you in this campaign"), items, testid="rail-audience")
