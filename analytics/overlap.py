"""Audience overlap: how many of a partner's pushed customers are also our learners,
compared on hashed ids only.

Matching rule (documented for partners in the README):

* A partner pushes customers under a pseudonymous ``external_id``; we store only
  ``HMAC-SHA256(partner secret, external_id)`` (``PartnerCustomer.external_hash``).
* The comparable id of a learner is the customer-match convention partners already use with
  ad platforms: ``external_id = SHA-256 hex of the e-mail address, trimmed and lower-cased``
  (a hex digest passes the partner API's raw-contact check). We hash a learner the same way
  and then with the same partner secret, so the two sides meet in the partner's hash space
  and no raw or cross-partner-joinable id is ever compared or stored.
* Only learners with an ACTIVE data-sharing consent to that partner (``PartnerConsent``) are
  hashed at all, and only withdrawn-free pushed customers are compared.
* The result is a count per partner and day (``AudienceOverlap``); partner-facing pages
  show it only when it is at least ``PARTNER_MIN_GROUP_SIZE``.

A partner using another external id scheme simply sees no overlap; nothing is guessed.
"""

import hashlib
import hmac
from datetime import date

from partners.models import Partner, PartnerConsent, PartnerCustomer

from .models import AudienceOverlap

BATCH = 2000


def learner_match_id(email: str) -> str | None:
    normalized = (email or "").strip().lower()
    return hashlib.sha256(normalized.encode()).hexdigest() if normalized else None


def partner_hash(secret: str, external_id: str) -> str:
    # Same construction as partners.services.customer_external_hash, without its side effect
    # of creating a missing secret (a partner without one has pushed nobody).
    return hmac.new(secret.encode(), external_id.encode(), hashlib.sha256).hexdigest()


def audience_overlap_compute(*, partner: Partner, day: date) -> AudienceOverlap:
    customers = PartnerCustomer.objects.filter(partner=partner, withdrawn_at__isnull=True)
    consents = PartnerConsent.objects.filter(partner=partner, withdrawn_at__isnull=True)
    linked = consents.values("user_id").distinct().count()
    overlap = 0
    if partner.customer_id_secret:
        emails = consents.values_list("user__email", flat=True).distinct().iterator(chunk_size=BATCH)
        batch: list[str] = []
        for email in emails:
            match_id = learner_match_id(email)
            if match_id:
                batch.append(partner_hash(partner.customer_id_secret, match_id))
            if len(batch) >= BATCH:
                overlap += customers.filter(external_hash__in=batch).count()
                batch = []
        if batch:
            overlap += customers.filter(external_hash__in=batch).count()
    values = {"pushed_customers": customers.count(), "linked_learners": linked, "overlap": overlap}
    row, created = AudienceOverlap.objects.get_or_create(partner=partner, date=day, defaults=values)
    if not created and any(getattr(row, name) != value for name, value in values.items()):
        # Only a real change touches the row, so a rerun leaves computed_at alone.
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    return row
