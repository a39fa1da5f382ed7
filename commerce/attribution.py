"""The seam between a paid order and campaign attribution.

Wired to ``campaigns.services`` by the campaigns integration. Called by
``commerce.services.order_mark_paid`` inside its transaction; it may set
``order.campaign_id`` (the caller saves it) and returns the extra revenue-share parties
of the order as data, e.g. ``[{"party": "partner:7", "share": "0.1000"}]``, which are
copied to every line's ``revenue_split`` and read by ``commerce.ledger``. Returning ``[]``
means the instructor and the platform share the line alone.
"""


def attribution_for_paid_order(*, order) -> list[dict]:
    return []
