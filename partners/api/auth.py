"""``Authorization: Api-Key <key>`` for the partner API."""

import hashlib

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.settings import api_settings

from core import ratelimit
from core.api.throttling import AtomicRateThrottle
from core.client_address import client_ip, rate_ident
from partners.models import ApiKey, Partner

KEYWORD = "Api-Key"
# last_used_at is written at most once a minute per key, so reads do not become writes.
LAST_USED_RESOLUTION_SECONDS = 60
# Wrong or revoked keys per client address, rate in DEFAULT_THROTTLE_RATES.
KEY_MISUSE_SCOPE = "partner_key_misuse"


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates a partner system. ``request.user`` stays anonymous;
    ``request.auth`` is the ApiKey and ``request.partner`` its partner."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, raw_key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        raw_key = raw_key.strip()
        # Wrong keys are counted per address; past the limit no key is looked up at all.
        # Valid keys are not charged (a partner's parallel batch must not trip this), so a
        # burst of simultaneous wrong keys is looked up before the first failures land;
        # the answers stay exact (the first ``limit`` failures get 401, the rest 429) and
        # keys are 256-bit random strings, so those few extra look-ups guess nothing.
        misuse_ident = "ip:" + rate_ident(client_ip(request._request))
        misuse_rate = ratelimit.Rate.parse(api_settings.DEFAULT_THROTTLE_RATES[KEY_MISUSE_SCOPE])
        if ratelimit.count(KEY_MISUSE_SCOPE, misuse_ident) >= misuse_rate.limit:
            raise exceptions.Throttled(wait=misuse_rate.seconds)
        api_key = None
        if raw_key:
            api_key = (
                ApiKey.objects.select_related("partner")
                .filter(key_hash=api_key_hash(raw_key), revoked_at__isnull=True)
                .first()
            )
        if api_key is None or api_key.partner.status != Partner.Status.ACTIVE:
            failure = ratelimit.hit(KEY_MISUSE_SCOPE, misuse_ident, misuse_rate)
            if not failure.allowed:
                raise exceptions.Throttled(wait=failure.retry_after)
            if not raw_key:
                raise exceptions.AuthenticationFailed(_("Missing API key."), code="invalid_api_key")
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."), code="invalid_api_key")
        now = timezone.now()
        if (
            api_key.last_used_at is None
            or (now - api_key.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        ):
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        request.partner = api_key.partner
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        return KEYWORD


class HasApiKey(permissions.BasePermission):
    """The request carries a valid partner API key; views may set ``required_scope``."""

    message = _("A valid partner API key is required.")

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False
        scope = getattr(view, "required_scopes", {}).get(request.method) or getattr(
            view, "required_scope", None
        )
        if scope and scope not in api_key.scopes:
            self.message = _("This API key lacks the scope %(scope)s.") % {"scope": scope}
            return False
        return True


class ApiKeyRateThrottle(AtomicRateThrottle):
    """Throttled per key, not per IP: one partner's batch job cannot starve another."""

    scope = "partner_api"

    def get_ident(self, request) -> str:
        if isinstance(request.auth, ApiKey):
            return f"key:{request.auth.pk}"
        return super().get_ident(request)


class PartnerApiMixin:
    """Base for partner API views: key authentication, permission and throttle declared."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyRateThrottle]
