"""Campaign writes: the workflow, discount codes (quote, redeem, release, confirm), tracking
(touches and sticky variants), attribution of paid orders and the revenue split.

``commerce`` calls ``discount_code_quote`` / ``discount_code_redeem`` /
``discount_code_release`` / ``discount_code_confirm`` during checkout and
``attribution_decide`` / ``attribution_record`` / ``attribution_reverse`` /
``campaign_revenue_split`` at payment and refund."""

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core import ratelimit
from core.client_address import current_client_ip, rate_ident
from core.money import round_money
from partners.models import Partner, PartnerMember

from . import touch_buffer
from .exceptions import (
    CampaignIncomplete,
    CampaignInvalid,
    CampaignNotEditable,
    CampaignNotRunning,
    CodeExhausted,
    CodeExpired,
    CodeInvalid,
    CodeLimitReached,
    CodeNotApplicable,
    InvalidTransition,
    TooManyAttempts,
)
from .models import (
    Campaign,
    CampaignCourse,
    CampaignFixedDiscount,
    CampaignPartner,
    CodeRedemption,
    DiscountCode,
    OrderAttribution,
    SpendEntry,
    Touch,
    TrackingLink,
    Variant,
    VisitorAssignment,
)
from .selectors import campaign_public_code

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

# No 0/O, 1/I/L: codes are read aloud and typed from print.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_CODES_PER_BATCH = 5000
CODE_FAILURE_LIMIT = 10
CODE_FAILURE_WINDOW_SECONDS = 600
# Counters of core.ratelimit (Redis): per account (or address of an anonymous visitor), and
# per address whatever the account, at settings.RATE_LIMITS["discount_code_address"].
CODE_FAILURE_SCOPE = "code_failures"
CODE_FAILURE_ADDRESS_SCOPE = "code_failures_address"


