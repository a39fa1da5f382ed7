"""Discount codes: generation, wrong-code limits, quotes, and redeem / release / confirm at
checkout.

Lock order (the same in every writer, so two checkouts can never deadlock): the discount
code row, then its redemption rows; only the rows themselves (``of=("self",)``), never the
campaign."""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F, prefetch_related_objects
from django.db.transaction import TransactionManagementError
from django.utils.translation import gettext_lazy as _

from core import ratelimit
from core.client_address import current_client_ip, rate_ident
from core.rawsql import RowShape, insert, update, write

from .. import touch_buffer
from ..exceptions import (
    CampaignInvalid,
    CampaignNotRunning,
    CodeExhausted,
    CodeExpired,
    CodeInvalid,
    CodeLimitReached,
    CodeNotApplicable,
    InvalidTransition,
    TooManyAttempts,
)
from ..models import (
    Campaign,
    CodeRedemption,
    DiscountCode,
)
from ..selectors import campaign_course_ids_column, campaign_course_ids_parse, campaign_public_code
from ..webhook_events import campaign_endpoints_column, campaign_endpoints_known
from .lifecycle import _now, campaign_is_live
from .pricing import (
    campaign_offer,
    campaign_product_keys,
    visitor_variant,
    visitor_variant_column,
    visitor_variant_parse,
)
from .tracking import holdout_condition

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
    # The code as read under its lock by a checkout's quote (``lock=True``): redeeming in
    # the same transaction uses it instead of reading and checking the code again.
    locked_code: DiscountCode | None = field(default=None, compare=False, repr=False)

    @property
    def total(self) -> Decimal:
        return sum(self.discounts.values(), Decimal("0"))


# A checkout reads the code with its campaign twice (quote, then under the code's lock):
# only the columns the rules below read, by a hand-written statement. The campaign row has
# ~50 columns (texts in every language, budgets, targeting), and building them, or the
# join through the ORM, cost more CPU than the statement (see ``core.rawsql``).
_CODE = RowShape(DiscountCode, "d")
_REDEMPTION = RowShape(CodeRedemption, "r")
_CODE_CAMPAIGN = RowShape(
    Campaign, "c", ("id", "status", "starts_at", "ends_at", "discount_type", "discount_percent")
)


