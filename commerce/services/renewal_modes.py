"""How a membership renews (``Subscription.renewal``): automatically, charged without the
learner to a saved payment method, or manually, by the learner paying again after a
reminder. Decided here from the provider's capability and what the payment saved; the
renewals themselves are in ``subscriptions.py``."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..exceptions import PaymentProviderError
from ..models import Subscription, SubscriptionPeriod
from ..payments import get_provider
from ..payments.registry import provider_charges_off_session, provider_saves_methods

logger = logging.getLogger(__name__)

LIVE = (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE)
AUTOMATIC, MANUAL = Subscription.Renewal.AUTOMATIC, Subscription.Renewal.MANUAL


def reminder_days() -> timedelta:
    return timedelta(days=int(getattr(settings, "SUBSCRIPTION_RENEWAL_REMINDER_DAYS", 3)))


def renewal_mode(*, provider: str, payment_method: str, customer: str) -> str:
    """Automatic when the provider can charge the next period without the learner: a
    provider that keeps methods on a customer needs that customer (a method paid on its
    hosted page is read back from the payment before the first renewal, see
    ``subscription_method_read_back``); any other needs the method itself."""
    if not provider_charges_off_session(provider):
        return MANUAL
    if provider_saves_methods(provider):
        return AUTOMATIC if customer else MANUAL
    return AUTOMATIC if payment_method else MANUAL


def subscription_renewable_now(*, subscription: Subscription, now: datetime | None = None) -> bool:
    """Whether the learner can pay the next period of this manual-renewal membership now:
    from the reminder until the grace period runs out (``Renew now``)."""
    now = now or timezone.now()
    return (
        subscription.renewal == MANUAL
        and subscription.status in LIVE
        and not subscription.cancel_at_period_end
        and now >= subscription.current_period_end - reminder_days()
    )


def subscription_method_read_back(*, subscription_id: int) -> str:
    """Called outside any transaction (the provider is asked). An automatic renewal with
    no method yet was paid on the provider's page (Stripe Checkout): the method that page
    saved to the learner's customer is read back from the last paid period's payment and
    kept for the off-session charges. A subscription whose method cannot be charged
    without the learner (none saved, a provider that cannot, a Stripe method without its
    Customer) turns to manual renewal instead. Returns the method ("" when manual)."""
    row = Subscription.objects.filter(pk=subscription_id, renewal=AUTOMATIC).values(
        "provider", "payment_method", "provider_customer"
    )
    row = row.first()
    if row is None:
        return ""
    mode = renewal_mode(
        provider=row["provider"], payment_method=row["payment_method"], customer=row["provider_customer"]
    )
    if mode == AUTOMATIC and row["payment_method"]:
        return row["payment_method"]
    method = ""
    if mode == AUTOMATIC:
        reference = (
            SubscriptionPeriod.objects.filter(
                subscription_id=subscription_id, status=SubscriptionPeriod.Status.PAID
            )
            .order_by("-number")
            .values_list("order__payment_reference", flat=True)
            .first()
        ) or ""
        provider = get_provider(row["provider"], require_enabled=False)
        try:
            method = provider.saved_method(reference=reference)
        except PaymentProviderError:
            # Refused (no such payment): nothing to charge; the learner is asked instead.
            logger.warning("no saved method for subscription %s at %s", subscription_id, reference)
    # Conditional updates: concurrent runs agree, and a learner's renewal in between wins.
    unchanged = Subscription.objects.filter(pk=subscription_id, renewal=AUTOMATIC, payment_method="")
    if method:
        unchanged.update(payment_method=method, updated_at=timezone.now())
    else:
        Subscription.objects.filter(
            pk=subscription_id,
            renewal=AUTOMATIC,
            payment_method=row["payment_method"],
            provider_customer=row["provider_customer"],
        ).update(renewal=MANUAL, updated_at=timezone.now())
    return method