# --- Workflow ------------------------------------------------------------------------------


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
) -> Campaign:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise CampaignInvalid(_("Unknown field: %(field)s") % {"field": sorted(unknown)[0]})
    for name, value in fields.items():
        if name.split("_")[0] in {"name", "headline", "body", "call"} and value is None:
            value = ""
        setattr(campaign, name, value)
    _clean_fields(campaign)
    campaign.save()
    if course_ids is not None:
        _set_courses(campaign, course_ids)
    if fixed_amounts is not None:
        _set_fixed_amounts(campaign, fixed_amounts)
    _set_partners(campaign, lead_share, co_partners)
    if variants is not None:
        _set_variants(campaign, variants)
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
) -> Campaign:
    """Partners edit drafts only: what staff approved is what runs."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
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
    )


def _transition(campaign: Campaign, allowed_from: set[str]) -> Campaign:
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
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
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if amount is None or Decimal(amount) <= 0:
        raise CampaignInvalid(_("Spend must be more than zero."))
    entry = SpendEntry.objects.create(campaign=campaign, amount=Decimal(amount), date=on, note=note[:200])
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


# --- Discount codes ------------------------------------------------------------------------


def _normalize_code(code: str) -> str:
    # Letters and digits only: whitespace from copy-paste and bytes such as NUL (which
    # PostgreSQL refuses in text) never reach the database.
    return "".join(ch for ch in str(code or "") if ch.isascii() and ch.isalnum()).upper()[:40]


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def _check_code_options(max_redemptions: int, per_customer_limit: int, expires_at: datetime | None) -> None:
    if not isinstance(max_redemptions, int) or not (1 <= max_redemptions <= 1_000_000):
        raise CampaignInvalid(_("Maximum redemptions must be between 1 and 1,000,000."))
    if not isinstance(per_customer_limit, int) or not (1 <= per_customer_limit <= max_redemptions):
        raise CampaignInvalid(_("The limit per learner must be between 1 and the maximum redemptions."))
    if expires_at is not None and expires_at <= _now():
        raise CampaignInvalid(_("The expiry must be in the future."))


def _codes_allowed(campaign: Campaign) -> None:
    if campaign.status in {Campaign.Status.ENDED, Campaign.Status.REJECTED}:
        raise InvalidTransition(_("Codes cannot be added to an ended or rejected campaign."))


@transaction.atomic
def discount_codes_generate(
    *,
    campaign: Campaign,
    count: int,
    max_redemptions: int = 1,
    per_customer_limit: int = 1,
    expires_at: datetime | None = None,
) -> list[DiscountCode]:
    """A batch of unguessable codes (10 characters from a 31-letter alphabet: ~49 bits)."""
    if not isinstance(count, int) or not (1 <= count <= MAX_CODES_PER_BATCH):
        raise CampaignInvalid(_("Generate between 1 and %(max)s codes.") % {"max": MAX_CODES_PER_BATCH})
    _check_code_options(max_redemptions, per_customer_limit, expires_at)
    _codes_allowed(campaign)
    batch_id = uuid.uuid4()
    codes: set[str] = set()
    while len(codes) < count:
        candidates = {_new_code() for _i in range(count - len(codes))} - codes
        taken = set(DiscountCode.objects.filter(code__in=candidates).values_list("code", flat=True))
        codes |= candidates - taken
    rows = [
        DiscountCode(
            campaign=campaign,
            code=code,
            max_redemptions=max_redemptions,
            per_customer_limit=per_customer_limit,
            expires_at=expires_at,
            batch_id=batch_id,
        )
        for code in sorted(codes)
    ]
    DiscountCode.objects.bulk_create(rows, batch_size=1000)
    return list(DiscountCode.objects.filter(batch_id=batch_id).order_by("id"))


@transaction.atomic
def discount_code_create_named(
    *,
    campaign: Campaign,
    code: str,
    max_redemptions: int = 1000,
    per_customer_limit: int = 1,
    expires_at: datetime | None = None,
) -> DiscountCode:
    """A memorable code (``BANK10``) for print and social posts."""
    normalized = _normalize_code(code)
    if not (4 <= len(normalized) <= 40) or not normalized.isalnum():
        raise CampaignInvalid(_("A code has 4 to 40 letters and digits."), code="code_format")
    _check_code_options(max_redemptions, per_customer_limit, expires_at)
    _codes_allowed(campaign)
    try:
        with transaction.atomic():
            return DiscountCode.objects.create(
                campaign=campaign,
                code=normalized,
                max_redemptions=max_redemptions,
                per_customer_limit=per_customer_limit,
                expires_at=expires_at,
            )
    except IntegrityError as exc:
        raise CampaignInvalid(_("This code already exists."), code="code_taken") from exc


def _client_key(user, client: str | None) -> str:
    if client:
        return client
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "anonymous"


def _attempt_limits(client: str) -> list[tuple[str, str, ratelimit.Rate]]:
    """The counters a code attempt is charged to: the client (the learner's account, else
    the address) and the address of the request being served, so that new accounts from
    one address do not multiply the number of guesses."""
    window = CODE_FAILURE_WINDOW_SECONDS
    limits = [(CODE_FAILURE_SCOPE, client, ratelimit.Rate(CODE_FAILURE_LIMIT, window))]
    address = rate_ident(current_client_ip()) if current_client_ip() else ""
    if address and client != f"ip:{address}":
        address_rate = ratelimit.Rate.parse(settings.RATE_LIMITS["discount_code_address"])
        limits.append((CODE_FAILURE_ADDRESS_SCOPE, address, address_rate))
    return limits


def discount_code_failures(*, client: str) -> int:
    """Wrong codes counted against ``client`` in the current window."""
    return ratelimit.count(CODE_FAILURE_SCOPE, client)


def discount_code_attempts_check(*, client: str) -> None:
    """Refuses once any counter of the client has reached its limit; counts nothing."""
    for scope, ident, rate in _attempt_limits(client):
        if ratelimit.count(scope, ident) >= rate.limit:
            raise TooManyAttempts()


_WRONG_CODE_ERRORS = (
    CodeInvalid,
    CodeExpired,
    CodeExhausted,
    CodeNotApplicable,
    CampaignNotRunning,
    CodeLimitReached,
)


class _CodeAttempt:
    """A code attempt charged up front to every counter and given back unless the code
    turns out wrong. Charging first is what makes the limit exact: concurrent guesses each
    get their own count from Redis, and only ``limit`` of them are ever looked up."""

    def __init__(self, client: str) -> None:
        self.charged: list[tuple[str, str]] = []
        for scope, ident, rate in _attempt_limits(client):
            hit = ratelimit.hit(scope, ident, rate)
            self.charged.append((scope, ident))
            if not hit.allowed:
                self.give_back()
                raise TooManyAttempts()

    def give_back(self) -> None:
        for scope, ident in self.charged:
            ratelimit.refund(scope, ident)
        self.charged = []


def landing_code_resolve(*, campaign: Campaign, requested: str, client: str) -> DiscountCode | None:
    """The code a landing page shows. A code named in the link is shown only if it belongs
    to the campaign and is usable; a wrong one counts as a failed attempt like at checkout,
    and past the limit links are no longer checked at all, so landing pages cannot be used
    to enumerate codes."""
    if not requested:
        return campaign_public_code(campaign=campaign)
    try:
        attempt = _CodeAttempt(client)
    except TooManyAttempts:
        return campaign_public_code(campaign=campaign)
    code = campaign_public_code(campaign=campaign, requested=requested)
    if code is None:
        return campaign_public_code(campaign=campaign)
    attempt.give_back()
    return code


@dataclass(frozen=True)
class DiscountQuote:
    code_id: int
    code: str
    campaign_id: int
    variant_id: int | None
    currency: str
    # Course id -> amount off that course, in ``currency``.
    discounts: dict[int, Decimal] = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum(self.discounts.values(), Decimal("0"))


def visitor_is_holdout(*, campaign_id: int, visitor_id: str | None = None, user=None) -> bool:
    """The control group never gets the offer, whether it is recognised by its cookie or
    by a signed-in learner's recorded touches."""
    touch_buffer.touch_buffer_flush_pending()
    if (
        visitor_id
        and VisitorAssignment.objects.filter(
            campaign_id=campaign_id, visitor_id=visitor_id, is_holdout=True
        ).exists()
    ):
        return True
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and Touch.objects.filter(campaign_id=campaign_id, user=user, is_holdout=True).exists()
    )


