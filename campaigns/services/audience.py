"""A campaign's audience: the recommender's learner segments and the lead partner's pushed
customers. What targeting does at runtime is in the README ("Audiences"): the audience
decides who is shown the campaign's picks, never who may buy at the campaign's price."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerCustomer
from partners.services import customer_external_hash

from ..audience import segment_catalog
from ..exceptions import AudienceInvalid, CampaignNotEditable
from ..models import Campaign, CampaignAudienceCustomer

# A list longer than this is "all our customers" in practice; the partner API pages pushes
# at 1,000, and a form post of 10,000 ids stays well under the request size limit.
MAX_AUDIENCE_CUSTOMERS = 10_000


def _check_segments(segments: Iterable[int]) -> tuple[list[int], int | None]:
    wanted = sorted({int(number) for number in segments})
    if not wanted:
        return [], None
    catalog = segment_catalog()
    unknown = [number for number in wanted if number not in catalog.labels]
    if unknown:
        raise AudienceInvalid(
            _("Unknown learner segment: %(number)s.") % {"number": unknown[0]},
            code="audience_segment_unknown",
        )
    return wanted, catalog.version_id


def _check_customer_rows(campaign: Campaign, rows: list[tuple[int, int, object]], wanted: int) -> list[int]:
    """``rows`` are (id, partner id, withdrawn at) of the customers found for ``wanted`` ids."""
    own = [row for row in rows if row[1] == campaign.partner_id]
    if len(own) != wanted:
        # Another partner's customer reads exactly like an unknown one: nothing tells the
        # partner that an id exists elsewhere.
        raise AudienceInvalid(
            _("%(count)s of the listed customers are not customers your partner pushed.")
            % {"count": wanted - len(own)},
            code="audience_customer_unknown",
        )
    withdrawn = sum(1 for row in own if row[2] is not None)
    if withdrawn:
        raise AudienceInvalid(
            _("%(count)s of the listed customers withdrew their consent; remove them from the list.")
            % {"count": withdrawn},
            code="audience_customer_withdrawn",
        )
    return [row[0] for row in own]


def _customer_ids_from_external(campaign: Campaign, external_ids: Iterable[str]) -> list[int]:
    cleaned = list(dict.fromkeys(str(value).strip() for value in external_ids if str(value).strip()))
    if len(cleaned) > MAX_AUDIENCE_CUSTOMERS:
        raise AudienceInvalid(
            _("List at most %(max)s customers, or choose all your customers.")
            % {"max": MAX_AUDIENCE_CUSTOMERS},
            code="audience_too_many_customers",
        )
    hashes = [customer_external_hash(partner=campaign.partner, external_id=value) for value in cleaned]
    rows = list(
        PartnerCustomer.objects.filter(partner_id=campaign.partner_id, external_hash__in=hashes).values_list(
            "pk", "partner_id", "withdrawn_at"
        )
    )
    return _check_customer_rows(campaign, rows, len(cleaned))


def audience_customer_ids_check(*, campaign: Campaign, customer_ids: Iterable[int]) -> list[int]:
    """The ids of ``customer_ids`` if every one is a consenting customer of the lead partner
    (the admin's check, which lists customers by id); raises ``AudienceInvalid`` otherwise."""
    wanted = list(dict.fromkeys(int(pk) for pk in customer_ids))
    if len(wanted) > MAX_AUDIENCE_CUSTOMERS:
        raise AudienceInvalid(
            _("List at most %(max)s customers, or choose all your customers.")
            % {"max": MAX_AUDIENCE_CUSTOMERS},
            code="audience_too_many_customers",
        )
    rows = list(PartnerCustomer.objects.filter(pk__in=wanted).values_list("pk", "partner_id", "withdrawn_at"))
    return _check_customer_rows(campaign, rows, len(wanted))


def audience_segments_check(*, segments: Iterable[int]) -> tuple[list[int], int | None]:
    """The sorted segment numbers and the recommender version they belong to; raises
    ``AudienceInvalid`` for a number the active version does not have."""
    return _check_segments(segments)


def audience_apply(
    campaign: Campaign,
    *,
    segments: Iterable[int] | None = None,
    all_customers: bool | None = None,
    customer_external_ids: Iterable[str] | None = None,
    customer_ids: Iterable[int] | None = None,
) -> None:
    """``None`` keeps a part as it is; a list replaces it."""
    changed = []
    if segments is not None:
        numbers, version_id = _check_segments(segments)
        campaign.audience_segments = numbers
        campaign.audience_segments_version = version_id
        changed += ["audience_segments", "audience_segments_version"]
    if all_customers is not None:
        campaign.audience_all_customers = bool(all_customers)
        changed.append("audience_all_customers")
    ids = None
    if customer_external_ids is not None:
        ids = _customer_ids_from_external(campaign, customer_external_ids)
    elif customer_ids is not None:
        ids = audience_customer_ids_check(campaign=campaign, customer_ids=customer_ids)
    if changed:
        campaign.save(update_fields=[*changed, "updated_at"])
    if ids is not None:
        CampaignAudienceCustomer.objects.filter(campaign=campaign).delete()
        CampaignAudienceCustomer.objects.bulk_create(
            [CampaignAudienceCustomer(campaign=campaign, customer_id=pk) for pk in ids], batch_size=2000
        )


@transaction.atomic
def campaign_audience_set(
    *,
    campaign: Campaign,
    segments: Iterable[int] | None = None,
    all_customers: bool | None = None,
    customer_external_ids: Iterable[str] | None = None,
    customer_ids: Iterable[int] | None = None,
) -> Campaign:
    """Sets a draft's audience, all or nothing. Customers are named by the partner's own
    pseudonymous ids (``customer_external_ids``, the portal and the API) or by row id
    (``customer_ids``, the admin); both must be consenting customers of the lead partner."""
    campaign = Campaign.objects.select_for_update(no_key=True).select_related("partner").get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise CampaignNotEditable()
    audience_apply(
        campaign,
        segments=segments,
        all_customers=all_customers,
        customer_external_ids=customer_external_ids,
        customer_ids=customer_ids,
    )
    return campaign


@transaction.atomic
def campaign_audience_segments_remap(
    *, from_version_id: int, to_version_id: int, mapping: dict[int, int]
) -> int:
    """The recommender re-clustered its learners: every campaign (whatever its status, so a
    running campaign keeps its audience) whose segments name ``from_version_id`` numbers gets
    the matching numbers of ``to_version_id``. Returns how many campaigns changed."""
    campaigns = list(
        Campaign.objects.select_for_update(no_key=True)
        .filter(audience_segments_version=from_version_id)
        .order_by("pk")
    )
    for campaign in campaigns:
        campaign.audience_segments = sorted(
            {mapping[int(n)] for n in campaign.audience_segments if int(n) in mapping}
        )
        campaign.audience_segments_version = to_version_id
    Campaign.objects.bulk_update(campaigns, ["audience_segments", "audience_segments_version"])
    return len(campaigns)
