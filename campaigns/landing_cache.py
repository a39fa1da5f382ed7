"""The shared cache of what landing pages and tracking links read (``core.caching``
namespace ``landing``): the campaign with its variants, parties and fixed amounts, the
tracking link, the public code and the rendered page. Every save or delete of a campaign,
its parts, codes, links or a partner bumps the namespace, so an edit shows at once; the
catalog namespace covers the courses a landing page lists."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.caching import cached, namespace_bump
from partners.models import Partner

from . import selectors
from .models import (
    Campaign,
    CampaignCourse,
    CampaignFixedDiscount,
    CampaignPartner,
    DiscountCode,
    TrackingLink,
    Variant,
)

LANDING = "landing"
CATALOG = "catalog"  # courses.catalog_cache.CATALOG: prices and titles on the page
LANDING_MODELS = (
    Campaign,
    CampaignCourse,
    CampaignFixedDiscount,
    CampaignPartner,
    DiscountCode,
    TrackingLink,
    Variant,
    Partner,
)
_MISSING = "missing"


def landing_bump() -> None:
    namespace_bump(LANDING)
    transaction.on_commit(lambda: namespace_bump(LANDING))


def campaign_for_landing(*, slug: str) -> Campaign | None:
    """``selectors.campaign_for_landing`` through the cache (no query on a hit), with the
    public code the page offers as ``landing_public_code``."""

    def build():
        campaign = selectors.campaign_for_landing(slug=slug)
        if campaign is None:
            return _MISSING
        campaign.landing_public_code = selectors.campaign_public_code(campaign=campaign)
        return campaign

    found = cached((LANDING,), ("campaign", slug), build)
    return None if found == _MISSING else found


def tracking_link(*, token: str) -> tuple[TrackingLink, list[Variant]] | None:
    """The link with its campaign and the campaign's variants (no query on a hit)."""

    def build():
        link = selectors.tracking_link_get(token=token)
        if link is None:
            return _MISSING
        return link, list(link.campaign.variants.order_by("id"))

    found = cached((LANDING,), ("link", token), build)
    return None if found == _MISSING else found


def _on_change(sender, **kwargs) -> None:
    if not kwargs.get("raw"):
        landing_bump()


def connect() -> None:
    for model in LANDING_MODELS:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"landing-cache-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"landing-cache-delete-{model.__name__}")