def _active_redemptions(code_id: int, user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return CodeRedemption.objects.filter(
        code_id=code_id,
        user=user,
        status__in=[CodeRedemption.Status.RESERVED, CodeRedemption.Status.CONFIRMED],
    ).count()


def discount_for(
    *, campaign: Campaign, variant: Variant | None, currency: str, amount: Decimal, fixed: dict[str, Decimal]
) -> Decimal | None:
    """The amount off one course's price; ``None`` when the campaign has no discount in
    that currency. Never more than the price."""
    if campaign.discount_type == Campaign.DiscountType.FIXED:
        off = fixed.get(currency)
        if off is None:
            return None
        return min(round_money(off, currency), amount)
    percent = campaign.discount_percent
    if variant is not None and variant.discount_percent is not None:
        percent = variant.discount_percent
    return min(round_money(Decimal(amount) * percent / Decimal(100), currency), amount)


def discount_code_quote(
    *,
    code: str,
    user,
    course_ids: list[int],
    currency: str,
    amounts: dict[int, Decimal],
    visitor_id: str | None = None,
    client: str | None = None,
    count_failure: bool = True,
) -> DiscountQuote:
    """What ``code`` takes off each course (``amounts``: course id -> price in
    ``currency``). Reads only; the redemption happens in ``discount_code_redeem``.

    A failed look-up counts against the client (``client``, else the learner); after
    ``CODE_FAILURE_LIMIT`` failures in the window every attempt is refused with 429, so
    codes cannot be enumerated. ``count_failure=False`` is for showing again a code that
    was already counted once (a price preview re-rendered): the limit is still enforced."""
    client_key = _client_key(user, client)
    if not count_failure:
        discount_code_attempts_check(client=client_key)
        attempt = None
    else:
        attempt = _CodeAttempt(client_key)
    try:
        quote = _quote(
            code=code,
            user=user,
            course_ids=course_ids,
            currency=currency,
            amounts=amounts,
            visitor_id=visitor_id,
        )
    except Exception as exc:
        # A wrong code keeps its charge; anything else (a database error) says nothing
        # about the code and is given back.
        if attempt is not None and not isinstance(exc, _WRONG_CODE_ERRORS):
            attempt.give_back()
        raise
    if attempt is not None:
        attempt.give_back()
    return quote


def _quote(*, code, user, course_ids, currency, amounts, visitor_id) -> DiscountQuote:
    normalized = _normalize_code(code)
    if not normalized:
        raise CodeInvalid()
    row = (
        DiscountCode.objects.select_related("campaign")
        .prefetch_related("campaign__fixed_discounts")
        .filter(code=normalized, is_active=True)
        .first()
    )
    if row is None:
        raise CodeInvalid()
    campaign = row.campaign
    now = _now()
    if row.expires_at is not None and row.expires_at <= now:
        raise CodeExpired()
    if not campaign_is_live(campaign, now=now):
        raise CampaignNotRunning()
    if row.redemptions_count >= row.max_redemptions:
        raise CodeExhausted()
    if _active_redemptions(row.pk, user) >= row.per_customer_limit:
        raise CodeLimitReached()
    if visitor_is_holdout(campaign_id=campaign.pk, visitor_id=visitor_id, user=user):
        raise CodeNotApplicable()
    campaign_course_ids = set(campaign.campaign_courses.values_list("course_id", flat=True))
    applicable = [int(pk) for pk in course_ids if int(pk) in campaign_course_ids and pk in amounts]
    if not applicable:
        raise CodeNotApplicable()
    variant = None
    if visitor_id:
        assignment = (
            VisitorAssignment.objects.select_related("variant")
            .filter(campaign=campaign, visitor_id=visitor_id)
            .first()
        )
        variant = assignment.variant if assignment else None
    fixed = {f.currency: f.amount for f in campaign.fixed_discounts.all()}
    discounts: dict[int, Decimal] = {}
    for course_id in applicable:
        off = discount_for(
            campaign=campaign,
            variant=variant,
            currency=currency,
            amount=Decimal(amounts[course_id]),
            fixed=fixed,
        )
        if off is None:
            raise CodeNotApplicable()
        discounts[course_id] = off
    return DiscountQuote(
        code_id=row.pk,
        code=row.code,
        campaign_id=campaign.pk,
        variant_id=variant.pk if variant else None,
        currency=currency,
        discounts=discounts,
    )


@transaction.atomic
def discount_code_redeem(*, quote: DiscountQuote, user, order_ref: str) -> CodeRedemption:
    """Reserve one use of the quoted code for ``order_ref``; call inside the checkout's
    transaction. The code row alone is locked (``of=("self",)``: the campaign is read,
    not locked, so checkouts with other codes of the same campaign do not wait), so the
    per-learner count and the conditional increment cannot interleave with another
    checkout. Lock order: code, then redemption (as in release). Repeating it for the
    same order returns the first reservation."""
    code = (
        DiscountCode.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .filter(pk=quote.code_id)
        .first()
    )
    if code is None or not code.is_active:
        raise CodeInvalid()
    existing = CodeRedemption.objects.filter(order_ref=order_ref).first()
    if existing is not None and existing.status != CodeRedemption.Status.RELEASED:
        if existing.code_id != code.pk:
            raise CodeInvalid(_("This order already uses another discount code."))
        return existing
    now = _now()
    if code.expires_at is not None and code.expires_at <= now:
        raise CodeExpired()
    if not campaign_is_live(code.campaign, now=now):
        raise CampaignNotRunning()
    if _active_redemptions(code.pk, user) >= code.per_customer_limit:
        raise CodeLimitReached()
    taken = DiscountCode.objects.filter(pk=code.pk, redemptions_count__lt=F("max_redemptions")).update(
        redemptions_count=F("redemptions_count") + 1
    )
    if taken != 1:
        raise CodeExhausted()
    user_obj = user if user is not None and getattr(user, "is_authenticated", False) else None
    if existing is not None:
        existing.code = code
        existing.user = user_obj
        existing.status = CodeRedemption.Status.RESERVED
        existing.save(update_fields=["code", "user", "status", "updated_at"])
        return existing
    return CodeRedemption.objects.create(
        code=code, user=user_obj, order_ref=order_ref, status=CodeRedemption.Status.RESERVED
    )


@transaction.atomic
def discount_code_release(*, order_ref: str) -> CodeRedemption | None:
    """Give the use back (payment failed, order cancelled, refund). Idempotent.

    Lock order: code row, then redemption row, as in redeem (the other way round, a
    release and a redeem of the same code could each hold one and wait for the other).
    The redemption is read without a lock to find its code, then re-read under lock."""
    found = CodeRedemption.objects.filter(order_ref=order_ref).values_list("code_id", flat=True).first()
    if found is None:
        return None
    DiscountCode.objects.select_for_update(of=("self",)).filter(pk=found).values("pk").first()
    redemption = CodeRedemption.objects.select_for_update(of=("self",)).filter(order_ref=order_ref).first()
    if redemption is None or redemption.status == CodeRedemption.Status.RELEASED:
        return redemption
    DiscountCode.objects.filter(pk=redemption.code_id, redemptions_count__gt=0).update(
        redemptions_count=F("redemptions_count") - 1
    )
    redemption.status = CodeRedemption.Status.RELEASED
    redemption.save(update_fields=["status", "updated_at"])
    return redemption


@transaction.atomic
def discount_code_confirm(*, order_ref: str) -> CodeRedemption | None:
    """The order was paid: the reservation becomes a use. Idempotent. Only the
    redemption row is locked (the last step of the lock order)."""
    redemption = CodeRedemption.objects.select_for_update(of=("self",)).filter(order_ref=order_ref).first()
    if redemption is None or redemption.status != CodeRedemption.Status.RESERVED:
        return redemption
    redemption.status = CodeRedemption.Status.CONFIRMED
    redemption.save(update_fields=["status", "updated_at"])
    return redemption


# --- Tracking ------------------------------------------------------------------------------


def tracking_link_create(
    *,
    campaign: Campaign,
    channel: str,
    name: str = "",
    language: str = "",
    variant: Variant | None = None,
    utm_source: str = "",
    utm_medium: str = "",
    utm_content: str = "",
) -> TrackingLink:
    if channel not in TrackingLink.Channel.values:
        raise CampaignInvalid(_("Unknown channel."))
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise CampaignInvalid(_("Unknown language."))
    if variant is not None and variant.campaign_id != campaign.pk:
        raise CampaignInvalid(_("Unknown variant."))
    return TrackingLink.objects.create(
        campaign=campaign,
        channel=channel,
        name=name[:80],
        language=language,
        variant=variant,
        token=secrets.token_urlsafe(12),
        utm_source=(utm_source or campaign.partner.slug)[:80],
        utm_medium=(utm_medium or channel)[:80],
        utm_campaign=campaign.slug[:80],
        utm_content=utm_content[:80],
    )


def new_visitor_id() -> str:
    return str(uuid.uuid4())


def visitor_id_clean(value: str | None) -> str | None:
    """A cookie value is ours only if it parses as a UUID; anything else is ignored."""
    if not value:
        return None
    try:
        return str(uuid.UUID(str(value)[:36]))
    except ValueError:
        return None


def _pick_variant(
    variants: list[Variant], holdout_share: Decimal, visitor_id: str, preferred: Variant | None = None
) -> tuple[Variant | None, bool]:
    """Random but reproducible from the visitor id, so a race between two first requests
    still lands on the same choice."""
    digest = hashlib.sha256(visitor_id.encode()).digest()
    roll = Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**32)
    if roll < holdout_share:
        return None, True
    if preferred is not None:
        return preferred, False
    if not variants:
        return None, False
    total = sum(v.weight for v in variants)
    point = int.from_bytes(digest[4:8], "big") % total
    for variant in variants:
        if point < variant.weight:
            return variant, False
        point -= variant.weight
    return variants[-1], False


