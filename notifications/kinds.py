"""What each kind of notification says. A builder loads what the message is about and
returns its subject, paragraphs and link; it runs inside ``translation.override`` (the
recipient's language) and ``timezone.override`` (their time zone), so every string and
date comes out as they read them. ``None`` means the thing is gone: nothing to say."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from commerce.models import Order, Refund, Subscription
from core.cldr import format_datetime, format_percent
from core.money import format_money
from courses.models import Enrollment, LiveSession
from culture.display import share
from culture.models import SentimentAlert
from questions.models import Question

from .invitations import live_session_ics
from .models import Kind, Notification


@dataclass
class Message:
    subject: str
    paragraphs: list[str]
    link: str = ""  # a path under the recipient's language, made absolute in e-mails
    action: str = ""  # the label of the link's button
    # (filename, content, mimetype)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)
    # A kind with richer mail names its own templates (the receipt's table of lines).
    templates: tuple[str, str, str] | None = None
    context: dict = field(default_factory=dict)


def _local(moment) -> str:
    """A time in the recipient's zone (active while the message is built), the zone named."""
    shown = format_datetime(moment)
    return f"{shown} ({timezone.get_current_timezone_name()})"


def receipt(notification: Notification) -> Message | None:
    order = Order.objects.select_related("user").filter(pk=notification.params.get("order_id")).first()
    if order is None:
        return None
    lines = list(order.lines.select_related("course", "live_session", "plan").order_by("id"))
    total = format_money(order.total, order.currency)
    return Message(
        subject=_("Your Zhiqiao receipt for order %(number)s") % {"number": str(order.number)[:8]},
        paragraphs=[
            _("Thank you for your purchase. This is your receipt."),
            _("Total paid: %(total)s") % {"total": total},
        ],
        link=reverse("commerce:order_detail", args=[order.number]),
        action=_("See your order"),
        templates=(
            "commerce/email/receipt_subject.txt",
            "commerce/email/receipt.txt",
            "commerce/email/receipt.html",
        ),
        context={"order": order, "lines": lines, "user": order.user},
    )


def refund(notification: Notification) -> Message | None:
    item = Refund.objects.select_related("order").filter(pk=notification.params.get("refund_id")).first()
    if item is None:
        return None
    amount = format_money(item.amount, item.currency)
    return Message(
        subject=_("Your refund of %(amount)s") % {"amount": amount},
        paragraphs=[
            _("We have refunded %(amount)s for your order %(number)s.")
            % {"amount": amount, "number": str(item.order.number)[:8]},
            _("Depending on your bank, the money reaches your account within a few days."),
        ],
        link=reverse("commerce:order_detail", args=[item.order.number]),
        action=_("See your order"),
    )


def live_reminder(notification: Notification) -> Message | None:
    session = (
        LiveSession.objects.select_related("course").filter(pk=notification.params.get("session_id")).first()
    )
    if session is None:
        return None
    course = session.course
    soon = notification.params.get("window") == "1h"
    starts = _local(session.starts_at)
    zone = timezone.get_current_timezone_name()
    subject = (_("Starting in 1 hour: %(course)s") if soon else _("Tomorrow: your live class %(course)s")) % {
        "course": course.title
    }
    return Message(
        subject=subject,
        paragraphs=[
            _("Your live class %(course)s starts on %(starts)s (%(zone)s).")
            % {"course": course.title, "starts": starts, "zone": zone},
            _("The invitation is attached: add it to your calendar."),
        ],
        link=reverse("courses:course_resume", kwargs={"slug": course.slug}),
        action=_("Open the class"),
        attachments=[("live-class.ics", live_session_ics(session=session), "text/calendar")],
    )


def certificate(notification: Notification) -> Message | None:
    enrollment = (
        Enrollment.objects.select_related("course")
        .filter(pk=notification.params.get("enrollment_id"))
        .first()
    )
    if enrollment is None or enrollment.completed_at is None:
        return None
    return Message(
        subject=_("Your certificate for %(course)s is ready") % {"course": enrollment.course.title},
        paragraphs=[
            _("Congratulations: you completed every lesson of %(course)s.")
            % {"course": enrollment.course.title},
        ],
        link=reverse("courses:certificate", kwargs={"slug": enrollment.course.slug}),
        action=_("View your certificate"),
    )


def campaign_reviewed(notification: Notification) -> Message | None:
    campaign = Campaign.objects.filter(pk=notification.params.get("campaign_id")).first()
    if campaign is None:
        return None
    if notification.params.get("approved"):
        subject = _("Your co-branded campaign %(name)s is approved") % {"name": campaign.name}
        paragraphs = [_("It goes live on its start date. You can follow its figures in the partner portal.")]
    else:
        subject = _("Your co-branded campaign %(name)s needs changes") % {"name": campaign.name}
        paragraphs = [
            _("Our staff did not approve it yet. Their reason: %(reason)s")
            % {"reason": notification.params.get("reason") or campaign.rejection_reason},
            _("Reopen it in the partner portal, make the changes and submit it again."),
        ]
    return Message(
        subject=subject,
        paragraphs=paragraphs,
        link=reverse("portal:campaign_detail", kwargs={"pk": campaign.pk}),
        action=_("Open the campaign"),
    )


