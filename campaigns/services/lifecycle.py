"""Campaign lifecycle: create, edit, submit, approve or reject, start and end on schedule;
spend and budget."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.money import round_money
from core.timezones import INVALID_ZONE_MESSAGE, zone_for_market, zone_is_valid
from partners.models import Partner

from ..exceptions import (
    CampaignIncomplete,
    CampaignInvalid,
    CampaignNotEditable,
    InvalidTransition,
)
from ..models import (
    Campaign,
    CampaignCourse,
    CampaignFixedDiscount,
    CampaignPartner,
    SpendEntry,
    Variant,
)
from ..signals import campaign_reviewed, campaign_spend_recorded
from .audience import audience_apply

LANG_SUFFIXES = tuple(code.replace("-", "_") for code, _name in settings.LANGUAGES)
TRANSLATED_FIELDS = ("name", "headline", "body", "call_to_action")
PLAIN_FIELDS = (
    "starts_at",
    "ends_at",
    "discount_type",
    "discount_percent",
    "budget_amount",
    "budget_currency",
    "attribution_window_days",
    "target_languages",
    "target_countries",
    "holdout_share",
    "reporting_time_zone",
)
EDITABLE_FIELDS = frozenset(
    PLAIN_FIELDS + tuple(f"{name}_{suffix}" for name in TRANSLATED_FIELDS for suffix in LANG_SUFFIXES)
)


# The partners of one campaign together never take more than this part of a payment: the
# instructor and the platform need theirs too.
MAX_PARTNER_SHARE_TOTAL = Decimal("0.5000")
DEFAULT_LEAD_SHARE = Decimal("0.1000")
MAX_HOLDOUT_SHARE = Decimal("0.5000")
MAX_VARIANTS = 5


def _now() -> datetime:
    return timezone.now()


def _unique_slug(base: str) -> str:
    base = slugify(base)[:60] or "campaign"
    slug = base
    while Campaign.objects.filter(slug=slug).exists():
        slug = f"{base}-{get_random_string(5, 'abcdefghijkmnpqrstuvwxyz23456789')}"
    return slug


def _clean_fields(campaign: Campaign) -> None:
    """Rules on one campaign's own fields, checked on every write."""
    if campaign.discount_type not in Campaign.DiscountType.values:
        raise CampaignInvalid(_("Unknown discount type."))
    if campaign.discount_percent is None or not (Decimal("0") <= campaign.discount_percent <= Decimal("100")):
        raise CampaignInvalid(_("The discount must be between 0 and 100 percent."))
    if campaign.holdout_share is None or not (Decimal("0") <= campaign.holdout_share <= MAX_HOLDOUT_SHARE):
        raise CampaignInvalid(_("The control group share must be between 0 and 0.5."))
    if campaign.starts_at and campaign.ends_at and campaign.ends_at <= campaign.starts_at:
        raise CampaignInvalid(_("The campaign must end after it starts."))
    if not campaign.attribution_window_days or not (1 <= campaign.attribution_window_days <= 365):
        raise CampaignInvalid(_("The attribution window must be between 1 and 365 days."))
    if campaign.budget_amount is not None and campaign.budget_amount < 0:
        raise CampaignInvalid(_("The budget cannot be negative."))
    if campaign.budget_currency not in settings.CURRENCIES:
        raise CampaignInvalid(_("Unknown currency."))
    languages = {code for code, _name in settings.LANGUAGES}
    if not isinstance(campaign.target_languages, list) or not set(campaign.target_languages) <= languages:
        raise CampaignInvalid(_("Unknown target language."))
    if not isinstance(campaign.target_countries, list) or not all(
        isinstance(c, str) and len(c) == 2 and c.isalpha() for c in campaign.target_countries
    ):
        raise CampaignInvalid(_("Target countries are two-letter codes."))
    campaign.target_countries = [c.upper() for c in campaign.target_countries]
    if not zone_is_valid(campaign.reporting_time_zone):
        raise CampaignInvalid(INVALID_ZONE_MESSAGE)
    if not (campaign.name_en or "").strip():
        raise CampaignInvalid(_("The campaign needs an English name."))


def _set_courses(campaign: Campaign, course_ids: Iterable[int]) -> None:
    from courses.models import Course

    course_ids = list(dict.fromkeys(int(pk) for pk in course_ids))
    found = set(Course.objects.filter(pk__in=course_ids, is_published=True).values_list("pk", flat=True))
    if found != set(course_ids):
        raise CampaignInvalid(_("Unknown or unpublished course."))
    campaign.campaign_courses.all().delete()
    CampaignCourse.objects.bulk_create(
        [CampaignCourse(campaign=campaign, course_id=pk, position=i) for i, pk in enumerate(course_ids)]
    )