def visitor_assign(
    *,
    campaign: Campaign,
    visitor_id: str,
    variants: list[Variant] | None = None,
    preferred_variant: Variant | None = None,
    known_new: bool = False,
    buffered: bool = False,
) -> VisitorAssignment:
    """The visitor's variant (or control group) for this campaign, chosen once and kept.
    A tracking link's variant is preferred for a new visitor, but the control group is
    drawn first so links cannot bypass it.

    ``known_new``: the visitor id was made for this request, so nothing is stored for it
    yet. ``buffered`` (web views, with the Redis touch buffer on): a new assignment is not
    inserted here but returned unsaved with ``pending_write`` set, for ``touch_record`` to
    buffer with the touch; buffered assignments are found in Redis until they are written."""
    buffered = buffered and touch_buffer.enabled()
    if variants is None:
        variants = list(campaign.variants.order_by("id"))
    if not known_new:
        if buffered:
            pending = touch_buffer.assignment_cached(campaign_id=campaign.pk, visitor_id=visitor_id)
            if pending is not None:
                variant = next((v for v in variants if v.pk == pending["variant_id"]), None)
                return VisitorAssignment(
                    campaign=campaign,
                    visitor_id=visitor_id,
                    variant=variant,
                    is_holdout=pending["is_holdout"],
                )
        assignment = (
            VisitorAssignment.objects.select_related("variant")
            .filter(campaign=campaign, visitor_id=visitor_id)
            .first()
        )
        if assignment is not None:
            return assignment
    variant, is_holdout = _pick_variant(variants, campaign.holdout_share, visitor_id, preferred_variant)
    if buffered:
        assignment = VisitorAssignment(
            campaign=campaign, visitor_id=visitor_id, variant=variant, is_holdout=is_holdout
        )
        assignment.pending_write = True
        return assignment
    try:
        with transaction.atomic():
            return VisitorAssignment.objects.create(
                campaign=campaign, visitor_id=visitor_id, variant=variant, is_holdout=is_holdout
            )
    except IntegrityError:
        return VisitorAssignment.objects.select_related("variant").get(
            campaign=campaign, visitor_id=visitor_id
        )


