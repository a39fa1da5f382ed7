"""The one pricing rule of a campaign: what its offer takes off a course for a visitor in a
variant (or in none), in a currency. Every surface that shows or charges a campaign discount
asks here: the landing page (banner and prices), the cart and checkout (through the code
quote), the partner API (``offers``) and the portal's campaign page and preview, so the
landing page advertises exactly what the cart charges.

Every discount code of a campaign gives the campaign's offer; which offer depends on the
visitor's variant, found by ``visitor_variant`` the same way wherever the code is typed."""

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


def _variant_of(from_where: str, params: list) -> tuple[bool, Variant | None]:
    """(whether a row was found, its variant: None when the row has none)."""
    with connections[_VARIANT.db].cursor() as cursor:
        cursor.execute(f"SELECT {_VARIANT.columns} {from_where} LIMIT 1", params)
        row = cursor.fetchone()
    if row is None:
        return False, None
    return True, (_VARIANT.build(row) if row[0] is not None else None)
