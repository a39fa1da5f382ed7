"""Campaign reads. Lists and pages cost a fixed number of queries whatever their length;
every partner-facing read is scoped to the partner (lead or co-partner)."""

from django.db.models import (
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from courses.models import Course, Price
from partners.models import Partner
from plans.models import Entitlement

from .models import (
    Campaign,
    CampaignCourse,
    CampaignPartner,
    DiscountCode,
    OrderAttribution,
    PlanGrant,
    TrackingLink,
    Variant,
)


def _with_related(queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return queryset.select_related("partner").prefetch_related(
        Prefetch(
            "campaign_courses",
            queryset=CampaignCourse.objects.select_related("course").order_by("position", "id"),
        ),
        Prefetch(
            "campaign_partners",
            queryset=CampaignPartner.objects.select_related("partner").order_by("partner_id"),
        ),
        Prefetch("variants", queryset=Variant.objects.order_by("id")),
        "fixed_discounts",
    )


def campaign_list_for_partner(*, partner: Partner) -> QuerySet[Campaign]:
    """Campaigns the partner leads or takes part in, with courses, parties, variants and
    fixed amounts prefetched (five queries for any number of rows)."""
    return _with_related(
        Campaign.objects.filter(Q(partner=partner) | Q(campaign_partners__partner=partner)).distinct()
    ).order_by("-created_at", "-id")


def campaign_get(*, pk: int) -> Campaign:
    return _with_related(Campaign.objects.filter(pk=pk)).get()


def campaign_get_for_partner(*, partner: Partner, pk: int) -> Campaign | None:
    return campaign_list_for_partner(partner=partner).filter(pk=pk).first()


def campaign_is_party(*, campaign: Campaign, partner_id: int | None) -> bool:
    if partner_id is None:
        return False
    return campaign.partner_id == partner_id or any(
        cp.partner_id == partner_id for cp in campaign.campaign_partners.all()
    )


def campaign_for_landing(*, slug: str) -> Campaign | None:
    return (
        Campaign.objects.select_related("partner")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("id")),
            Prefetch(
                "campaign_partners",
                queryset=CampaignPartner.objects.select_related("partner").order_by("id"),
            ),
            "fixed_discounts",
        )
        .filter(slug=slug)
        .first()
    )


def campaign_courses_priced(*, campaign: Campaign, currency: str) -> list[Course]:
    """The campaign's published courses in campaign order with ``price_amount`` in
    ``currency`` (``None`` when the course has no price there). One query."""
    price = Subquery(Price.objects.filter(course=OuterRef("pk"), currency=currency).values("amount")[:1])
    return list(
        Course.objects.filter(campaign_parts__campaign=campaign, is_published=True)
        .select_related("category", "instructor")
        .annotate(price_amount=price, price_currency=Value(currency))
        .order_by("campaign_parts__position", "campaign_parts__id")
    )


def campaign_course_ids_column(*, campaign: str, vendor: str) -> str:
    """An SQL expression: the joint courses of ``campaign`` (a column of the caller's
    statement), the lines its partners share in, as their ids joined by commas
    (``campaign_course_ids_parse`` reads it back). A coded checkout's quote reads them with
    the code's row instead of in a statement of their own."""
    ids = (
        "string_agg(CAST(j.course_id AS text), ',')"
        if vendor == "postgresql"
        else "group_concat(j.course_id, ',')"
    )
    return f"(SELECT {ids} FROM {CampaignCourse._meta.db_table} j WHERE j.campaign_id = {campaign})"


def campaign_course_ids_parse(value: str | None) -> set[int]:
    return {int(part) for part in value.split(",")} if value else set()


def campaign_public_code(*, campaign: Campaign, requested: str = "") -> DiscountCode | None:
    """The code a landing page prefills: the one in the link when it belongs to this
    campaign and can still be used, else the campaign's named public code."""
    now = timezone.now()
    usable = DiscountCode.objects.filter(campaign=campaign, is_active=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    if requested:
        code = "".join(ch for ch in requested if ch.isascii() and ch.isalnum()).upper()[:40]
        return usable.filter(code=code).first()
    return usable.filter(batch_id__isnull=True).order_by("-max_redemptions", "id").first()


def tracking_link_get(*, token: str) -> TrackingLink | None:
    return (
        TrackingLink.objects.select_related("campaign", "campaign__partner", "variant")
        .filter(token=token)
        .first()
    )


def tracking_link_list(*, campaign: Campaign) -> QuerySet[TrackingLink]:
    return TrackingLink.objects.filter(campaign=campaign).select_related("variant").order_by("id")


def discount_code_list(*, campaign: Campaign) -> QuerySet[DiscountCode]:
    return DiscountCode.objects.filter(campaign=campaign).order_by("id")


def attribution_list(*, campaign: Campaign) -> QuerySet[OrderAttribution]:
    return (
        OrderAttribution.objects.filter(campaign=campaign)
        .select_related("code", "variant")
        .order_by("-paid_at")
    )


def plan_grant_list(*, campaign: Campaign, partner: Partner) -> list[PlanGrant]:
    """The partner's grants of the campaign's plan, newest first, each with ``claimed``
    (the customer's entitlement exists): two queries whatever their number."""
    grants = list(
        PlanGrant.objects.filter(campaign=campaign, partner=partner)
        .select_related("customer", "granted_by")
        .order_by("-created_at", "-id")
    )
    claimed = (
        set(
            Entitlement.objects.filter(source__in=[grant.entitlement_source for grant in grants]).values_list(
                "source", flat=True
            )
        )
        if grants
        else set()
    )
    for grant in grants:
        grant.claimed = grant.entitlement_source in claimed
    return grants