def _clean_text(value, length: int) -> str:
    """Request-supplied text (UTM values, headers) without control characters."""
    return "".join(ch for ch in str(value or "") if ch.isprintable())[:length]


def touch_record(
    *,
    campaign: Campaign,
    kind: str,
    visitor_id: str,
    user=None,
    variant: Variant | None = None,
    is_holdout: bool = False,
    link: TrackingLink | None = None,
    channel: str = "",
    language: str = "",
    country: str = "",
    utm: dict[str, str] | None = None,
    at: datetime | None = None,
    assignment: VisitorAssignment | None = None,
    buffered: bool = False,
) -> Touch:
    """Record a touch. ``buffered`` (web views): appended to the Redis buffer with the
    visitor's new ``assignment`` and written in bulk by ``campaigns.flush_touches``; the
    returned touch is then unsaved but has its primary key."""
    utm = utm or {}
    touch = Touch(
        campaign=campaign,
        kind=kind,
        visitor_id=visitor_id,
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
        variant=variant,
        is_holdout=is_holdout,
        link=link,
        channel=_clean_text(channel or (link.channel if link else ""), 12),
        language=_clean_text(language, 10),
        country=_clean_text(country, 2).upper(),
        utm_source=_clean_text(utm.get("utm_source") or (link.utm_source if link else ""), 80),
        utm_medium=_clean_text(utm.get("utm_medium") or (link.utm_medium if link else ""), 80),
        utm_campaign=_clean_text(utm.get("utm_campaign") or (link.utm_campaign if link else ""), 80),
        utm_content=_clean_text(utm.get("utm_content") or (link.utm_content if link else ""), 80),
        created_at=at or _now(),
    )
    pending = assignment is not None and getattr(assignment, "pending_write", False)
    if buffered and touch_buffer.enabled():
        fields = [f for f in Touch._meta.concrete_fields if not f.primary_key]
        touch.pk = touch_buffer.touch_buffer_push(
            touch={f.attname: f.value_from_object(touch) for f in fields},
            assignment={
                "campaign_id": campaign.pk,
                "visitor_id": assignment.visitor_id,
                "variant_id": assignment.variant_id,
                "is_holdout": assignment.is_holdout,
            }
            if pending
            else None,
        )
        return touch
    if pending:
        # Buffering was asked for the assignment but is off now: write both at once.
        VisitorAssignment.objects.bulk_create([assignment], ignore_conflicts=True)
    touch.save(force_insert=True)
    return touch


