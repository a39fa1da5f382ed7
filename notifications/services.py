"""Sending notifications: once per event and person, in their language, to the inbox and
(unless they turned that kind off) by e-mail, through the transactional outbox.

``notification_enqueue`` and ``notifications_enqueue_for`` insert the inbox rows and one
outbox message per row in the caller's transaction; the row's unique (user, key) makes a
rerun insert nothing, so nothing is ever sent twice. ``notification_deliver`` (the outbox
handler, on a Celery worker) renders and mails a row and marks it delivered; if the mail
server fails, its transaction rolls back and the outbox retries it later."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, JSONField, QuerySet, Value
from django.db.models.functions import JSONObject
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import LearnerProfile
from accounts.services import user_unread_notifications_add
from core.exceptions import ApplicationError
from core.outbox import outbox_handler, outbox_put

from .kinds import BUILDERS, Message, absolute
from .models import TRANSACTIONAL, Kind, Notification, NotificationPreference

DELIVER_TOPIC = "notifications.deliver"
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


class NotificationNotFound(ApplicationError):
    code = "notification_not_found"
    status_code = 404

    def default_message(self):
        return _("This notification does not exist.")


class KindNotOptional(ApplicationError):
    code = "kind_not_optional"

    def default_message(self):
        return _("Receipts and refunds are always sent by e-mail.")


class UnknownKind(ApplicationError):
    code = "invalid_kind"

    def default_message(self):
        return _("This kind of notification does not exist.")


# --- Enqueueing -------------------------------------------------------------------------


def _outbox(ids: list[int]) -> None:
    for pk in ids:
        outbox_put(topic=DELIVER_TOPIC, payload={"notification_id": pk}, dedupe_key=f"{DELIVER_TOPIC}:{pk}")


@transaction.atomic
def notification_enqueue(*, user_id: int, kind: str, key: str, params: dict) -> Notification | None:
    """One message for one person; returns it when it is new, ``None`` when this event
    already made one (a rerun, a duplicate event)."""
    notification, created = Notification.objects.get_or_create(
        user_id=user_id, key=key, defaults={"kind": kind, "params": params}
    )
    if not created:
        return None
    _outbox([notification.pk])
    return notification


def notifications_enqueue_for(*, recipients: QuerySet, user_field: str, kind: str, key, params) -> list[int]:
    """The same event for every person a queryset names, in one ``INSERT ... SELECT ... ON
    CONFLICT DO NOTHING``: set-based, and a rerun inserts nothing. ``key`` and ``params``
    are values or expressions over the queryset's rows. Returns the new rows' ids."""
    now = timezone.now()
    key_expr = key if hasattr(key, "resolve_expression") else Value(key)
    params_expr = params if hasattr(params, "resolve_expression") else Value(params, output_field=JSONField())
    source = recipients.order_by().annotate(
        _n_user=F(user_field),
        _n_kind=Value(kind),
        _n_key=key_expr,
        _n_params=params_expr,
        _n_subject=Value(""),
        _n_body=Value(""),
        _n_link=Value(""),
        _n_language=Value(""),
        _n_created=Value(now),
        _n_updated=Value(now),
    )
    select, select_params = source.values_list(
        "_n_user",
        "_n_kind",
        "_n_key",
        "_n_params",
        "_n_subject",
        "_n_body",
        "_n_link",
        "_n_language",
        "_n_created",
        "_n_updated",
    ).query.sql_with_params()
    table = Notification._meta.db_table
    sql = (
        f"INSERT INTO {table} (user_id, kind, key, params, subject, body, link, language, "
        "created_at, updated_at) "
        f"{select} ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, select_params)
            ids = [row[0] for row in cursor.fetchall()]
        _outbox(ids)
    return ids


# --- Delivering -------------------------------------------------------------------------


def _profile(user) -> LearnerProfile | None:
    return LearnerProfile.objects.filter(user=user).first()


def recipient_language(user, profile: LearnerProfile | None, fallback: str = "") -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    for language in (getattr(profile, "preferred_language", ""), fallback, settings.LANGUAGE_CODE):
        if language in codes:
            return language
    return settings.LANGUAGE_CODE


def recipient_time_zone(profile: LearnerProfile | None) -> str:
    """The learner's zone from the profile (``time_zone``) when it has one, else UTC."""
    name = str(getattr(profile, "time_zone", "") or "UTC")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def email_wanted(*, user, kind: str) -> bool:
    if not user.email or not user.is_active:
        return False
    if kind in TRANSACTIONAL:
        return True
    return not NotificationPreference.objects.filter(user=user, kind=kind, email=False).exists()


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in Kind.values or not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def _email(notification: Notification, message: Message) -> EmailMultiAlternatives:
    user = notification.user
    optional = notification.kind not in TRANSACTIONAL
    unsubscribe_url = ""
    if optional:
        token = unsubscribe_token(user_id=user.pk, kind=notification.kind)
        unsubscribe_url = absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))
    context = {
        "user": user,
        "message": message,
        "link": absolute(message.link) if message.link else "",
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "kind_label": Kind(notification.kind).label,
        "LANGUAGE_CODE": translation.get_language(),
        **message.context,
    }
    if message.templates:
        subject_t, text_t, html_t = message.templates
        subject = render_to_string(subject_t, context).strip()
    else:
        text_t, html_t = "notifications/email/message.txt", "notifications/email/message.html"
        subject = message.subject
    email = EmailMultiAlternatives(subject=subject, body=render_to_string(text_t, context), to=[user.email])
    email.attach_alternative(render_to_string(html_t, context), "text/html")
    for filename, content, mimetype in message.attachments:
        email.attach(filename, content, mimetype)
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
        email.extra_headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        email.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return email


