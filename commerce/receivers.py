"""Signal receivers: each hands over to a service at once."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.caching import user_namespace_bump

from .models import Cart, CartLine
from .services import cart_merge
from .services.cart import SESSION_KEY


@receiver([post_save, post_delete], sender=CartLine, dispatch_uid="commerce_cart_line_header_cache")
def cart_line_changed(sender, instance: CartLine, **kwargs):
    """The header's cart count and the "In cart" buttons are on the learner's cached pages."""
    if kwargs.get("raw"):
        return
    user_id = Cart.objects.filter(pk=instance.cart_id).values_list("user_id", flat=True).first()
    if user_id is not None:
        user_namespace_bump(user_id)


@receiver(user_logged_in, dispatch_uid="commerce_merge_cart_on_login")
def merge_cart_on_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    items = session.pop(SESSION_KEY, None)
    if items:
        cart_merge(user=user, items=items if isinstance(items, list) else [])
