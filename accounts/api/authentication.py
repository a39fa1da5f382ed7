"""Token authentication that also shows the API's times in the learner's time zone.

A token client (a mobile app) has no session or browser cookie, so the time-zone middleware
cannot know the learner's zone; the profile comes with the token's user in the same query
(a LEFT JOIN), and its zone is activated for the request: times come back as ISO 8601 with
that zone's offset."""

from django.utils import timezone
from rest_framework.authentication import TokenAuthentication

from core.timezones import zone_get, zone_is_valid


class ProfileZoneTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        token = model.objects.select_related("user", "user__profile").filter(key=key).first()
        if token is None or not token.user.is_active:
            # DRF's own refusal (and its translated message).
            return super().authenticate_credentials(key)
        profile = getattr(token.user, "profile", None)
        if profile is not None and zone_is_valid(profile.time_zone):
            # Deactivated by core.middleware.UserTimeZoneMiddleware when the response is done.
            timezone.activate(zone_get(profile.time_zone))
        return token.user, token
