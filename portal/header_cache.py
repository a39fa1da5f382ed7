"""Invalidation of what a signed-in visitor's cached pages show of the account (core.caching
``user_namespace``): the name in the header and the partner-portal link of ``base.html``.
Saving or deleting the user, or one of their partner memberships, bumps it; the portal owns
the header's portal link, and as the top floor it may listen to both apps."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from accounts.models import LearnerProfile
from core.caching import namespace_bump, user_namespace
from partners.models import PartnerMember


def _bump(user_id: int | None) -> None:
    if user_id is None:
        return
    namespace = user_namespace(user_id)
    namespace_bump(namespace)
    # Again at commit, so no request caches the old rows between the edit and its commit.
    transaction.on_commit(lambda: namespace_bump(namespace))


def _on_user(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):
        _bump(instance.pk)


def _on_member(sender, instance: PartnerMember | LearnerProfile, **kwargs) -> None:
    if not kwargs.get("raw"):
        _bump(instance.user_id)


def connect() -> None:
    user = get_user_model()
    post_save.connect(_on_user, sender=user, dispatch_uid="header-cache-user-save")
    post_delete.connect(_on_user, sender=user, dispatch_uid="header-cache-user-delete")
    post_save.connect(_on_member, sender=PartnerMember, dispatch_uid="header-cache-member-save")
    post_delete.connect(_on_member, sender=PartnerMember, dispatch_uid="header-cache-member-delete")
    # The profile's time zone decides how times show on the learner's pages.
    post_save.connect(_on_member, sender=LearnerProfile, dispatch_uid="header-cache-profile-save")
    post_delete.connect(_on_member, sender=LearnerProfile, dispatch_uid="header-cache-profile-delete")
