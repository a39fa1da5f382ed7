"""The portal's link in the site header (``templates/base.html``): the portal is the top
floor, so the header asks it instead of a lower app reaching up for partner memberships.
Also the ``country`` filter the portal's tables use to name countries."""

from django import template
from django.urls import reverse

from core.money import country_name
from partners.selectors import partner_member_for_user

register = template.Library()


@register.simple_tag(takes_context=True)
def partner_portal_url(context) -> str:
    """The portal dashboard's URL for a partner member, "" for everyone else (one query a
    request, remembered on the request)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    cache_attr = "_zq_is_partner_member"
    if not hasattr(request, cache_attr):
        setattr(request, cache_attr, partner_member_for_user(user) is not None)
    return reverse("portal:dashboard") if getattr(request, cache_attr) else ""


@register.filter
def country(code: str) -> str:
    """A country code as its name in the page's language (CLDR)."""
    return country_name(code) or "—"