def _set_fixed_amounts(campaign: Campaign, amounts: dict[str, Decimal]) -> None:
    rows = []
    for currency, amount in amounts.items():
        if currency not in settings.CURRENCIES or amount is None:
            raise CampaignInvalid(_("Unknown currency."))
        amount = Decimal(amount)
        if amount <= 0:
            raise CampaignInvalid(_("A fixed discount must be more than zero."))
        rows.append(
            CampaignFixedDiscount(campaign=campaign, currency=currency, amount=round_money(amount, currency))
        )
    campaign.fixed_discounts.all().delete()
    CampaignFixedDiscount.objects.bulk_create(rows)


def _set_partners(
    campaign: Campaign, lead_share: Decimal | None, co_partners: dict[int, Decimal] | None
) -> None:
    """The lead partner is always a party; ``co_partners`` (partner id -> share) replaces
    the other parties when given."""
    shares: dict[int, Decimal] = dict(
        campaign.campaign_partners.values_list("partner_id", "revenue_share")
    ) or {campaign.partner_id: DEFAULT_LEAD_SHARE}
    if co_partners is not None:
        shares = {campaign.partner_id: shares.get(campaign.partner_id, DEFAULT_LEAD_SHARE)}
        for partner_id, share in co_partners.items():
            if int(partner_id) != campaign.partner_id:
                shares[int(partner_id)] = Decimal(share)
        existing = set(
            Partner.objects.filter(pk__in=shares, status=Partner.Status.ACTIVE).values_list("pk", flat=True)
        )
        if existing != set(shares):
            raise CampaignInvalid(_("Unknown partner."))
    if lead_share is not None:
        shares[campaign.partner_id] = Decimal(lead_share)
    for share in shares.values():
        if not (Decimal("0") <= share <= Decimal("1")):
            raise CampaignInvalid(_("A revenue share is a fraction between 0 and 1."))
    if sum(shares.values(), Decimal("0")) > MAX_PARTNER_SHARE_TOTAL:
        raise CampaignInvalid(
            _("The partners' revenue shares add up to more than %(max)s.") % {"max": MAX_PARTNER_SHARE_TOTAL}
        )
    campaign.campaign_partners.all().delete()
    CampaignPartner.objects.bulk_create(
        [
            CampaignPartner(campaign=campaign, partner_id=pk, revenue_share=share)
            for pk, share in sorted(shares.items())
        ]
    )


def _set_variants(campaign: Campaign, variants: list[dict]) -> None:
    """Replaces the variants. Each: ``name``, optional ``headline_<lang>`` /
    ``discount_percent`` / ``weight``."""
    if len(variants) > MAX_VARIANTS:
        raise CampaignInvalid(_("A campaign has at most %(count)s variants.") % {"count": MAX_VARIANTS})
    names = [str(v.get("name", "")).strip() for v in variants]
    if any(not name for name in names) or len(set(names)) != len(names):
        raise CampaignInvalid(_("Every variant needs its own name."))
    rows = []
    for data, name in zip(variants, names, strict=True):
        percent = data.get("discount_percent")
        if percent is not None and percent != "":
            percent = Decimal(percent)
            if not (Decimal("0") <= percent <= Decimal("100")):
                raise CampaignInvalid(_("The discount must be between 0 and 100 percent."))
        else:
            percent = None
        weight = int(data.get("weight") or 1)
        if not (1 <= weight <= 100):
            raise CampaignInvalid(_("A traffic weight is between 1 and 100."))
        variant = Variant(campaign=campaign, name=name[:60], discount_percent=percent, weight=weight)
        for suffix in LANG_SUFFIXES:
            setattr(variant, f"headline_{suffix}", str(data.get(f"headline_{suffix}") or "")[:200])
        rows.append(variant)
    campaign.variants.all().delete()
    Variant.objects.bulk_create(rows)


