"""Every kind of notification: the message, its language, the inbox row, and no second
send when the event or the job runs again. Messages leave through the core outbox; the
tests drain it the way the beat task does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from accounts.models import LearnerProfile, User
from campaigns.services.lifecycle import campaign_approve, campaign_reject, spend_entry_add
from commerce.services import order_checkout, order_refund
from commerce.services.receipts import order_send_receipt
from core.outbox import outbox_drain
from courses.models import Enrollment
from courses.services import lesson_progress_set
from notifications import services
from notifications.models import Kind, Notification, NotificationPreference
from partners.models import PartnerMember
from questions.services import question_ask
from tests.campaigns.factories import CampaignFactory, PartnerFactory, PartnerMemberFactory
from tests.factories import (
    CourseFactory,
    InstructorFactory,
    LearnerProfileFactory,
    LessonFactory,
    LiveSessionFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PAY = {"provider": "sandbox", "token": "tok_success"}


def learner(username: str, language: str = "en") -> User:
    user = UserFactory(username=username)
    LearnerProfileFactory(user=user, preferred_language=language)
    return user


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, delivered_at__isnull=False).order_by("id"))


def deliver() -> int:
    """Drain the outbox; how many notification messages went out (other apps' messages,
    such as partner webhooks for the same events, are drained but not counted)."""
    from core.models import OutboxMessage

    sent = OutboxMessage.objects.filter(topic=services.DELIVER_TOPIC, status="sent")
    before = set(sent.values_list("pk", flat=True))
    outbox_drain()
    return sent.exclude(pk__in=before).count()


def text_and_html(message) -> tuple[str, str]:
    html = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(html) == 1
    return message.body, html[0]


def test_the_receipt_goes_once_in_the_profile_language_with_an_inbox_row():
    buyer = learner("kenji", "ja")
    course = CourseFactory()

    order = order_checkout(user=buyer, items=[{"course": course.slug}], currency="JPY", payment=PAY).order
    assert outbox_drain() == 1
    assert outbox_drain() == 0
    assert order_send_receipt(order_id=order.pk) is False  # a rerun of the handler

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kenji@example.com"]
    text, html = text_and_html(message)
    assert "領収書" in text and "領収書" in html
    assert "List-Unsubscribe" not in message.extra_headers  # transactional
    [row] = inbox(buyer)
    assert (row.kind, row.language, row.key) == ("receipt", "ja", f"receipt:{order.pk}")
    assert "領収書" in row.body
    assert row.emailed_at is not None
    buyer.refresh_from_db()
    assert buyer.unread_notifications == 1


def test_the_receipt_names_the_learners_time_zone():
    buyer = learner("mei", "zh-hans")
    LearnerProfile.objects.filter(user=buyer).update(time_zone="Asia/Shanghai")

    order_checkout(user=buyer, items=[{"course": CourseFactory().slug}], currency="CNY", payment=PAY)
    outbox_drain()

    text, html = text_and_html(mail.outbox[0])
    assert "(Asia/Shanghai)" in text and "(Asia/Shanghai)" in html


def test_receipts_cannot_be_turned_off():
    buyer = learner("ana", "es")
    with pytest.raises(services.KindNotOptional):
        services.preference_set(user_id=buyer.pk, kind=Kind.RECEIPT, email=False)
    assert not NotificationPreference.objects.exists()


def test_a_refund_is_notified_once_in_spanish():
    buyer = learner("lucia", "es")
    staff = UserFactory(username="staff", is_staff=True)
    order = order_checkout(
        user=buyer, items=[{"course": CourseFactory().slug}], currency="EUR", payment=PAY
    ).order
    outbox_drain()
    mail.outbox.clear()

    refund = order_refund(order=order, amount="5.00", reason="asked", staff_user=staff)
    assert outbox_drain() == 1
    # the event again (a duplicate signal, a reconciler rerun): nothing new
    from notifications.receivers import on_refund

    on_refund(sender=None, refund=refund)
    assert outbox_drain() == 0

    assert len(mail.outbox) == 1
    assert "reembolso" in mail.outbox[0].subject.lower()
    refund_rows = [row for row in inbox(buyer) if row.kind == "refund"]
    assert len(refund_rows) == 1
    assert "reembolsado" in refund_rows[0].body


def _live_enrollment(user, session):
    return Enrollment.objects.create(user=user, course=session.course, live_session=session)


def test_live_reminders_24h_and_1h_before_once_each_with_a_valid_ics():
    now = timezone.now()
    session = LiveSessionFactory(starts_at=now + timedelta(hours=23))
    zh = learner("mei", "zh-hans")
    _live_enrollment(zh, session)
    far = LiveSessionFactory(starts_at=now + timedelta(days=3))
    _live_enrollment(learner("later"), far)

    assert services.live_reminders_send(now=now) == 1
    assert services.live_reminders_send(now=now) == 0  # the beat again
    assert outbox_drain() == 1
    assert outbox_drain() == 0

    [message] = mail.outbox
    assert message.to == ["mei@example.com"]
    assert "直播课" in message.subject
    text, html = text_and_html(message)
    assert session.course.title_zh_hans in text and session.course.title_zh_hans in html
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("live-class.ics", "text/calendar")
    calendar = Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == session.starts_at.replace(microsecond=0)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=session.duration_minutes)
    assert str(event["uid"]).startswith(f"live-session-{session.pk}@")

    # 40 minutes before: the 1 h reminder, once; the 24 h one is not sent again
    later = session.starts_at - timedelta(minutes=40)
    assert services.live_reminders_send(now=later) == 1
    assert services.live_reminders_send(now=later) == 0
    outbox_drain()
    assert len(mail.outbox) == 2
    assert sorted(row.key.rsplit(":", 1)[1] for row in inbox(zh)) == ["1h", "24h"]


def test_reminder_times_are_in_the_learner_time_zone_when_the_profile_has_one(monkeypatch):
    from zoneinfo import ZoneInfo

    from accounts.models import LearnerProfile

    starts = timezone.now().replace(microsecond=0) + timedelta(hours=10)
    session = LiveSessionFactory(starts_at=starts)
    user = learner("tokyo", "en")
    _live_enrollment(user, session)
    if any(field.name == "time_zone" for field in LearnerProfile._meta.get_fields()):
        LearnerProfile.objects.filter(user=user).update(time_zone="Asia/Tokyo")
    else:
        # Before the time-zone branch is merged the profile has no field: give it the attribute.
        monkeypatch.setattr(LearnerProfile, "time_zone", "Asia/Tokyo", raising=False)

    services.live_reminders_send()
    outbox_drain()

    [row] = inbox(user)
    local = timezone.localtime(starts, timezone=ZoneInfo("Asia/Tokyo"))
    assert "Asia/Tokyo" in row.body
    assert local.strftime("%-I:%M") in row.body or local.strftime("%H:%M") in row.body


def test_turning_reminders_off_keeps_the_inbox_row_and_sends_no_mail():
    session = LiveSessionFactory(starts_at=timezone.now() + timedelta(minutes=30))
    user = learner("quiet")
    _live_enrollment(user, session)
    services.preference_set(user_id=user.pk, kind=Kind.LIVE_REMINDER, email=False)

    services.live_reminders_send()
    outbox_drain()

    assert mail.outbox == []
    [row] = inbox(user)
    assert row.emailed_at is None and row.subject


def test_the_certificate_is_announced_once_even_if_completed_twice(django_capture_on_commit_callbacks):
    course = CourseFactory()
    lesson = LessonFactory(section=SectionFactory(course=course))
    user = learner("finisher", "ja")
    Enrollment.objects.create(user=user, course=course)

    with django_capture_on_commit_callbacks(execute=True):
        lesson_progress_set(user=user, lesson=lesson, completed=True)
        lesson_progress_set(user=user, lesson=lesson, completed=False)
        lesson_progress_set(user=user, lesson=lesson, completed=True)
    assert outbox_drain() == 1

    [message] = mail.outbox
    assert "修了証" in message.subject
    [row] = inbox(user)
    assert row.kind == "certificate"
    assert row.link == f"/ja/learn/{course.slug}/certificate/"


def _partner_with_members():
    partner = PartnerFactory()
    owner = learner("owner-1", "es")
    analyst = learner("analyst-1", "ja")
    PartnerMemberFactory(partner=partner, user=owner, role=PartnerMember.Role.OWNER)
    PartnerMemberFactory(partner=partner, user=analyst, role=PartnerMember.Role.ANALYST)
    return partner, owner, analyst


def test_campaign_approval_reaches_every_member_in_their_language():
    partner, owner, _analyst = _partner_with_members()
    campaign = CampaignFactory(
        partner=partner, status="submitted", starts_at=timezone.now() + timedelta(days=2)
    )

    campaign_approve(campaign=campaign)
    assert deliver() == 2
    assert deliver() == 0

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert "aprobada" in subjects["owner-1@example.com"]
    assert "承認" in subjects["analyst-1@example.com"]
    assert [row.kind for row in inbox(owner)] == ["campaign_reviewed"]


def test_campaign_rejection_carries_the_reason():
    partner, owner, _analyst = _partner_with_members()
    campaign = CampaignFactory(partner=partner, status="submitted")

    campaign_reject(campaign=campaign, reason="The headline promises a refund we do not offer.")
    deliver()

    [row] = inbox(owner)
    assert "The headline promises a refund we do not offer." in row.body
    assert len(mail.outbox) == 2


def test_budget_alerts_go_to_owners_once_per_threshold():
    partner, owner, analyst = _partner_with_members()
    campaign = CampaignFactory(partner=partner, budget_amount=Decimal("100.00"), budget_currency="USD")
    today = timezone.now().date()

    spend_entry_add(campaign=campaign, amount=Decimal("30"), on=today)
    assert deliver() == 0
    spend_entry_add(campaign=campaign, amount=Decimal("55"), on=today)  # 85 %: 50 and 80 crossed
    spend_entry_add(campaign=campaign, amount=Decimal("5"), on=today)  # 90 %: nothing new
    assert deliver() == 2
    spend_entry_add(campaign=campaign, amount=Decimal("10"), on=today)  # 100 %
    assert deliver() == 1

    keys = sorted(row.key for row in inbox(owner))
    assert keys == [f"budget:{campaign.pk}:100", f"budget:{campaign.pk}:50", f"budget:{campaign.pk}:80"]
    assert inbox(analyst) == []
    assert all(message.to == ["owner-1@example.com"] for message in mail.outbox)
    # CLDR's percent: "50%" in English, "50\xa0%" (a no-break space) in Spanish.
    assert "50%" in mail.outbox[0].subject or "50\xa0%" in mail.outbox[0].subject


def test_the_instructor_hears_of_a_new_question():
    teacher = learner("teacher", "zh-hans")
    course = CourseFactory(instructor=InstructorFactory(user=teacher))
    lesson = LessonFactory(section=SectionFactory(course=course))
    asker = learner("asker")
    Enrollment.objects.create(user=asker, course=course)

    question = question_ask(user=asker, lesson=lesson, title="Why does the loop stop early?")
    assert outbox_drain() == 1

    [row] = inbox(teacher)
    assert row.kind == "question_asked"
    assert "Why does the loop stop early?" in row.body
    assert row.link.endswith(f"#question-{question.pk}")
    assert mail.outbox[0].to == ["teacher@example.com"]


def test_the_unsubscribe_link_turns_that_kind_off_with_one_post(client):
    user = learner("leaver")
    token = services.unsubscribe_token(user_id=user.pk, kind=Kind.BUDGET_ALERT)

    page = client.get(f"/en/notifications/unsubscribe/{token}/")
    assert page.status_code == 200
    assert not NotificationPreference.objects.exists()  # a link scanner's GET changes nothing

    response = client.post(f"/en/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=user, kind="budget_alert").email is False

    bad = client.post("/en/notifications/unsubscribe/forged-token/")
    assert bad.status_code == 400
    assert NotificationPreference.objects.count() == 1