def budget_alert(notification: Notification) -> Message | None:
    campaign = Campaign.objects.filter(pk=notification.params.get("campaign_id")).first()
    if campaign is None or not campaign.budget_amount:
        return None
    threshold = int(notification.params.get("threshold", 0))
    return Message(
        subject=_("%(name)s has used %(percent)s of its budget")
        % {"name": campaign.name, "percent": format_percent(Decimal(threshold) / 100)},
        paragraphs=[
            _("Spend so far: %(spent)s of %(budget)s.")
            % {
                "spent": format_money(notification.params.get("spent", "0"), campaign.budget_currency),
                "budget": format_money(campaign.budget_amount, campaign.budget_currency),
            },
            _("At 100% the campaign stops by itself."),
        ],
        link=reverse("portal:campaign_detail", kwargs={"pk": campaign.pk}),
        action=_("Open the campaign"),
    )


def question_asked(notification: Notification) -> Message | None:
    question = (
        Question.objects.select_related("lesson", "course", "author")
        .filter(pk=notification.params.get("question_id"), is_hidden=False)
        .first()
    )
    if question is None:
        return None
    return Message(
        subject=_("New question on %(lesson)s") % {"lesson": question.lesson.title},
        paragraphs=[
            _("%(name)s asked: %(title)s")
            % {"name": question.author.first_name or question.author.username, "title": question.title},
        ],
        link=reverse("courses:lesson", kwargs={"slug": question.course.slug, "lesson_id": question.lesson_id})
        + f"#question-{question.pk}",
        action=_("Answer the question"),
    )


def sentiment_alert(notification: Notification) -> Message | None:
    alert = (
        SentimentAlert.objects.select_related("course").filter(pk=notification.params.get("alert_id")).first()
    )
    if alert is None:
        return None
    return Message(
        subject=_("Negative reviews are rising for %(course)s") % {"course": alert.course.title},
        paragraphs=[
            _("%(negative)d of %(count)d recent reviews read negative (%(share)s); before: %(baseline)s.")
            % {
                "negative": alert.recent_negative,
                "count": alert.recent_reviews,
                "share": share(alert.recent_share),
                "baseline": share(alert.baseline_share),
            },
        ],
        link=reverse("admin:culture_sentimentalert_change", args=[alert.pk]),
        action=_("Open the alert"),
    )


def membership(notification: Notification) -> Message | None:
    """A declined renewal (with the next try and the end of the grace period) or the end
    of a membership."""
    subscription = (
        Subscription.objects.select_related("plan")
        .filter(pk=notification.params.get("subscription_id"))
        .first()
    )
    if subscription is None:
        return None
    plan = subscription.plan.title
    link = reverse("commerce:membership")
    if notification.params.get("event") == "renewal_due":
        # A membership paid with WeChat Pay or Alipay (nothing to charge without the
        # learner): the learner renews it by paying, from the link.
        ends = parse_datetime(notification.params.get("period_end") or "") or subscription.current_period_end
        grace_end = ends + timedelta(days=int(getattr(settings, "SUBSCRIPTION_GRACE_DAYS", 7)))
        return Message(
            subject=_("Renew your membership %(plan)s") % {"plan": plan},
            paragraphs=[
                _("Your membership %(plan)s ends on %(when)s and does not renew by itself.")
                % {"plan": plan, "when": _local(ends)},
                _("Renew it for %(amount)s to keep your courses; otherwise they stay open until %(grace)s.")
                % {
                    "amount": format_money(subscription.amount, subscription.currency),
                    "grace": _local(grace_end),
                },
            ],
            link=reverse("commerce:product_checkout") + f"?plan={subscription.plan.slug}",
            action=_("Renew now"),
        )
    if notification.params.get("event") == "payment_failed":
        paragraphs = [
            _("We could not renew your membership %(plan)s: the payment of %(amount)s was declined.")
            % {"plan": plan, "amount": format_money(subscription.amount, subscription.currency)},
        ]
        if subscription.next_retry_at:
            paragraphs.append(
                _("We will try again on %(when)s.") % {"when": _local(subscription.next_retry_at)}
            )
        if subscription.grace_until:
            paragraphs.append(
                _("Your courses stay open until %(when)s; after that the membership ends.")
                % {"when": _local(subscription.grace_until)}
            )
        return Message(
            subject=_("Payment for your membership %(plan)s failed") % {"plan": plan},
            paragraphs=paragraphs,
            link=link,
            action=_("See my membership"),
        )
    return Message(
        subject=_("Your membership %(plan)s has ended") % {"plan": plan},
        paragraphs=[
            _("The courses of this membership are no longer open to you. You can join again at any time.")
        ],
        link=reverse("plans:detail", args=[subscription.plan.slug]),
        action=_("See the membership"),
    )


BUILDERS: dict[str, Callable[[Notification], Message | None]] = {
    Kind.MEMBERSHIP: membership,
    Kind.RECEIPT: receipt,
    Kind.REFUND: refund,
    Kind.LIVE_REMINDER: live_reminder,
    Kind.CERTIFICATE: certificate,
    Kind.CAMPAIGN_REVIEWED: campaign_reviewed,
    Kind.BUDGET_ALERT: budget_alert,
    Kind.QUESTION_ASKED: question_asked,
    Kind.SENTIMENT_ALERT: sentiment_alert,
}


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path
