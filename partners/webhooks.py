"""Outbound webhooks: events pushed to partners' own URLs.

1. A service that causes an event calls ``webhook_emit(partner_id=..., event=..., data=...)``
   inside its transaction. That writes one outbox message, so the event exists exactly when
   the change does.
2. The outbox handler fans the event out: one ``WebhookDelivery`` per active endpoint of the
   partner that subscribed to it (unique per endpoint and event id: a redelivered outbox
   message adds nothing).
3. ``webhook_deliver_due`` (Celery, every minute and right after a fan-out) POSTs, outside
   any transaction, the oldest pending delivery of each endpoint: events reach an endpoint
   in the order they happened. A failure is retried with exponential backoff
   (``WEBHOOK_RETRY_BASE_SECONDS`` doubling up to ``WEBHOOK_RETRY_MAX_SECONDS``) until a day
   after the event; ``WEBHOOK_DISABLE_AFTER`` failed attempts in a row disable the endpoint
   and the partner's owners get an e-mail.

Each request carries ``Zhiqiao-Event``, ``Zhiqiao-Event-Id`` (the same on every attempt:
the receiver's idempotency key), ``Zhiqiao-Delivery-Attempt`` and ``Zhiqiao-Signature:
t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>``. Payloads
carry ids the partner already knows (campaigns, codes, its own pseudonymous customer ids)
and amounts, never a learner's name or contact data."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from datetime import timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.exceptions import ApplicationError
from core.outbox import outbox_handler, outbox_put

from .models import Partner, PartnerMember, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

FANOUT_TOPIC = "partners.webhook_fanout"
DISABLED_TOPIC = "partners.webhook_disabled_email"
EVENTS = [value for value in WebhookEndpoint.Event.values if value != WebhookEndpoint.Event.PING]
SIGNATURE_HEADER = "Zhiqiao-Signature"


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- Endpoints ---------------------------------------------------------------------------


def _encodable(text: str) -> bool:
    """False for text PostgreSQL cannot store (a lone surrogate from a JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _clean_description(text: str) -> str:
    text = (text or "").strip()[:200]
    if not _encodable(text):
        raise ApplicationError(translation.gettext("Enter a valid description."), code="invalid_description")
    return text


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500 or not _encodable(url):
        raise ApplicationError(translation.gettext("Enter a valid URL."), code="invalid_webhook_url")
    allow_http = _setting("WEBHOOKS_ALLOW_HTTP", False)
    if not url.startswith("https://") and not (allow_http and url.startswith("http://")):
        raise ApplicationError(
            translation.gettext("A webhook URL must start with https://."), code="invalid_webhook_url"
        )
    try:
        URLValidator(schemes=["https", "http"] if allow_http else ["https"])(url)
    except ValidationError as exc:
        raise ApplicationError(translation.gettext("Enter a valid URL."), code="invalid_webhook_url") from exc
    return url


def _clean_events(events) -> list[str]:
    chosen = sorted(set(events or []))
    unknown = [event for event in chosen if event not in EVENTS]
    if not chosen or unknown:
        raise ApplicationError(
            translation.gettext("Choose one or more of the events: %(events)s.")
            % {"events": ", ".join(EVENTS)},
            code="invalid_webhook_events",
        )
    return chosen


def webhook_endpoint_create(
    *, partner: Partner, url: str, events, description: str = "", created_by=None
) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        partner=partner,
        url=_clean_url(url),
        events=_clean_events(events),
        description=_clean_description(description),
        secret="whsec_" + secrets.token_hex(24),
        created_by=created_by,
    )


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url=None, events=None, description=None, is_active=None
) -> WebhookEndpoint:
    """Change an endpoint; switching it back on clears the failure count."""
    if url is not None:
        endpoint.url = _clean_url(url)
    if events is not None:
        endpoint.events = _clean_events(events)
    if description is not None:
        endpoint.description = _clean_description(description)
    if is_active is not None:
        endpoint.is_active = bool(is_active)
        if endpoint.is_active:
            endpoint.consecutive_failures, endpoint.disabled_reason = 0, ""
    endpoint.save()
    return endpoint


def webhook_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test event for one endpoint, delivered like any other."""
    return _delivery_create(
        endpoint=endpoint, event_id=uuid.uuid4(), event="ping", payload={"endpoint": endpoint.pk}
    )


def webhook_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with the same event id (the receiver's idempotency key)."""
    now = timezone.now()
    delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.PENDING, now
    delivery.give_up_at = max(delivery.give_up_at, now + timedelta(hours=1))
    delivery.save(update_fields=["status", "next_attempt_at", "give_up_at", "updated_at"])
    _kick()
    return delivery


# --- Emitting and fanning out ------------------------------------------------------------


