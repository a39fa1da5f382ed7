"""Reads of the partners app. Every partner-facing read takes the partner and is scoped
to it; lists cost a fixed number of queries whatever their length."""

from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import User
from partners.models import (
    ApiKey,
    ConsentText,
    Partner,
    PartnerConsent,
    PartnerCustomer,
    PartnerInvitation,
    PartnerMember,
)
from partners.privacy import suppress_small_groups


def partner_member_for_user(user: User) -> PartnerMember | None:
    if not user.is_authenticated:
        return None
    return PartnerMember.objects.select_related("partner").filter(user=user).first()


def partner_active_list() -> QuerySet[Partner]:
    return Partner.objects.filter(status=Partner.Status.ACTIVE)


def partner_get(*, slug: str) -> Partner | None:
    return Partner.objects.filter(slug=slug).first()


def partner_get_active(*, slug: str) -> Partner | None:
    return partner_active_list().filter(slug=slug).first()


def api_key_list(*, partner: Partner) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(partner=partner).select_related("created_by").order_by("-created_at", "-id")


def api_key_get(*, partner: Partner, pk: int) -> ApiKey | None:
    return ApiKey.objects.filter(partner=partner, pk=pk).first()


def partner_customer_list(*, partner: Partner) -> QuerySet[PartnerCustomer]:
    """The partner's pushed customers that still consent, newest change first."""
    return PartnerCustomer.objects.filter(partner=partner, withdrawn_at__isnull=True).order_by(
        "-updated_at", "-id"
    )


def partner_customer_get(*, partner: Partner, external_hash: str) -> PartnerCustomer | None:
    return partner_customer_list(partner=partner).filter(external_hash=external_hash).first()


def partner_linked_learner_list(*, partner: Partner) -> QuerySet[PartnerConsent]:
    """Learners who consent to share data with the partner right now; a withdrawn consent
    drops the learner from this list at once."""
    return (
        PartnerConsent.objects.filter(partner=partner, withdrawn_at__isnull=True)
        .select_related("user", "user__profile", "consent_text")
        .order_by("-granted_at", "-id")
    )


def learner_consent_list(*, user: User) -> QuerySet[PartnerConsent]:
    """A learner's consents, active first then withdrawn (the audit trail they can see)."""
    return (
        PartnerConsent.objects.filter(user=user)
        .select_related("partner", "consent_text")
        .order_by("withdrawn_at", "-granted_at", "-id")
    )


def learner_active_consent(*, user: User, partner: Partner) -> PartnerConsent | None:
    return (
        PartnerConsent.objects.filter(user=user, partner=partner, withdrawn_at__isnull=True)
        .select_related("consent_text")
        .first()
    )


def partner_linkable_list(*, user: User) -> QuerySet[Partner]:
    """Active partners the learner is not linked to now."""
    linked = PartnerConsent.objects.filter(user=user, withdrawn_at__isnull=True).values("partner_id")
    return partner_active_list().exclude(pk__in=linked)


def consent_text_current() -> ConsentText | None:
    return ConsentText.objects.filter(is_current=True).first()


def partner_dashboard_figures(*, partner: Partner) -> dict:
    """Key figures for the portal dashboard (five queries). Breakdowns are aggregates, so
    their small groups are suppressed; linked learners consented to be seen one by one."""
    customers = PartnerCustomer.objects.filter(partner=partner, withdrawn_at__isnull=True)
    by_country = suppress_small_groups(
        [
            {"country": row["country"] or "", "count": row["count"]}
            for row in customers.values("country").annotate(count=Count("id")).order_by("-count", "country")
        ],
        "count",
    )
    return {
        "customers": customers.count(),
        "customers_by_country": by_country,
        "linked_learners": PartnerConsent.objects.filter(partner=partner, withdrawn_at__isnull=True).count(),
        "active_api_keys": ApiKey.objects.filter(partner=partner, revoked_at__isnull=True).count(),
    }


def partner_member_list(*, partner: Partner) -> list[PartnerMember]:
    return list(PartnerMember.objects.filter(partner=partner).select_related("user").order_by("role", "id"))


def partner_open_invitations(*, partner: Partner) -> list[PartnerInvitation]:
    return list(
        PartnerInvitation.objects.filter(
            partner=partner, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).order_by("-created_at")
    )
