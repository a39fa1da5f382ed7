"""Write use cases of the partners app."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import vocabularies
from core.exceptions import ApplicationError
from core.outbox import outbox_handler, outbox_put
from partners.api.auth import api_key_hash
from partners.exceptions import (
    ApplicationNotPending,
    CustomerPushRejected,
    InvalidScope,
    InvitationForAnotherEmail,
    InvitationInvalid,
    LastOwner,
    NoCurrentConsentText,
    PartnerNotFound,
)
from partners.models import (
    ApiKey,
    ConsentText,
    Partner,
    PartnerApplication,
    PartnerConsent,
    PartnerCustomer,
    PartnerInvitation,
    PartnerMember,
)
from partners.webhooks import webhook_emit

API_KEY_PREFIX = "zq_"
# "zq_" and 8 random characters: enough to tell keys apart, useless for guessing the rest.
API_KEY_VISIBLE_CHARS = 11
MAX_CUSTOMERS_PER_PUSH = 1000
MAX_EXTERNAL_ID_LENGTH = 256
# The order in which a rejected batch names its main error code.
CUSTOMER_ERROR_PRIORITY = (
    "consent_required",
    "raw_contact_data",
    "invalid_external_id",
    "duplicate_external_id",
    "unknown_interest",
    "invalid_country",
    "invalid_language",
)
_PHONE_PUNCTUATION = re.compile(r"[\s\-().+]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


# --- Partners and members --------------------------------------------------------------


def customer_id_secret_new() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def partner_create(*, slug: str, name: str, industry: str, **fields) -> Partner:
    """A partner with its own customer-id secret. ``name`` is the English name; ``fields``
    are other model fields, including translated ones such as ``name_zh_hans``."""
    # The English name is the required fallback whatever language is active now.
    fields.setdefault("name_en", name)
    partner = Partner(slug=slug, industry=industry, **fields)
    partner.customer_id_secret = customer_id_secret_new()
    try:
        partner.full_clean(exclude=["customer_id_secret"])
    except ValidationError as exc:
        raise ApplicationError(
            "; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()),
            code="invalid_partner",
        ) from exc
    partner.save()
    return partner


def partner_ensure_secret(*, partner: Partner) -> str:
    """The partner's secret, created once if the row was made without the service (admin,
    fixtures). The conditional UPDATE makes two concurrent first pushes agree on one secret."""
    if partner.customer_id_secret:
        return partner.customer_id_secret
    Partner.objects.filter(pk=partner.pk, customer_id_secret="").update(
        customer_id_secret=customer_id_secret_new()
    )
    partner.customer_id_secret = Partner.objects.values_list("customer_id_secret", flat=True).get(
        pk=partner.pk
    )
    return partner.customer_id_secret


@transaction.atomic
def partner_member_add(
    *, partner: Partner, user: User, role: str = PartnerMember.Role.OWNER
) -> PartnerMember:
    """Makes ``user`` a member of ``partner`` (a user acts for one partner only)."""
    if role not in PartnerMember.Role.values:
        raise ApplicationError(_("Unknown partner role."), code="invalid_role")
    existing = PartnerMember.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.partner_id != partner.pk:
        raise ApplicationError(
            _("This user already acts for another partner."), code="member_of_other_partner", status_code=409
        )
    if existing is not None:
        if existing.role != role:
            existing.role = role
            existing.save(update_fields=["role", "updated_at"])
        return existing
    return PartnerMember.objects.create(partner=partner, user=user, role=role)


# --- API keys --------------------------------------------------------------------------


@transaction.atomic
def api_key_issue(
    *, partner: Partner, name: str, scopes: Iterable[str], created_by: User | None
) -> tuple[ApiKey, str]:
    """A new key and its raw value. The raw value is returned once and never stored: the
    row keeps its SHA-256 and the visible prefix only."""
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in ApiKey.Scope.values]
    if not scopes or unknown:
        raise InvalidScope(
            _("Choose at least one scope among: %(scopes)s.") % {"scopes": ", ".join(ApiKey.Scope.values)}
        )
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the key a name."), code="invalid_name")
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        partner=partner,
        name=name[:80],
        prefix=raw_key[:API_KEY_VISIBLE_CHARS],
        key_hash=api_key_hash(raw_key),
        scopes=scopes,
        created_by=created_by,
    )
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revokes at once: authentication reads ``revoked_at`` on every request. Revoking
    twice keeps the first time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


# --- Pushed customers ------------------------------------------------------------------


def customer_external_hash(*, partner: Partner, external_id: str) -> str:
    """The partner's pseudonymous id hashed again with the partner's secret, so the same
    person pushed by two partners cannot be joined across them."""
    secret = partner_ensure_secret(partner=partner)
    return hmac.new(secret.encode(), external_id.encode(), hashlib.sha256).hexdigest()


def looks_like_raw_contact(value: str) -> bool:
    """An e-mail address or a phone number instead of a pseudonymous id."""
    if "@" in value:
        return True
    digits = _PHONE_PUNCTUATION.sub("", value)
    return digits.isdigit() and 7 <= len(digits) <= 15


def _customer_errors(customers: list[dict]) -> tuple[list[dict], list[dict]]:
    """Checks every entry; returns (clean entries, errors). Never echoes an external id back:
    it may be contact data the partner should not have sent."""
    languages = {code for code, _name in settings.LANGUAGES}
    wanted_slugs = {
        slug for entry in customers for slug in (entry.get("interests") or []) if isinstance(slug, str)
    }
    known_slugs = vocabularies.known(vocabularies.INTERESTS, wanted_slugs)
    errors: list[dict] = []
    clean: list[dict] = []
    seen: set[str] = set()

    def reject(index: int, code: str, detail) -> None:
        errors.append({"index": index, "code": code, "detail": str(detail)})

    for index, entry in enumerate(customers):
        before = len(errors)
        external_id = entry.get("external_id")
        if entry.get("consent") is not True:
            reject(index, "consent_required", _("A customer can be pushed only with consent: true."))
        if not isinstance(external_id, str) or not external_id.strip():
            reject(index, "invalid_external_id", _("external_id must be a non-empty string."))
            external_id = None
        elif len(external_id) > MAX_EXTERNAL_ID_LENGTH:
            reject(index, "invalid_external_id", _("external_id is too long."))
            external_id = None
        elif looks_like_raw_contact(external_id.strip()):
            reject(
                index,
                "raw_contact_data",
                _("external_id looks like an e-mail address or phone number; send a pseudonymous id."),
            )
            external_id = None
        else:
            external_id = external_id.strip()
            if external_id in seen:
                reject(index, "duplicate_external_id", _("The same external_id appears twice in the batch."))
            seen.add(external_id)
        interests = entry.get("interests") or []
        if not isinstance(interests, list) or not all(isinstance(slug, str) for slug in interests):
            reject(index, "unknown_interest", _("interests must be a list of category slugs."))
            interests = []
        else:
            unknown = sorted(set(interests) - known_slugs)
            if unknown:
                reject(
                    index,
                    "unknown_interest",
                    _("Unknown category: %(slugs)s.") % {"slugs": ", ".join(unknown)},
                )
        country = (entry.get("country") or "").strip().upper()
        if country and not _COUNTRY.match(country):
            reject(index, "invalid_country", _("country must be a two-letter ISO 3166 code."))
        language = (entry.get("language") or "").strip().lower()
        if language and language not in languages:
            reject(
                index,
                "invalid_language",
                _("language must be one of: %(languages)s.") % {"languages": ", ".join(sorted(languages))},
            )
        if len(errors) == before:
            clean.append(
                {
                    "external_id": external_id,
                    # Order kept as sent, duplicates dropped: the partner's ranking may matter.
                    "interests": list(dict.fromkeys(interests)),
                    "country": country,
                    "language": language,
                }
            )
    return clean, errors


@transaction.atomic
def partner_customers_upsert(*, partner: Partner, customers: list[dict]) -> dict[str, int]:
    """Stores a batch of pushed customers, all or nothing. Repeating a push changes nothing
    (``unchanged`` counts those rows). A customer the partner had withdrawn comes back with
    a fresh consent time."""
    if not isinstance(customers, list) or not customers:
        raise ApplicationError(_("Send at least one customer."), code="no_customers")
    if len(customers) > MAX_CUSTOMERS_PER_PUSH:
        raise ApplicationError(
            _("Send at most %(max)d customers per request.") % {"max": MAX_CUSTOMERS_PER_PUSH},
            code="too_many_customers",
        )
    clean, errors = _customer_errors([entry if isinstance(entry, dict) else {} for entry in customers])
    if errors:
        codes = {error["code"] for error in errors}
        main_code = next(code for code in CUSTOMER_ERROR_PRIORITY if code in codes)
        raise CustomerPushRejected(code=main_code, extra={"errors": errors})

    for entry in clean:
        entry["external_hash"] = customer_external_hash(partner=partner, external_id=entry["external_id"])
    existing = {
        row.external_hash: row
        for row in PartnerCustomer.objects.select_for_update().filter(
            partner=partner, external_hash__in=[entry["external_hash"] for entry in clean]
        )
    }
    now = timezone.now()
    rows, created, updated, unchanged = [], 0, 0, 0
    for entry in clean:
        current = existing.get(entry["external_hash"])
        values = {"interests": entry["interests"], "country": entry["country"], "language": entry["language"]}
        if current is None:
            created += 1
            rows.append(
                PartnerCustomer(
                    partner=partner, external_hash=entry["external_hash"], consent_at=now, **values
                )
            )
            continue
        same = all(getattr(current, field) == value for field, value in values.items())
        if same and current.withdrawn_at is None:
            unchanged += 1
            continue
        updated += 1
        consent_at = now if current.withdrawn_at is not None else current.consent_at
        rows.append(
            PartnerCustomer(
                partner=partner, external_hash=entry["external_hash"], consent_at=consent_at, **values
            )
        )
    if rows:
        # An upsert, so a concurrent push of the same new customer updates instead of failing.
        PartnerCustomer.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["partner", "external_hash"],
            update_fields=["interests", "country", "language", "consent_at", "withdrawn_at", "updated_at"],
        )
    return {"created": created, "updated": updated, "unchanged": unchanged}


@transaction.atomic
def partner_customer_withdraw(*, partner: Partner, external_id: str) -> PartnerCustomer:
    """The partner's customer withdrew consent: hidden from every list from now on."""
    external_hash = customer_external_hash(partner=partner, external_id=external_id)
    customer = (
        PartnerCustomer.objects.select_for_update()
        .filter(partner=partner, external_hash=external_hash, withdrawn_at__isnull=True)
        .first()
    )
    if customer is None:
        raise ApplicationError(_("No such customer."), code="not_found", status_code=404)
    customer.withdrawn_at = timezone.now()
    customer.save(update_fields=["withdrawn_at", "updated_at"])
    webhook_emit(
        partner_id=partner.pk,
        event="customer.consent_withdrawn",
        data={"source": "pushed_customer", "customer": external_hash, "withdrawn_at": customer.withdrawn_at},
    )
    return customer