def webhook_emit(*, partner_id: int, event: str, data: dict, dedupe_key: str | None = None) -> None:
    """Record an event for a partner in the caller's transaction (see the module text).
    ``dedupe_key`` makes a repeated emit (a rerun night) a no-op."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    outbox_put(
        dedupe_key=f"webhook:{partner_id}:{dedupe_key}" if dedupe_key else None,
        topic=FANOUT_TOPIC,
        payload={
            "partner": partner_id,
            "event": event,
            "id": str(uuid.uuid4()),
            "created": timezone.now().isoformat(),
            "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
        },
    )


def _delivery_create(*, endpoint: WebhookEndpoint, event_id, event: str, payload: dict) -> WebhookDelivery:
    now = timezone.now()
    body = {"id": str(event_id), "type": event, "created": now.isoformat(), "data": payload}
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint,
                event_id=event_id,
                event=event,
                payload=body,
                next_attempt_at=now,
                give_up_at=now + timedelta(seconds=_setting("WEBHOOK_RETRY_FOR_SECONDS", 86400)),
            )
    except IntegrityError:
        delivery = WebhookDelivery.objects.get(endpoint=endpoint, event_id=event_id)
    _kick()
    return delivery


@outbox_handler(FANOUT_TOPIC)
def webhook_fanout(message: dict) -> int:
    endpoints = WebhookEndpoint.objects.filter(partner_id=message["partner"], is_active=True)
    created = 0
    for endpoint in endpoints:
        if message["event"] not in endpoint.events:
            continue
        body_id = uuid.UUID(message["id"])
        _delivery_create(endpoint=endpoint, event_id=body_id, event=message["event"], payload=message["data"])
        created += 1
    return created


def _kick() -> None:
    """Ask a worker to deliver now, after the commit; the beat task covers a lost request."""

    def send() -> None:
        try:
            from .tasks import deliver_webhooks

            deliver_webhooks.delay()
        except Exception as exc:  # the broker is down: the minute beat delivers instead
            logger.warning("webhook delivery not queued (%s); the beat task will deliver", exc)

    transaction.on_commit(send)


# --- Delivering --------------------------------------------------------------------------


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _claim_due(limit: int) -> list[WebhookDelivery]:
    """The oldest pending delivery of each active endpoint that is due, leased for a while
    so a second worker skips it (and takes it back if this one dies)."""
    now = timezone.now()
    lease = now + timedelta(seconds=_setting("WEBHOOK_TIMEOUT_SECONDS", 10) * 3)
    with transaction.atomic():
        heads = (
            WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, endpoint__is_active=True)
            .order_by()
            .values("endpoint_id")
            .annotate(first=Min("id"))
            .values_list("first", flat=True)
        )
        claimed = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk__in=list(heads)[:limit], next_attempt_at__lte=now)
        )
        WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(next_attempt_at=lease)
    return claimed


def webhook_deliver_due(*, limit: int = 200) -> int:
    """Deliver what is due; returns how many attempts were made. Runs outside transactions:
    the HTTP calls hold no database lock."""
    attempts = 0
    while True:
        batch = _claim_due(limit)
        if not batch:
            return attempts
        for delivery in batch:
            _attempt(delivery)
            attempts += 1
        if attempts >= limit:
            return attempts


def _attempt(delivery: WebhookDelivery) -> None:
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Zhiqiao-Webhooks/1",
        "Zhiqiao-Event": delivery.event,
        "Zhiqiao-Event-Id": str(delivery.event_id),
        "Zhiqiao-Delivery-Attempt": str(delivery.attempts + 1),
        SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    started = time.monotonic()
    status_code, excerpt, error = None, "", ""
    try:
        response = requests.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=_setting("WEBHOOK_TIMEOUT_SECONDS", 10),
            allow_redirects=False,
        )
        status_code, excerpt = response.status_code, response.text[:500]
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    latency = int((time.monotonic() - started) * 1000)
    _record(
        delivery,
        ok=status_code is not None and 200 <= status_code < 300,
        status_code=status_code,
        excerpt=excerpt,
        error=error,
        latency=latency,
    )


def _record(delivery, *, ok: bool, status_code, excerpt: str, error: str, latency: int) -> None:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_response, delivery.last_error = status_code, excerpt, error
    delivery.last_latency_ms = latency
    endpoint = delivery.endpoint
    with transaction.atomic():
        if ok:
            delivery.status, delivery.delivered_at = WebhookDelivery.Status.SUCCEEDED, now
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        else:
            backoff = min(
                _setting("WEBHOOK_RETRY_MAX_SECONDS", 3 * 3600),
                _setting("WEBHOOK_RETRY_BASE_SECONDS", 30) * 2 ** (delivery.attempts - 1),
            )
            delivery.next_attempt_at = now + timedelta(seconds=backoff)
            if delivery.next_attempt_at > delivery.give_up_at:
                delivery.status = WebhookDelivery.Status.FAILED
            failures = (
                WebhookEndpoint.objects.select_for_update()
                .values_list("consecutive_failures", flat=True)
                .get(pk=endpoint.pk)
                + 1
            )
            update = {"consecutive_failures": failures}
            if failures >= _setting("WEBHOOK_DISABLE_AFTER", 15) and endpoint.is_active:
                update.update(is_active=False, disabled_reason=f"{failures} failed attempts in a row")
                outbox_put(topic=DISABLED_TOPIC, payload={"endpoint": endpoint.pk})
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**update)
        delivery.save()


@outbox_handler(DISABLED_TOPIC)
def webhook_disabled_notice(payload: dict) -> None:
    endpoint = WebhookEndpoint.objects.select_related("partner").get(pk=payload["endpoint"])
    owners = PartnerMember.objects.filter(
        partner=endpoint.partner, role=PartnerMember.Role.OWNER
    ).select_related("user")
    for owner in owners:
        if not owner.user.email:
            continue
        language = getattr(getattr(owner.user, "profile", None), "preferred_language", "") or "en"
        with translation.override(language):
            context = {"endpoint": endpoint}
            subject = render_to_string("partners/email/webhook_disabled_subject.txt", context).strip()
            text = render_to_string("partners/email/webhook_disabled.txt", context)
        EmailMultiAlternatives(subject=subject, body=text, to=[owner.user.email]).send()
