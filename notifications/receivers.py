"""Subscriptions to the events of the apps below us. Each receiver runs inside the
transaction of the change and only queues messages (inbox rows and outbox messages), so
a rolled-back change notifies nobody."""

from decimal import Decimal

from django.conf import settings
from django.dispatch import receiver

from accounts.models import User
from campaigns.signals import campaign_reviewed, campaign_spend_recorded
from commerce.signals import receipt_due, refund_succeeded, subscription_notice
from courses.models import Enrollment
from courses.signals import certificate_issued
from culture.signals import sentiment_spike_raised
from partners.models import PartnerMember
from questions.signals import question_asked

from .models import Kind
from .services import notification_enqueue, notification_send_now, notifications_enqueue_for


@receiver(receipt_due, dispatch_uid="notifications_receipt")
def on_receipt_due(sender, order, lines, **kwargs) -> bool:
    # Commerce calls us from its own outbox handler, which already claimed the receipt.
    return notification_send_now(
        user_id=order.user_id,
        kind=Kind.RECEIPT,
        key=f"receipt:{order.pk}",
        params={"order_id": order.pk, "language": order.language},
    )


@receiver(refund_succeeded, dispatch_uid="notifications_refund")
def on_refund(sender, refund, **kwargs) -> None:
    notification_enqueue(
        user_id=refund.order.user_id,
        kind=Kind.REFUND,
        key=f"refund:{refund.pk}",
        params={"refund_id": refund.pk, "language": refund.order.language},
    )


@receiver(subscription_notice, dispatch_uid="notifications_membership")
def on_subscription_notice(sender, subscription, event: str, number: int, **kwargs) -> None:
    # One message per declined attempt, one renewal reminder per period and one when it
    # ends: a rerun inserts nothing. The period's end is kept with the message: it is sent
    # later, when the learner may have renewed already.
    notification_enqueue(
        user_id=subscription.user_id,
        kind=Kind.MEMBERSHIP,
        key=f"membership:{subscription.pk}:{event}:{subscription.current_period_end:%Y%m%d}:{number}",
        params={
            "subscription_id": subscription.pk,
            "event": event,
            "language": subscription.language,
            "period_end": subscription.current_period_end.isoformat(),
        },
    )


@receiver(certificate_issued, dispatch_uid="notifications_certificate")
def on_certificate(sender, enrollment_id: int, **kwargs) -> None:
    # Sent after the issuing commit. Keyed by enrollment: completing, un-completing and
    # completing again sends one.
    user_id = Enrollment.objects.filter(pk=enrollment_id).values_list("user_id", flat=True).first()
    if user_id is None:
        return
    notification_enqueue(
        user_id=user_id,
        kind=Kind.CERTIFICATE,
        key=f"certificate:{enrollment_id}",
        params={"enrollment_id": enrollment_id},
    )


@receiver(campaign_reviewed, dispatch_uid="notifications_campaign_reviewed")
def on_campaign_reviewed(sender, campaign, approved, **kwargs) -> None:
    # Every review is its own event: rejected, fixed, resubmitted and approved is two messages.
    stamp = campaign.reviewed_at.strftime("%Y%m%d%H%M%S%f") if campaign.reviewed_at else ""
    notifications_enqueue_for(
        recipients=PartnerMember.objects.filter(partner_id=campaign.partner_id),
        user_field="user_id",
        kind=Kind.CAMPAIGN_REVIEWED,
        key=f"campaign:{campaign.pk}:{'approved' if approved else 'rejected'}:{stamp}",
        params={"campaign_id": campaign.pk, "approved": bool(approved), "reason": campaign.rejection_reason},
    )


@receiver(campaign_spend_recorded, dispatch_uid="notifications_budget")
def on_spend(sender, campaign, spent, **kwargs) -> None:
    """One alert per threshold crossed (50 %, 80 %, 100 % by default), to the partner's
    owners, whatever the number of spend entries that cross it."""
    if not campaign.budget_amount:
        return
    owners = PartnerMember.objects.filter(partner_id=campaign.partner_id, role=PartnerMember.Role.OWNER)
    for threshold in settings.NOTIFICATIONS_BUDGET_THRESHOLDS:
        if Decimal(spent) * 100 >= campaign.budget_amount * threshold:
            notifications_enqueue_for(
                recipients=owners,
                user_field="user_id",
                kind=Kind.BUDGET_ALERT,
                key=f"budget:{campaign.pk}:{threshold}",
                params={"campaign_id": campaign.pk, "threshold": threshold, "spent": str(spent)},
            )


@receiver(question_asked, dispatch_uid="notifications_question")
def on_question(sender, question, **kwargs) -> None:
    instructor_user_id = question.course.instructor.user_id
    if instructor_user_id is None or instructor_user_id == question.author_id:
        return
    notification_enqueue(
        user_id=instructor_user_id,
        kind=Kind.QUESTION_ASKED,
        key=f"question:{question.pk}",
        params={"question_id": question.pk},
    )


@receiver(sentiment_spike_raised, dispatch_uid="notifications_sentiment_spike")
def on_sentiment_spike(sender, alert, **kwargs) -> None:
    """Every active staff member hears of a course's negative-review spike, once per alert."""
    notifications_enqueue_for(
        recipients=User.objects.filter(is_staff=True, is_active=True),
        user_field="pk",
        kind=Kind.SENTIMENT_ALERT,
        key=f"sentiment:{alert.pk}",
        params={"alert_id": alert.pk},
    )