# --- Attribution ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribution:
    campaign_id: int
    variant_id: int | None
    reason: str
    touch_id: int | None
    code_id: int | None
    is_self_purchase: bool
    is_holdout: bool = False
    user_id: int | None = None


# Touches older than this are never looked at, whatever a campaign's window says.
MAX_ATTRIBUTION_WINDOW_DAYS = 365
TOUCH_CANDIDATES = 200


def _is_self_purchase(user_id: int | None, campaign_id: int) -> bool:
    if user_id is None:
        return False
    partner_ids = CampaignPartner.objects.filter(campaign_id=campaign_id).values("partner_id")
    lead = Campaign.objects.filter(pk=campaign_id).values("partner_id")
    return (
        PartnerMember.objects.filter(user_id=user_id)
        .filter(Q(partner_id__in=partner_ids) | Q(partner_id__in=lead))
        .exists()
    )


def attribution_decide(
    *, user_id: int | None, visitor_id: str | None, code_id: int | None, paid_at: datetime
) -> Attribution | None:
    """The code beats the cookie; else the latest touch of the visitor (or the learner)
    that lies inside its campaign's attribution window before payment."""
    # A touch recorded a second ago may still be in the Redis buffer.
    touch_buffer.touch_buffer_flush_pending()
    visitor_id = visitor_id_clean(visitor_id)
    if code_id is not None:
        code = DiscountCode.objects.filter(pk=code_id).only("pk", "campaign_id").first()
        if code is not None:
            touch = None
            if visitor_id or user_id:
                touch = (
                    _touches_for(user_id, visitor_id)
                    .filter(campaign_id=code.campaign_id, created_at__lte=paid_at)
                    .order_by("-created_at", "-id")
                    .first()
                )
            assignment = (
                VisitorAssignment.objects.filter(campaign_id=code.campaign_id, visitor_id=visitor_id).first()
                if visitor_id
                else None
            )
            return Attribution(
                campaign_id=code.campaign_id,
                variant_id=assignment.variant_id if assignment else (touch.variant_id if touch else None),
                reason=OrderAttribution.Reason.CODE,
                touch_id=touch.pk if touch else None,
                code_id=code.pk,
                is_self_purchase=_is_self_purchase(user_id, code.campaign_id),
                is_holdout=bool(assignment and assignment.is_holdout),
                user_id=user_id,
            )
    if not visitor_id and not user_id:
        return None
    earliest = paid_at - timedelta(days=MAX_ATTRIBUTION_WINDOW_DAYS)
    candidates = (
        _touches_for(user_id, visitor_id)
        .filter(created_at__lte=paid_at, created_at__gte=earliest)
        .select_related("campaign")
        .order_by("-created_at", "-id")[:TOUCH_CANDIDATES]
    )
    for touch in candidates:
        if touch.created_at >= paid_at - timedelta(days=touch.campaign.attribution_window_days):
            return Attribution(
                campaign_id=touch.campaign_id,
                variant_id=touch.variant_id,
                reason=OrderAttribution.Reason.LAST_TOUCH,
                touch_id=touch.pk,
                code_id=None,
                is_self_purchase=_is_self_purchase(user_id, touch.campaign_id),
                is_holdout=touch.is_holdout,
                user_id=user_id,
            )
    return None