def _apply(
    campaign: Campaign,
    *,
    fields: dict,
    course_ids: Iterable[int] | None,
    fixed_amounts: dict[str, Decimal] | None,
    lead_share: Decimal | None,
    co_partners: dict[int, Decimal] | None,
    variants: list[dict] | None,
    audience: dict | None = None,
) -> Campaign:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise CampaignInvalid(_("Unknown field: %(field)s") % {"field": sorted(unknown)[0]})
    # A zone nobody chose follows the target market (a chosen one stays).
    zone_is_default = campaign.reporting_time_zone == zone_for_market(campaign.target_countries)
    for name, value in fields.items():
        if name.split("_")[0] in {"name", "headline", "body", "call"} and value is None:
            value = ""
        setattr(campaign, name, value)
    if "reporting_time_zone" not in fields and zone_is_default:
        campaign.reporting_time_zone = zone_for_market(campaign.target_countries)
    _clean_fields(campaign)
    campaign.save()
    if course_ids is not None:
        _set_courses(campaign, course_ids)
    if fixed_amounts is not None:
        _set_fixed_amounts(campaign, fixed_amounts)
    _set_partners(campaign, lead_share, co_partners)
    if variants is not None:
        _set_variants(campaign, variants)
    if audience is not None:
        audience_apply(campaign, **audience)
    return campaign


@transaction.atomic
def campaign_create(
    *,
    partner: Partner,
    created_by=None,
    slug: str = "",
    fields: dict | None = None,
    course_ids: Iterable[int] | None = None,
    fixed_amounts: dict[str, Decimal] | None = None,
    lead_share: Decimal | None = None,
    co_partners: dict[int, Decimal] | None = None,
    variants: list[dict] | None = None,
    audience: dict | None = None,
) -> Campaign:
    """A new draft led by ``partner``. ``fields`` holds model field names (translated ones
    with their language suffix: ``name_en``, ``headline_es``...)."""
    fields = dict(fields or {})
    base = slug or fields.get("name_en") or ""
    if slug and (slugify(slug) != slug or Campaign.objects.filter(slug=slug).exists()):
        raise CampaignInvalid(_("This slug is invalid or already taken."), code="slug_taken")
    campaign = Campaign(partner=partner, created_by=created_by, status=Campaign.Status.DRAFT)
    campaign.slug = slug or _unique_slug(str(base))
    return _apply(
        campaign,
        fields=fields,
        course_ids=course_ids,
        fixed_amounts=fixed_amounts,
        lead_share=lead_share,
        co_partners=co_partners,
        variants=variants,
        audience=audience,
    )


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    fields: dict | None = None,
    course_ids: Iterable[int] | None = None,
    fixed_amounts: dict[str, Decimal] | None = None,
    lead_share: Decimal | None = None,
    co_partners: dict[int, Decimal] | None = None,
    variants: list[dict] | None = None,
    audience: dict | None = None,
) -> Campaign:
    """Partners edit drafts only: what staff approved is what runs."""
    campaign = Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise CampaignNotEditable()
    return _apply(
        campaign,
        fields=dict(fields or {}),
        course_ids=course_ids,
        fixed_amounts=fixed_amounts,
        lead_share=lead_share,
        co_partners=co_partners,
        variants=variants,
        audience=audience,
    )


def _transition(campaign: Campaign, allowed_from: set[str]) -> Campaign:
    # FOR NO KEY UPDATE, like every campaign writer here: it still serializes writers of the
    # same campaign, but not the FOR KEY SHARE that a paid order's attribution row takes on its
    # campaign, so a staff edit held open never pauses checkouts.
    locked = Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
    if locked.status not in allowed_from:
        raise InvalidTransition()
    return locked


@transaction.atomic
def campaign_submit(*, campaign: Campaign) -> Campaign:
    campaign = _transition(campaign, {Campaign.Status.DRAFT})
    missing = []
    if not campaign.campaign_courses.exists():
        missing.append(str(_("at least one course")))
    if not (campaign.headline_en or "").strip():
        missing.append(str(_("an English headline")))
    if campaign.discount_type == Campaign.DiscountType.PERCENT and not campaign.discount_percent:
        missing.append(str(_("a discount")))
    if campaign.discount_type == Campaign.DiscountType.FIXED and not campaign.fixed_discounts.exists():
        missing.append(str(_("a fixed amount in at least one currency")))
    if campaign.ends_at and campaign.ends_at <= _now():
        missing.append(str(_("an end date in the future")))
    if missing:
        raise CampaignIncomplete(
            _("The campaign cannot be submitted yet. It needs: %(missing)s.")
            % {"missing": ", ".join(missing)}
        )
    campaign.status = Campaign.Status.SUBMITTED
    campaign.submitted_at = _now()
    campaign.rejection_reason = ""
    campaign.save(update_fields=["status", "submitted_at", "rejection_reason", "updated_at"])
    return campaign


