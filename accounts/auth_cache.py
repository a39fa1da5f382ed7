"""Signed-in requests without a database query for the user.

A signed-in page or API call used to cost a query for the user (session) or for the token
and its user (``Authorization: Token``) before the view ran. Both now come from the shared
cache (``core.caching``'s soft alias: a Redis outage reads as a miss and falls back to the
database). Entries are deleted when what they hold changes: any save or delete of the user
(deactivation, password, name) and the deletion of a token; they also expire after
``AUTH_CACHE_SECONDS`` (60 by default), which bounds what a bulk ``UPDATE`` that sends no
signal can leave behind."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.caching import cache
from core.timezones import zone_get, zone_is_valid

from .api.authentication import ProfileZoneTokenAuthentication


def _seconds() -> int:
    return int(getattr(settings, "AUTH_CACHE_SECONDS", 60))


def user_key(user_id) -> str:
    return f"zq:auth:user:{user_id}"


def token_key(key: str) -> str:
    # The token itself never becomes a cache key.
    return "zq:auth:token:" + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def cached_user(user_id, load):
    """The user ``load()`` returns, from the cache when it holds it (``None`` is not cached)."""
    key = user_key(user_id)
    user = cache.get(key)
    if user is None:
        user = load()
        if user is not None:
            cache.set(key, user, _seconds())
    return user


class CachedTokenAuthentication(ProfileZoneTokenAuthentication):
    """Token authentication (with the learner's time zone, see ``ProfileZoneTokenAuthentication``)
    whose user, profile included, is read from the cache. ``request.auth`` is a ``Token`` with
    its key and user (deleting it, as sign-out does, works as before)."""

    def authenticate_credentials(self, key: str):
        cache_key = token_key(key)
        user = cache.get(cache_key)
        if user is None:
            user, token = super().authenticate_credentials(key)
            # The user's entry names the token's, so a save of the user drops both without
            # a query (DRF gives a user one token).
            cache.set_many({cache_key: user, _token_of(user.pk): cache_key}, _seconds())
            return user, token
        if not user.is_active:
            # DRF's own check and its translated message (a save would have dropped the entry).
            cache.delete(cache_key)
            return super().authenticate_credentials(key)
        profile = getattr(user, "profile", None)
        if profile is not None and zone_is_valid(profile.time_zone):
            timezone.activate(zone_get(profile.time_zone))
        return user, Token(key=key, user=user)


def _token_of(user_id) -> str:
    return f"zq:auth:user-token:{user_id}"


def forget_user(user_id) -> None:
    """Drop the cached user and their cached token, now and at commit (no query)."""

    def drop() -> None:
        index = _token_of(user_id)
        cached_token = cache.get(index)
        cache.delete_many([user_key(user_id), index, *([cached_token] if cached_token else [])])

    drop()
    transaction.on_commit(drop)


def _on_user(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw") and instance.pk is not None:
        forget_user(instance.pk)


def _on_token_delete(sender, instance: Token, **kwargs) -> None:
    key = token_key(instance.key)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def _on_profile(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):
        forget_user(instance.user_id)


def connect() -> None:
    from .models import LearnerProfile

    # The cached token user carries the profile (its time zone).
    post_save.connect(_on_profile, sender=LearnerProfile, dispatch_uid="auth-cache-profile-save")
    post_delete.connect(_on_profile, sender=LearnerProfile, dispatch_uid="auth-cache-profile-delete")
    user = get_user_model()
    post_save.connect(_on_user, sender=user, dispatch_uid="auth-cache-user-save")
    pre_delete.connect(_on_user, sender=user, dispatch_uid="auth-cache-user-delete")
    post_delete.connect(_on_token_delete, sender=Token, dispatch_uid="auth-cache-token-delete")