def _touches_for(user_id: int | None, visitor_id: str | None):
    condition = Q()
    if visitor_id:
        condition |= Q(visitor_id=visitor_id)
    if user_id:
        condition |= Q(user_id=user_id)
    return Touch.objects.filter(condition)


@transaction.atomic
def attribution_record(
    *,
    order_ref: str,
    order_id: int,
    attribution: Attribution,
    amount: Decimal,
    currency: str,
    paid_at: datetime,
    discount_amount: Decimal = Decimal("0"),
) -> OrderAttribution:
    """Store the decision for the paid order; a repeated call returns the first row."""
    row, _created = OrderAttribution.objects.get_or_create(
        order_ref=order_ref,
        defaults={
            "order_id": order_id,
            "campaign_id": attribution.campaign_id,
            "variant_id": attribution.variant_id,
            "reason": attribution.reason,
            "touch_id": attribution.touch_id,
            "code_id": attribution.code_id,
            "user_id": attribution.user_id,
            "is_self_purchase": attribution.is_self_purchase,
            "is_holdout": attribution.is_holdout,
            "paid_at": paid_at,
            "amount": Decimal(amount),
            "currency": currency,
            "discount_amount": Decimal(discount_amount),
        },
    )
    return row


@transaction.atomic
def attribution_reverse(*, order_ref: str, amount: Decimal) -> OrderAttribution | None:
    """A refund of ``amount``: the attributed revenue shrinks, never below zero."""
    row = OrderAttribution.objects.select_for_update().filter(order_ref=order_ref).first()
    if row is None:
        return None
    row.refunded_amount = min(row.amount, row.refunded_amount + Decimal(amount))
    row.save(update_fields=["refunded_amount", "updated_at"])
    return row


def campaign_revenue_split(*, campaign_id: int) -> list[dict]:
    """Each partner's fraction of an attributed payment, for the ledger:
    ``[{"party": "partner:<id>", "share": "0.1000"}, ...]`` ordered by partner id."""
    rows = CampaignPartner.objects.filter(campaign_id=campaign_id).order_by("partner_id")
    return [
        {"party": f"partner:{row.partner_id}", "share": f"{row.revenue_share.quantize(Decimal('0.0001'))}"}
        for row in rows
        if row.revenue_share > 0
    ]
