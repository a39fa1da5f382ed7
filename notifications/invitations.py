"""Calendar invitations (RFC 5545) for live classes, made with the ``icalendar`` library."""

from datetime import UTC, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from courses.models import LiveSession


def live_session_ics(*, session: LiveSession) -> str:
    """One VEVENT in UTC (every calendar shows it in its reader's zone). The UID is fixed
    per session, so a second reminder updates the event instead of adding another."""
    calendar = Calendar()
    calendar.add("prodid", "-//Zhiqiao//live classes//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "zhiqiao"
    event.add("uid", f"live-session-{session.pk}@{host}")
    event.add("summary", session.course.title)
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", (session.starts_at + timedelta(minutes=session.duration_minutes)).astimezone(UTC))
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("url", settings.SITE_URL + reverse("courses:detail", kwargs={"slug": session.course.slug}))
    calendar.add_component(event)
    return calendar.to_ical().decode()