@transaction.atomic
def campaign_approve(*, campaign: Campaign, reviewed_by=None) -> Campaign:
    """Staff approval. A campaign whose start has come starts at once."""
    campaign = _transition(campaign, {Campaign.Status.SUBMITTED})
    campaign.status = Campaign.Status.APPROVED
    campaign.reviewed_at = _now()
    campaign.reviewed_by = reviewed_by
    campaign.rejection_reason = ""
    campaign.save(update_fields=["status", "reviewed_at", "reviewed_by", "rejection_reason", "updated_at"])
    campaign_reviewed.send(sender=Campaign, campaign=campaign, approved=True)
    if campaign.starts_at is None or campaign.starts_at <= _now():
        campaign = campaign_start(campaign=campaign)
    return campaign


@transaction.atomic
def campaign_reject(*, campaign: Campaign, reason: str, reviewed_by=None) -> Campaign:
    reason = (reason or "").strip()
    if not reason:
        raise CampaignInvalid(_("Give the partner a reason for the rejection."), code="reason_required")
    campaign = _transition(campaign, {Campaign.Status.SUBMITTED})
    campaign.status = Campaign.Status.REJECTED
    campaign.rejection_reason = reason
    campaign.reviewed_at = _now()
    campaign.reviewed_by = reviewed_by
    campaign.save(update_fields=["status", "rejection_reason", "reviewed_at", "reviewed_by", "updated_at"])
    campaign_reviewed.send(sender=Campaign, campaign=campaign, approved=False)
    return campaign


@transaction.atomic
def campaign_reopen(*, campaign: Campaign) -> Campaign:
    """A rejected campaign goes back to draft so the partner can fix and resubmit it."""
    campaign = _transition(campaign, {Campaign.Status.REJECTED})
    campaign.status = Campaign.Status.DRAFT
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


@transaction.atomic
def campaign_start(*, campaign: Campaign) -> Campaign:
    campaign = _transition(campaign, {Campaign.Status.APPROVED})
    campaign.status = Campaign.Status.RUNNING
    campaign.started_at = _now()
    campaign.save(update_fields=["status", "started_at", "updated_at"])
    return campaign


@transaction.atomic
def campaign_end(*, campaign: Campaign) -> Campaign:
    campaign = _transition(campaign, {Campaign.Status.RUNNING, Campaign.Status.APPROVED})
    campaign.status = Campaign.Status.ENDED
    campaign.ended_at = _now()
    campaign.save(update_fields=["status", "ended_at", "updated_at"])
    return campaign


def campaigns_advance_schedule(*, now: datetime | None = None) -> dict[str, int]:
    """Start approved campaigns whose start has come, end running ones past their end.
    Idempotent: run by a periodic task."""
    now = now or _now()
    started = ended = 0
    due = Campaign.objects.filter(status=Campaign.Status.APPROVED).filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=now)
    )
    for campaign in due.exclude(ends_at__lte=now):
        campaign_start(campaign=campaign)
        started += 1
    over = Campaign.objects.filter(
        status__in=[Campaign.Status.RUNNING, Campaign.Status.APPROVED], ends_at__lte=now
    )
    for campaign in over:
        campaign_end(campaign=campaign)
        ended += 1
    return {"started": started, "ended": ended}


def campaign_is_live(campaign: Campaign, *, now: datetime | None = None) -> bool:
    now = now or _now()
    return (
        campaign.status == Campaign.Status.RUNNING
        and (campaign.starts_at is None or campaign.starts_at <= now)
        and (campaign.ends_at is None or campaign.ends_at > now)
    )


@transaction.atomic
def spend_entry_add(*, campaign: Campaign, amount: Decimal, on: date, note: str = "") -> SpendEntry:
    """Record spend; when the total reaches the budget the campaign stops."""
    campaign = Campaign.objects.select_for_update(no_key=True).get(pk=campaign.pk)
    if amount is None or Decimal(amount) <= 0:
        raise CampaignInvalid(_("Spend must be more than zero."))
    entry = SpendEntry.objects.create(campaign=campaign, amount=Decimal(amount), date=on, note=note[:200])
    if campaign.budget_amount:
        campaign_spend_recorded.send(
            sender=Campaign, campaign=campaign, spent=campaign_spent(campaign_id=campaign.pk)
        )
    budget_check(campaign=campaign)
    return entry


def campaign_spent(*, campaign_id: int) -> Decimal:
    return SpendEntry.objects.filter(campaign_id=campaign_id).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)


def budget_check(*, campaign: Campaign) -> bool:
    """Ends a running campaign whose budget is used up; returns whether it ended."""
    if campaign.budget_amount is None or campaign.status != Campaign.Status.RUNNING:
        return False
    if campaign_spent(campaign_id=campaign.pk) >= campaign.budget_amount:
        campaign_end(campaign=campaign)
        return True
    return False
