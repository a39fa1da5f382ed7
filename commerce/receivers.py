"""Signal receivers: each hands over to a service at once."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from plans.signals import plan_membership_asked

from .models import Subscription
from .services import cart_merge
from .services.cart import SESSION_KEY
from .services.renewal_modes import LIVE, subscription_renewable_now


@receiver(user_logged_in, dispatch_uid="commerce_merge_cart_on_login")
def merge_cart_on_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    items = session.pop(SESSION_KEY, None)
    if items:
        cart_merge(user=user, items=items if isinstance(items, list) else [])


@receiver(plan_membership_asked, dispatch_uid="commerce_plan_membership")
def plan_membership(sender, user, slug: str, **kwargs) -> dict:
    # One query: the plan page shows "Renew now" (or that the learner is a member) instead of "Join".
    subscription = Subscription.objects.filter(user=user, plan__slug=slug, status__in=LIVE).first()
    if subscription is None:
        return {}
    return {"member": True, "renewable_now": subscription_renewable_now(subscription=subscription)}
