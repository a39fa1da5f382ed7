"""Signal receivers: each hands over to a service at once."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import cart_merge
from .services.cart import SESSION_KEY


@receiver(user_logged_in, dispatch_uid="commerce_merge_cart_on_login")
def merge_cart_on_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    items = session.pop(SESSION_KEY, None)
    if items:
        cart_merge(user=user, items=items if isinstance(items, list) else [])
