"""Revenue-share parties that apps on higher floors add to a sale (learner referrals).

commerce sits below them (ARCHITECTURE.md floors), so it cannot import them; each registers
a source in its ``AppConfig.ready()`` instead. ``commerce.services.order_mark_paid`` asks
every source inside its transaction, after the campaign's partner shares are on the lines
and before the ledger is written, so whatever a source returns is paid by the ledger's one
rounding rule and reversed by refunds like any other party.

A source is ``source(*, order, lines) -> {line_id: [{"party": "...", "share": "0.1000"}]}``.
It sees each line's ``revenue_split`` as it stands (the shares already taken) and must keep
every line's shares, the instructor's included, within the whole line."""

from collections.abc import Callable

SaleParties = dict[int, list[dict]]
_sources: list[Callable[..., SaleParties]] = []


def register_sale_party_source(source: Callable[..., SaleParties]) -> None:
    if source not in _sources:
        _sources.append(source)


def sale_parties_for_paid_order(*, order, lines) -> SaleParties:
    extra: SaleParties = {}
    for source in _sources:
        for line_id, parties in (source(order=order, lines=lines) or {}).items():
            extra.setdefault(line_id, []).extend(parties)
    return extra