# --- Learners' data-sharing consent ----------------------------------------------------


@transaction.atomic
def consent_text_make_current(*, consent_text: ConsentText) -> ConsentText:
    """Publishes a consent text version; existing consents keep the version they agreed to."""
    ConsentText.objects.select_for_update().filter(is_current=True).exclude(pk=consent_text.pk).update(
        is_current=False
    )
    if not consent_text.is_current:
        consent_text.is_current = True
        consent_text.save(update_fields=["is_current", "updated_at"])
    return consent_text


@transaction.atomic
def partner_consent_grant(*, user: User, partner: Partner, language: str) -> PartnerConsent:
    """Links a learner to a partner under the current consent text, in the language the
    learner read it in. Granting again under the same version returns the same consent; a
    consent to an older version is closed and replaced."""
    if partner.status != Partner.Status.ACTIVE:
        raise PartnerNotFound(_("This partner is not available."))
    text = ConsentText.objects.filter(is_current=True).first()
    if text is None:
        raise NoCurrentConsentText()
    languages = {code for code, _name in settings.LANGUAGES}
    language = language if language in languages else settings.LANGUAGE_CODE
    # Lock the learner's row so two submits of the form create one consent.
    User.objects.select_for_update().filter(pk=user.pk).first()
    active = PartnerConsent.objects.filter(user=user, partner=partner, withdrawn_at__isnull=True).first()
    now = timezone.now()
    if active is not None:
        if active.consent_text_id == text.pk:
            return active
        active.withdrawn_at = now
        active.save(update_fields=["withdrawn_at", "updated_at"])
    return PartnerConsent.objects.create(
        user=user, partner=partner, consent_text=text, language=language, granted_at=now
    )