def _active_redemptions(code_id: int, user) -> int:
    """The learner's uses of the code, reserved or confirmed."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return CodeRedemption.objects.filter(
        code_id=code_id,
        user=user,
        status__in=[CodeRedemption.Status.RESERVED, CodeRedemption.Status.CONFIRMED],
    ).count()


def _code_with_campaign(
    *, column: str, value, lock: bool = False, uses_of=None, quoting: tuple | None = None
) -> DiscountCode | None:
    """The active code whose ``column`` (``code`` or ``id``, both unique) is ``value``, its
    campaign attached; ``lock`` locks the code row alone (``FOR NO KEY UPDATE OF``: the
    campaign is read, not locked). ``uses_of``: a learner whose uses of the code, reserved
    or confirmed, come in the same statement as ``learner_uses`` (0 for nobody signed in).
    ``quoting = (visitor_id, user)``: what a quote asks of the code's campaign comes in the
    same statement too, ``is_holdout`` (the visitor or learner is in its control group),
    ``joint_course_ids`` and, on PostgreSQL, ``buyer_variant`` (``visitor_variant_column``):
    three round trips fewer for every coded checkout.

    Counted in the statement's snapshot, taken before any wait for the code's lock: that is
    enough because only this learner's checkouts add their uses, and each holds the
    learner's lock (taken first, see LOCK_ORDER) until it commits. The control group and the
    joint courses are staff's and the landing page's, not the lock's, to change."""
    column = {"code": "code", "id": "id"}[column]  # never a caller's text in the statement
    annotations = {}
    if uses_of is not None and getattr(uses_of, "is_authenticated", False):
        annotations["learner_uses"] = (
            f"(SELECT COUNT(*) FROM {CodeRedemption._meta.db_table} u"
            " WHERE u.code_id = d.id AND u.user_id = %s AND u.status IN (%s, %s))",
            [uses_of.pk, CodeRedemption.Status.RESERVED.value, CodeRedemption.Status.CONFIRMED.value],
        )
    if quoting is not None:
        visitor_id, user = quoting
        annotations["is_holdout"] = holdout_condition(
            campaign="d.campaign_id", campaign_params=[], visitor_id=visitor_id, user=user
        )
        annotations["joint_course_ids"] = (
            campaign_course_ids_column(campaign="d.campaign_id", vendor=connections[_CODE.db].vendor),
            [],
        )
        variant = visitor_variant_column(
            campaign="d.campaign_id", visitor_id=visitor_id, user=user, vendor=connections[_CODE.db].vendor
        )
        if variant is not None:
            annotations["buyer_variant"] = variant
    code = _CODE.fetch_one(
        f"d.{column} = %s AND d.is_active",
        [value],
        joined=("campaign", _CODE_CAMPAIGN),
        lock=lock,
        annotations=annotations,
    )
    if code is not None and "learner_uses" not in annotations:
        code.learner_uses = 0
    return code


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
    products: dict[str, Decimal] | None = None,
    lock: bool = False,
) -> DiscountQuote:
    """What ``code`` takes off each course (``amounts``: course id -> price in
    ``currency``). Reads only; the redemption happens in ``discount_code_redeem``.

    A failed look-up counts against the client (``client``, else the learner); after
    ``CODE_FAILURE_LIMIT`` failures in the window every attempt is refused with 429, so
    codes cannot be enumerated. ``count_failure=False`` is for showing again a code that
    was already counted once (a price preview re-rendered): the limit is still enforced.
    ``lock``: the checkout's quote, in its transaction, just before it redeems: the code row
    is locked now (a step of LOCK_ORDER, after the learner's), so the redemption need not
    read it again; the learner's uses are counted in the same statement, which the
    learner's lock makes safe (see ``_code_with_campaign``)."""
    client_key = _client_key(user, client)
    if not count_failure:
        discount_code_attempts_check(client=client_key)
        attempt = None
    else:
        attempt = _CodeAttempt(client_key)
    try:
        # Visitors and learners assigned a second ago may still be in the touch buffer: it
        # is checked once, for both the code's control-group check and the buyer's variant.
        with touch_buffer.touch_buffer_flushed_once():
            quote = _quote(
                code=code,
                user=user,
                course_ids=course_ids,
                currency=currency,
                amounts=amounts,
                visitor_id=visitor_id,
                products=products or {},
                lock=lock,
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


def _quote(*, code, user, course_ids, currency, amounts, visitor_id, products, lock) -> DiscountQuote:
    normalized = _normalize_code(code)
    if not normalized:
        raise CodeInvalid()
    if lock and not transaction.get_connection(_CODE.db).in_atomic_block:
        # Outside a transaction the lock would end with the statement.
        raise TransactionManagementError("a locked quote is made in the checkout's transaction")
    row = _code_with_campaign(
        column="code", value=normalized, lock=lock, uses_of=user, quoting=(visitor_id, user)
    )
    if row is None:
        raise CodeInvalid()
    campaign = row.campaign
    if campaign.discount_type == Campaign.DiscountType.FIXED:
        # Only a fixed-amount offer reads its amounts (``campaign_offer``): a percent
        # campaign's checkout skips the query.
        prefetch_related_objects([campaign], "fixed_discounts")
    now = _now()
    if row.expires_at is not None and row.expires_at <= now:
        raise CodeExpired()
    if not campaign_is_live(campaign, now=now):
        raise CampaignNotRunning()
    if row.redemptions_count >= row.max_redemptions:
        raise CodeExhausted()
    if row.learner_uses >= row.per_customer_limit:
        raise CodeLimitReached()
    if row.is_holdout:
        raise CodeNotApplicable()
    joint = campaign_course_ids_parse(row.joint_course_ids)
    applicable = [int(pk) for pk in course_ids if int(pk) in joint and pk in amounts]
    # Bundles and plans ("bundle:<id>", "plan:<id>") are discounted as a whole when the
    # campaign names them, by the same offer as its courses.
    campaign_products = campaign_product_keys(campaign=campaign) if products else set()
    applicable_products = [key for key in products if key in campaign_products]
    if not applicable and not applicable_products:
        raise CodeNotApplicable()
    if hasattr(row, "buyer_variant"):
        variant = visitor_variant_parse(row.buyer_variant)
    else:
        variant = visitor_variant(campaign=campaign, visitor_id=visitor_id, user=user)
    offer = campaign_offer(campaign=campaign, variant=variant, currency=currency)
    if offer is None:
        raise CodeNotApplicable()
    discounts = {course_id: offer.off(Decimal(amounts[course_id])) for course_id in applicable}
    discounts.update({key: offer.off(Decimal(products[key])) for key in applicable_products})
    return DiscountQuote(
        code_id=row.pk,
        code=row.code,
        campaign_id=campaign.pk,
        variant_id=variant.pk if variant else None,
        currency=currency,
        discounts=discounts,
        locked_code=row if lock else None,
    )


# savepoint=False: the checkout calls this inside its own transaction and lets any error
# end that transaction, so a savepoint of its own (two more round trips per coded checkout)
# would protect nothing. Alone, it still runs in a transaction.
@transaction.atomic(savepoint=False)
def discount_code_redeem(
    *, quote: DiscountQuote, user, order_ref: str, new_order_ref: bool = False
) -> CodeRedemption:
    """Reserve one use of the quoted code for ``order_ref``; call inside the checkout's
    transaction. The code row alone is locked (``of=("self",)``: the campaign is read,
    not locked, so checkouts with other codes of the same campaign do not wait), so the
    per-learner count and the conditional increment cannot interleave with another
    checkout. Lock order: code, then redemption (as in release). Repeating it for the
    same order returns the first reservation. ``new_order_ref``: the caller made the order
    in this transaction (its reference is a fresh UUID), so no redemption names it yet and
    the look-up for one is skipped. A quote made with ``lock=True`` in this transaction
    holds the code's lock and checked it under that lock: the code is not read again."""
    code = quote.locked_code
    if code is None:
        code = _code_with_campaign(column="id", value=quote.code_id, lock=True)
        if code is None:
            raise CodeInvalid()
    existing = None if new_order_ref else CodeRedemption.objects.filter(order_ref=order_ref).first()
    if existing is not None and existing.status != CodeRedemption.Status.RELEASED:
        if existing.code_id != code.pk:
            raise CodeInvalid(_("This order already uses another discount code."))
        return existing
    if quote.locked_code is None:
        now = _now()
        if code.expires_at is not None and code.expires_at <= now:
            raise CodeExpired()
        if not campaign_is_live(code.campaign, now=now):
            raise CampaignNotRunning()
        # Counted after the lock, in a statement of its own: this path (a late payment)
        # does not hold the learner's lock, so the count must see what a checkout of the
        # same learner committed while this one waited for the code.
        if _active_redemptions(code.pk, user) >= code.per_customer_limit:
            raise CodeLimitReached()
    # The conditional increment, as a plain statement (see ``_code_with_campaign``). In a
    # checkout it waits with the reservation's row for the end of the order's transaction
    # (``core.rawsql.deferred_writes``): a used-up code is raised then, and the transaction
    # is rolled back as it would have been from here.
    write(
        connections[_CODE.db],
        DiscountCode._meta.db_table,
        f"UPDATE {DiscountCode._meta.db_table} SET redemptions_count = redemptions_count + 1"
        " WHERE id = %s AND redemptions_count < max_redemptions",
        [code.pk],
        returning="1",
        then=_one_use_taken,
    )
    user_obj = user if user is not None and getattr(user, "is_authenticated", False) else None
    if existing is not None:
        existing.code = code
        existing.user = user_obj
        existing.status = CodeRedemption.Status.RESERVED
        existing.save(update_fields=["code", "user", "status", "updated_at"])
        return existing
    reserved = CodeRedemption(
        code=code, user=user_obj, order_ref=order_ref, status=CodeRedemption.Status.RESERVED
    )
    # Nobody reads the reservation's key in the checkout's transaction.
    (redemption,) = insert([reserved], keys_later=True)
    return redemption


def _one_use_taken(rows: list) -> None:
    if len(rows) != 1:
        raise CodeExhausted()


@transaction.atomic
def discount_code_release(*, order_ref: str) -> CodeRedemption | None:
    """Give the use back (payment failed, order cancelled, refund). Idempotent.

    Lock order: code row, then redemption row, as in redeem (the other way round, a
    release and a redeem of the same code could each hold one and wait for the other).
    The redemption is read without a lock to find its code, then re-read under lock."""
    found = CodeRedemption.objects.filter(order_ref=order_ref).values_list("code_id", flat=True).first()
    if found is None:
        return None
    # No-key, as every lock of the code (see ``core.rawsql.row_lock``).
    DiscountCode.objects.select_for_update(of=("self",), no_key=True).filter(pk=found).values("pk").first()
    redemption = CodeRedemption.objects.select_for_update(of=("self",)).filter(order_ref=order_ref).first()
    if redemption is None or redemption.status == CodeRedemption.Status.RELEASED:
        return redemption
    DiscountCode.objects.filter(pk=redemption.code_id, redemptions_count__gt=0).update(
        redemptions_count=F("redemptions_count") - 1
    )
    redemption.status = CodeRedemption.Status.RELEASED
    redemption.save(update_fields=["status", "updated_at"])
    return redemption


@transaction.atomic(savepoint=False)  # called inside the payment's transaction, see redeem
def discount_code_confirm(*, order_ref: str) -> CodeRedemption | None:
    """The order was paid: the reservation becomes a use. Idempotent. Only the
    redemption row is locked (the last step of the lock order); its code comes along
    unlocked for the ``code.redeemed`` event."""
    # Hand-written: every paid coded order confirms, and the ORM's join cost several times
    # the statement in Python (see ``core.rawsql``). The campaign's webhook endpoints, which
    # the ``code.redeemed`` event asks for next, come along when they will be asked for.
    endpoints = campaign_endpoints_column(connections[_REDEMPTION.db], '"d"."campaign_id"')
    redemption = _REDEMPTION.fetch_one(
        "r.order_ref = %s",
        [order_ref],
        joined=("code", _CODE),
        lock=True,
        annotations={"campaign_endpoints": (endpoints, [])} if endpoints else None,
    )
    if redemption is None:
        return None
    if endpoints:
        campaign_endpoints_known(redemption.code.campaign_id, redemption.campaign_endpoints)
    if redemption.status != CodeRedemption.Status.RESERVED:
        return redemption
    redemption.status = CodeRedemption.Status.CONFIRMED
    update(redemption, ["status", "updated_at"])
    return redemption