def notification_deliver(*, notification_id: int) -> bool:
    """Render one message in its recipient's language and time zone, put it in the inbox
    and mail it if they want it; returns whether it was delivered now (a rerun: False)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id, delivered_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        user = notification.user
        profile = _profile(user)
        language = recipient_language(user, profile, notification.params.get("language", ""))
        with translation.override(language), timezone.override(recipient_time_zone(profile)):
            message = BUILDERS[notification.kind](notification)
            now = timezone.now()
            notification.language = language
            notification.delivered_at = now
            if message is not None:
                notification.subject = message.subject[:300]
                notification.body = "\n\n".join(message.paragraphs)
                notification.link = message.link[:500]
                if email_wanted(user=user, kind=notification.kind):
                    _email(notification, message).send()
                    notification.emailed_at = now
            else:
                # What it was about is gone (a deleted session): nothing to show or send.
                notification.read_at = now
        notification.save(
            update_fields=[
                "subject",
                "body",
                "link",
                "language",
                "delivered_at",
                "emailed_at",
                "read_at",
                "updated_at",
            ]
        )
        if message is not None:
            user_unread_notifications_add(user_id=user.pk, delta=1)
    return True


@outbox_handler(DELIVER_TOPIC)
def _deliver(payload: dict) -> None:
    notification_deliver(notification_id=int(payload["notification_id"]))


def notification_send_now(*, user_id: int, kind: str, key: str, params: dict) -> bool:
    """Insert and deliver at once, for a caller that already runs in an outbox handler
    (the receipt): one hop, the same at-most-once row."""
    with transaction.atomic():
        notification, _created = Notification.objects.get_or_create(
            user_id=user_id, key=key, defaults={"kind": kind, "params": params}
        )
        notification_deliver(notification_id=notification.pk)
    return True


# --- The inbox and preferences ------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(
        pk=notification_id, user=user, delivered_at__isnull=False
    ).first()
    if notification is None:
        raise NotificationNotFound()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now(), updated_at=timezone.now()
    )
    if changed:
        user_unread_notifications_add(user_id=user.pk, delta=-changed)
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    changed = Notification.objects.filter(user=user, delivered_at__isnull=False, read_at__isnull=True).update(
        read_at=timezone.now(), updated_at=timezone.now()
    )
    if changed:
        user_unread_notifications_add(user_id=user.pk, delta=-changed)
    return changed


def preference_set(*, user_id: int, kind: str, email: bool) -> NotificationPreference:
    if kind not in Kind.values:
        raise UnknownKind()
    if kind in TRANSACTIONAL:
        raise KindNotOptional()
    preference, _created = NotificationPreference.objects.update_or_create(
        user_id=user_id, kind=kind, defaults={"email": bool(email)}
    )
    return preference


# --- Live-class reminders (beat) ----------------------------------------------------------

REMINDER_WINDOWS = (("24h", 24 * 60), ("1h", 60))


def live_reminders_send(*, now=None) -> int:
    """Queue the reminders that are due: 24 h before a live class (for classes more than
    an hour away) and 1 h before. One set-based insert per window; the unique key
    ``live:<session>:<window>`` per learner means a rerun, or two beats at once, send
    nothing twice. Returns how many messages were queued."""
    from datetime import timedelta

    from django.db.models import CharField
    from django.db.models.functions import Cast, Concat

    from courses.models import Enrollment

    now = now or timezone.now()
    queued = 0
    for index, (window, minutes) in enumerate(REMINDER_WINDOWS):
        # The next (shorter) window's end is this window's start.
        start = (
            now + timedelta(minutes=REMINDER_WINDOWS[index + 1][1])
            if index + 1 < len(REMINDER_WINDOWS)
            else now
        )
        enrollments = Enrollment.objects.filter(
            is_active=True,
            live_session__isnull=False,
            live_session__starts_at__gt=start,
            live_session__starts_at__lte=now + timedelta(minutes=minutes),
        )
        queued += len(
            notifications_enqueue_for(
                recipients=enrollments,
                user_field="user_id",
                kind=Kind.LIVE_REMINDER,
                key=Concat(
                    Value("live:"),
                    Cast("live_session_id", CharField()),
                    Value(f":{window}"),
                    output_field=CharField(),
                ),
                # Typed: with server-side binding PostgreSQL cannot guess a bare parameter's
                # type inside JSONB_BUILD_OBJECT.
                params=JSONObject(session_id=F("live_session_id"), window=Cast(Value(window), CharField())),
            )
        )
    return queued