@transaction.atomic
def partner_consent_withdraw(*, user: User, partner: Partner) -> PartnerConsent | None:
    """Withdraws the learner's consent; the row stays for the audit trail. Withdrawing
    when nothing is active (a second click) changes nothing and returns None."""
    consent = (
        PartnerConsent.objects.select_for_update()
        .filter(user=user, partner=partner, withdrawn_at__isnull=True)
        .first()
    )
    if consent is None:
        return None
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at", "updated_at"])
    webhook_emit(
        partner_id=partner.pk,
        event="customer.consent_withdrawn",
        data={"source": "linked_learner", "consent": consent.pk, "withdrawn_at": consent.withdrawn_at},
    )
    return consent


# --- Onboarding: applications, invitations, members ----------------------------------


def partner_application_submit(
    *,
    company: str,
    industry: str,
    country: str,
    contact_name: str,
    contact_email: str,
    message: str,
    website: str = "",
    language: str = "en",
) -> PartnerApplication:
    """Queue a brand's request to become a partner. A second submit from the same address
    while the first is pending returns the first (the unique constraint decides races)."""
    email = contact_email.strip().lower()
    fields = {
        "company": company.strip(),
        "industry": industry.strip(),
        "country": country.upper(),
        "contact_name": contact_name.strip(),
        "website": website.strip(),
        "message": message.strip(),
        "language": language,
    }
    try:
        with transaction.atomic():
            return PartnerApplication.objects.create(contact_email=email, **fields)
    except IntegrityError:
        return PartnerApplication.objects.get(contact_email=email, status=PartnerApplication.Status.PENDING)


