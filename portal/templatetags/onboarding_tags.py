"""The "getting started" checklist on a new partner's dashboard: what to do first and
what is done, read in two queries."""

from django import template
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from campaigns.models import Campaign, DiscountCode, TrackingLink
from partners.models import Partner, PartnerInvitation, PartnerMember

register = template.Library()


@register.simple_tag(takes_context=True)
def getting_started(context) -> list[dict] | None:
    """The steps with ``done`` flags, or None once every step is done."""
    request = context["request"]
    partner_id = request.portal_partner.pk
    flags = (
        Partner.objects.filter(pk=partner_id)
        .annotate(
            team=Exists(PartnerMember.objects.filter(partner=OuterRef("pk")).exclude(user=request.user))
            | Exists(PartnerInvitation.objects.filter(partner=OuterRef("pk"), revoked_at__isnull=True)),
            campaign=Exists(Campaign.objects.filter(partner=OuterRef("pk"))),
            submitted=Exists(Campaign.objects.filter(partner=OuterRef("pk")).filter(~Q(status="draft"))),
            shared=Exists(DiscountCode.objects.filter(campaign__partner=OuterRef("pk")))
            | Exists(TrackingLink.objects.filter(campaign__partner=OuterRef("pk"))),
        )
        .values("team", "campaign", "submitted", "shared")
        .get()
    )
    mfa = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    steps = [
        {"label": _("Set up two-factor authentication"), "done": mfa, "url": reverse("accounts:mfa_setup")},
        {"label": _("Invite your team"), "done": flags["team"], "url": reverse("portal:member_list")},
        {
            "label": _("Create your first campaign"),
            "done": flags["campaign"],
            "url": reverse("portal:campaign_create"),
        },
        {
            "label": _("Submit it for approval"),
            "done": flags["submitted"],
            "url": reverse("portal:campaign_list"),
        },
        {
            "label": _("Share discount codes and tracking links"),
            "done": flags["shared"],
            "url": reverse("portal:campaign_list"),
        },
    ]
    return None if all(step["done"] for step in steps) else steps
