"""Reads of the inbox: one query for a page of messages, whatever its length."""

from django.db.models import QuerySet

from .models import TRANSACTIONAL, Kind, Notification, NotificationPreference


def inbox_for_user(*, user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(user=user, delivered_at__isnull=False)
        .only("id", "kind", "subject", "body", "link", "created_at", "delivered_at", "read_at")
        .order_by("-created_at", "-id")
    )


def preferences_for_user(*, user) -> list[dict]:
    """Every optional kind with whether it goes by e-mail (no row: yes)."""
    off = set(NotificationPreference.objects.filter(user=user, email=False).values_list("kind", flat=True))
    return [
        {"kind": kind.value, "label": kind.label, "email": kind.value not in off}
        for kind in Kind
        if kind not in TRANSACTIONAL
    ]
