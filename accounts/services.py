"""Account writes: sign-up and the learner's profile."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from core.caching import user_namespace_bump
from core.exceptions import ApplicationError
from core.timezones import INVALID_ZONE_MESSAGE, SESSION_KEY, zone_is_valid

from .auth_cache import forget_user
from .models import LearnerProfile, User

LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def _language_or_default(language: str) -> str:
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


@transaction.atomic
def user_signup(
    *,
    username: str,
    email: str,
    password: str,
    preferred_language: str,
    country: str = "",
    marketing_consent: bool = False,
) -> User:
    """A new learner with their profile; the language they signed up in becomes their
    preferred language."""
    user = User.objects.create_user(username=username, email=email, password=password)
    now = timezone.now()
    LearnerProfile.objects.create(
        user=user,
        preferred_language=_language_or_default(preferred_language),
        country=country.upper()[:2],
        marketing_consent=marketing_consent,
        marketing_consent_at=now if marketing_consent else None,
    )
    return user


def profile_get_or_create(*, user: User, language: str = "") -> LearnerProfile:
    """Users made outside sign-up (``createsuperuser``, the admin) get a profile the first
    time they need one."""
    profile, _ = LearnerProfile.objects.get_or_create(
        user=user, defaults={"preferred_language": _language_or_default(language)}
    )
    return profile


@transaction.atomic
def profile_update(
    *,
    user: User,
    preferred_language: str,
    country: str,
    preferred_currency: str,
    interests: Iterable[str],
    marketing_consent: bool,
    time_zone: str | None = None,
) -> LearnerProfile:
    """Consent is stamped when it is given and the stamp cleared when it is withdrawn,
    so ``marketing_consent_at`` always dates the consent currently in force."""
    profile = LearnerProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = LearnerProfile.objects.create(user=user)
    if marketing_consent and not profile.marketing_consent:
        profile.marketing_consent_at = timezone.now()
    elif not marketing_consent:
        profile.marketing_consent_at = None
    profile.marketing_consent = marketing_consent
    language = _language_or_default(preferred_language)
    if language != profile.preferred_language:
        profile.language_chosen = True
    profile.preferred_language = language
    profile.country = country.upper()[:2]
    profile.preferred_currency = preferred_currency if preferred_currency in settings.CURRENCIES else ""
    profile.interests = sorted(dict.fromkeys(slug for slug in interests if slug))
    if time_zone is not None:
        if time_zone and not zone_is_valid(time_zone):
            raise ApplicationError(INVALID_ZONE_MESSAGE, code="invalid")
        profile.time_zone = time_zone
    profile.save()
    return profile


def user_unread_notifications_add(*, user_id: int, delta: int) -> None:
    """Move the inbox's unread counter (never below zero); call it in the transaction that
    delivers or reads the messages."""
    # The header's badge is part of the learner's cached pages and of the cached user.
    user_namespace_bump(user_id)
    forget_user(user_id)
    if delta > 0:
        User.objects.filter(pk=user_id).update(unread_notifications=F("unread_notifications") + delta)
    elif delta < 0:
        User.objects.filter(pk=user_id).update(
            unread_notifications=Greatest(F("unread_notifications") + delta, Value(0))
        )


def profile_time_zone_remember(*, request, user: User) -> None:
    """Copies the profile's time zone into the session at sign-in, where the time-zone
    middleware reads it without a query on every request."""
    zone = LearnerProfile.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""
    request.session[SESSION_KEY] = zone


def on_user_logged_in_time_zone(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        profile_time_zone_remember(request=request, user=user)
