"""The one pricing rule of a campaign: what its offer takes off a course for a visitor in a
variant (or in none), in a currency. Every surface that shows or charges a campaign discount
asks here: the landing page (banner and prices), the cart and checkout (through the code
quote), the partner API (``offers``) and the portal's campaign page and preview, so the
landing page advertises exactly what the cart charges.

Every discount code of a campaign gives the campaign's offer; which offer depends on the
visitor's variant, found by ``visitor_variant`` the same way wherever the code is typed."""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connections

from core.money import round_money
from core.rawsql import RowShape

from .. import touch_buffer
from ..models import Campaign, Touch, Variant, VisitorAssignment


@dataclass(frozen=True)
class Offer:
    """A campaign's offer for one variant (``None``: the campaign's own) in one currency:
    ``percent`` off each course, or ``amount`` off each course (fixed campaigns)."""

    campaign_id: int
    variant_id: int | None
    currency: str
    percent: Decimal | None = None
    amount: Decimal | None = None

    def off(self, price: Decimal) -> Decimal:
        """The amount off one course's price, rounded like an order line, never above it."""
        price = Decimal(price)
        if self.percent is not None:
            return min(round_money(price * self.percent / Decimal(100), self.currency), price)
        return min(round_money(self.amount or Decimal("0"), self.currency), price)


def campaign_offer(*, campaign: Campaign, variant: Variant | None, currency: str) -> Offer | None:
    """The offer of ``campaign`` to a visitor of ``variant`` in ``currency``; ``None`` when
    there is none (a fixed-amount campaign without an amount in that currency). A variant's
    own depth applies to percent campaigns only. Reads ``campaign.fixed_discounts.all()``
    (prefetch it for lists)."""
    if variant is not None and variant.campaign_id != campaign.pk:
        variant = None
    variant_id = variant.pk if variant is not None else None
    if campaign.discount_type == Campaign.DiscountType.FIXED:
        amount = next(
            (row.amount for row in campaign.fixed_discounts.all() if row.currency == currency), None
        )
        if amount is None:
            return None
        return Offer(campaign_id=campaign.pk, variant_id=variant_id, currency=currency, amount=amount)
    percent = campaign.discount_percent
    if variant is not None and variant.discount_percent is not None:
        percent = variant.discount_percent
    return Offer(campaign_id=campaign.pk, variant_id=variant_id, currency=currency, percent=percent)


def campaign_product_keys(*, campaign: Campaign) -> set[str]:
    """The bundles and plans the campaign's offer applies to, as checkout names them
    (``bundle:<id>``, ``plan:<id>``); ``campaign_offer`` decides how much comes off."""
    return {f"bundle:{pk}" for pk in campaign.bundles.values_list("pk", flat=True)} | {
        f"plan:{pk}" for pk in campaign.plans.values_list("pk", flat=True)
    }


def campaign_offers(*, campaign: Campaign) -> list[Offer]:
    """Every offer of the campaign: its own and each variant's, in every currency it has one
    (the partner API and the portal list them)."""
    offers = []
    for variant in [None, *campaign.variants.all()]:
        for currency in settings.CURRENCIES:
            offer = campaign_offer(campaign=campaign, variant=variant, currency=currency)
            if offer is not None:
                offers.append(offer)
    return offers


def visitor_variant(*, campaign: Campaign, visitor_id: str | None, user=None) -> Variant | None:
    """The variant whose offer a visitor gets: the one the landing page showed this browser
    (its ``zq_vid`` cookie), else, for a signed-in learner who opened the landing page on
    another device or buys through the API, the variant of their latest touch."""
    # An assignment made a second ago may still be in the Redis buffer.
    touch_buffer.touch_buffer_flush_pending()
    if visitor_id:
        found, variant = _variant_of(
            f"FROM {VisitorAssignment._meta.db_table} a LEFT JOIN {Variant._meta.db_table} v"
            " ON v.id = a.variant_id WHERE a.campaign_id = %s AND a.visitor_id = %s",
            [campaign.pk, visitor_id],
        )
        if found:
            return variant
    if user is not None and getattr(user, "is_authenticated", False):
        _found, variant = _variant_of(
            f"FROM {Touch._meta.db_table} t JOIN {Variant._meta.db_table} v ON v.id = t.variant_id"
            " WHERE t.campaign_id = %s AND t.user_id = %s ORDER BY t.created_at DESC, t.id DESC",
            [campaign.pk, user.pk],
        )
        return variant
    return None


# Every coded checkout asks for the buyer's variant: a hand-written statement, as the ORM's
# join cost several times the statement in Python (see ``core.rawsql``).
_VARIANT = RowShape(Variant, "v")
# What an offer reads of a variant (``campaign_offer``), as ``visitor_variant_column`` gives it.
_OFFER_FIELDS = ["id", "campaign_id", "discount_percent"]


def visitor_variant_column(
    *, campaign: str, visitor_id: str | None, user, vendor: str
) -> tuple[str, list] | None:
    """``visitor_variant`` as one column of the caller's statement (``campaign``: the
    campaign id's column there), on PostgreSQL: the variant's fields an offer reads, as a
    JSON array, or NULL; read it with ``visitor_variant_parse``. A coded checkout asks it
    with the code's row, one round trip less. None elsewhere: ask ``visitor_variant``. The
    caller flushes the touch buffer first (``touch_buffer_flush_pending``), and takes what
    the statement's snapshot saw (a statement that waits for a lock read it before)."""
    if vendor != "postgresql":
        return None
    assignment, touch = VisitorAssignment._meta.db_table, Touch._meta.db_table
    # The learner's latest touch that has a variant, as ``visitor_variant`` joins it.
    latest, params = "NULL", []
    if user is not None and getattr(user, "is_authenticated", False):
        latest = (
            f"(SELECT t.variant_id FROM {touch} t WHERE t.campaign_id = {campaign} AND t.user_id = %s"
            " AND t.variant_id IS NOT NULL ORDER BY t.created_at DESC, t.id DESC LIMIT 1)"
        )
        params = [user.pk]
    chosen = latest
    if visitor_id:
        # The browser's assignment decides when there is one, even without a variant.
        where = f"FROM {assignment} a WHERE a.campaign_id = {campaign} AND a.visitor_id = %s"
        assigned = f"(SELECT a.variant_id {where} LIMIT 1)"
        chosen = f"CASE WHEN EXISTS (SELECT 1 {where}) THEN {assigned} ELSE {latest} END"
        params = [visitor_id, visitor_id, *params]
    fields = ", ".join(f"v.{Variant._meta.get_field(name).column}" for name in _OFFER_FIELDS)
    return (
        # As text: the driver would read JSON numbers as floats, and the percent is a decimal.
        f"(SELECT json_build_array({fields})::text FROM {Variant._meta.db_table} v WHERE v.id = {chosen})",
        params,
    )


def visitor_variant_parse(value) -> Variant | None:
    """The variant of a ``visitor_variant_column`` value, with the fields an offer reads
    (the others are deferred)."""
    if value is None:
        return None
    fields = json.loads(value, parse_float=Decimal)
    return Variant.from_db(_VARIANT.db, _OFFER_FIELDS, fields)


def _variant_of(from_where: str, params: list) -> tuple[bool, Variant | None]:
    """(whether a row was found, its variant: None when the row has none)."""
    with connections[_VARIANT.db].cursor() as cursor:
        cursor.execute(f"SELECT {_VARIANT.columns} {from_where} LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return False, None
    return True, (_VARIANT.build(row) if row[0] is not None else None)