def _unique_partner_slug(name: str) -> str:
    base = slugify(name)[:50] or "partner"
    taken = set(Partner.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


@transaction.atomic
def partner_application_approve(*, application: PartnerApplication, reviewed_by=None) -> Partner:
    """Create the partner and invite the applicant as its owner (the e-mail leaves through
    the outbox once this commits)."""
    locked = PartnerApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != PartnerApplication.Status.PENDING:
        raise ApplicationNotPending()
    partner = partner_create(
        slug=_unique_partner_slug(locked.company),
        name=locked.company,
        industry=locked.industry,
        website=locked.website,
        contact_email=locked.contact_email,
    )
    partner_invitation_create(
        partner=partner,
        email=locked.contact_email,
        role=PartnerMember.Role.OWNER,
        invited_by=reviewed_by,
        language=locked.language,
    )
    locked.status, locked.partner = PartnerApplication.Status.APPROVED, partner
    locked.reviewed_by, locked.reviewed_at = reviewed_by, timezone.now()
    locked.save(update_fields=["status", "partner", "reviewed_by", "reviewed_at", "updated_at"])
    application.status, application.partner = locked.status, partner
    return partner


@transaction.atomic
def partner_application_reject(*, application: PartnerApplication, reviewed_by=None) -> PartnerApplication:
    locked = PartnerApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status != PartnerApplication.Status.PENDING:
        raise ApplicationNotPending()
    locked.status, locked.reviewed_by, locked.reviewed_at = (
        PartnerApplication.Status.REJECTED,
        reviewed_by,
        timezone.now(),
    )
    locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    outbox_put(topic=APPLICATION_REJECTED_TOPIC, payload={"application": locked.pk})
    return locked


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def partner_invitation_create(
    *, partner: Partner, email: str, role: str, invited_by=None, language: str = "en"
) -> PartnerInvitation:
    """Invite ``email`` to act for ``partner``; an earlier open invitation of the same
    address is revoked, so only the newest link works."""
    if role not in PartnerMember.Role.values:
        raise ApplicationError(_("Unknown partner role."), code="invalid_role")
    email = email.strip().lower()
    now = timezone.now()
    PartnerInvitation.objects.filter(
        partner=partner, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    invitation = PartnerInvitation.objects.create(
        partner=partner,
        email=email,
        role=role,
        language=language,
        # Replaced by the real token's hash when the e-mail is sent; this one matches nothing.
        token_hash=invitation_token_hash(secrets.token_urlsafe(32) + ":unsent"),
        expires_at=now + timedelta(days=settings.PARTNER_INVITATION_DAYS),
        invited_by=invited_by,
    )
    outbox_put(topic=INVITATION_TOPIC, payload={"invitation": invitation.pk})
    return invitation


def partner_invitation_open(*, token: str) -> PartnerInvitation:
    """The open invitation behind a link, or ``InvitationInvalid``."""
    invitation = (
        PartnerInvitation.objects.select_related("partner")
        .filter(token_hash=invitation_token_hash(token), accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now() or invitation.sent_at is None:
        raise InvitationInvalid()
    return invitation


@transaction.atomic
def partner_invitation_accept(*, token: str, user: User) -> PartnerMember:
    """``user`` joins the partner with the invited role; the link then stops working. The
    user's e-mail must be the invited one, so a forwarded link is useless to others."""
    invitation = partner_invitation_open(token=token)
    locked = PartnerInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None or locked.revoked_at is not None:
        raise InvitationInvalid()
    if (user.email or "").strip().lower() != locked.email:
        raise InvitationForAnotherEmail()
    member = partner_member_add(partner=invitation.partner, user=user, role=locked.role)
    locked.accepted_at, locked.accepted_by = timezone.now(), user
    locked.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return member


def _owners_after(partner: Partner, *, member: PartnerMember, role: str | None) -> int:
    """How many owners the partner has once ``member`` takes ``role`` (None: leaves)."""
    owners = set(
        PartnerMember.objects.filter(partner=partner, role=PartnerMember.Role.OWNER).values_list(
            "pk", flat=True
        )
    )
    owners.discard(member.pk)
    if role == PartnerMember.Role.OWNER:
        owners.add(member.pk)
    return len(owners)


def _member_for_change(*, partner: Partner, member_id: int) -> PartnerMember:
    # Locks the partner first: two owners demoting each other at once cannot both pass.
    Partner.objects.select_for_update().filter(pk=partner.pk).values_list("pk", flat=True).get()
    member = PartnerMember.objects.filter(partner=partner, pk=member_id).first()
    if member is None:
        raise ApplicationError(_("No such member."), code="member_not_found", status_code=404)
    return member


@transaction.atomic
def partner_member_set_role(*, partner: Partner, member_id: int, role: str) -> PartnerMember:
    if role not in PartnerMember.Role.values:
        raise ApplicationError(_("Unknown partner role."), code="invalid_role")
    member = _member_for_change(partner=partner, member_id=member_id)
    if _owners_after(partner, member=member, role=role) == 0:
        raise LastOwner()
    member.role = role
    member.save(update_fields=["role", "updated_at"])
    return member


@transaction.atomic
def partner_member_remove(*, partner: Partner, member_id: int) -> None:
    member = _member_for_change(partner=partner, member_id=member_id)
    if _owners_after(partner, member=member, role=None) == 0:
        raise LastOwner()
    member.delete()


# --- Onboarding e-mails (outbox handlers) ------------------------------------------------

INVITATION_TOPIC = "partners.invitation_email"
APPLICATION_REJECTED_TOPIC = "partners.application_rejected_email"


def _send(*, template: str, to: str, language: str, context: dict) -> None:
    with translation.override(language):
        subject = render_to_string(f"partners/email/{template}_subject.txt", context).strip()
        text = render_to_string(f"partners/email/{template}.txt", context)
        html = render_to_string(f"partners/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


@outbox_handler(INVITATION_TOPIC)
def send_invitation(payload: dict) -> bool:
    """Make the link's token now (only its hash is stored, never in the outbox) and send
    it. Claimed first, so a redelivered message sends nothing twice; a failed send gives
    the claim back and the outbox retries."""
    token = secrets.token_urlsafe(32)
    claimed = PartnerInvitation.objects.filter(
        pk=payload["invitation"], sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(sent_at=timezone.now(), token_hash=invitation_token_hash(token))
    if not claimed:
        return False
    invitation = PartnerInvitation.objects.select_related("partner", "invited_by").get(
        pk=payload["invitation"]
    )
    with translation.override(invitation.language):
        path = reverse("partner_onboarding:invitation", kwargs={"token": token})
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL.rstrip("/") + path,
        "days": settings.PARTNER_INVITATION_DAYS,
    }
    try:
        _send(template="invitation", to=invitation.email, language=invitation.language, context=context)
    except Exception:
        PartnerInvitation.objects.filter(pk=invitation.pk).update(sent_at=None)
        raise
    return True


@outbox_handler(APPLICATION_REJECTED_TOPIC)
def send_application_rejected(payload: dict) -> bool:
    application = PartnerApplication.objects.get(pk=payload["application"])
    _send(
        template="application_rejected",
        to=application.contact_email,
        language=application.language,
        context={"application": application},
    )
    return True
