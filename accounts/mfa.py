"""Two-factor authentication: TOTP (an authenticator app) with single-use recovery codes.

The cryptography is django-otp's (``TOTPDevice`` for RFC 6238 codes, with replay
protection and its own back-off; ``StaticDevice`` for recovery codes). This module decides
who must use it and keeps the state of a session:

- ``verify``: signed in with a password, the account has an app: a code is due;
- ``enrol``: signed in, a second factor is required but none is set up yet;
- ``done``: a code was given in this session; ``none``: nothing is asked.

The state is computed when someone signs in (``user_logged_in``) and stored in the
session, so ordinary pages cost no query; ``accounts.middleware.MfaMiddleware`` keeps a
session in ``verify`` or ``enrol`` away from everything but the code pages and sign-out.

Who must use it: staff when ``MFA_REQUIRED_FOR_STAFF``, and whatever higher apps register
with ``register_mfa_requirement`` (partners: owners when ``MFA_REQUIRED_FOR_PARTNER_OWNERS``);
``accounts`` imports nothing of theirs.
"""

from collections.abc import Callable

import django_otp
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import ratelimit

from .exceptions import OtpInvalid, TooManyCodeAttempts
from .models import User

SESSION_KEY = "accounts_mfa"
VERIFY, ENROL, DONE, NONE = "verify", "enrol", "done", "none"
PENDING = frozenset({VERIFY, ENROL})
ATTEMPT_SCOPE = "mfa"
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"

_requirements: list[Callable[[User], bool]] = []


def register_mfa_requirement(check: Callable[[User], bool]) -> None:
    """``check(user)`` says whether the user must have a second factor."""
    if check not in _requirements:
        _requirements.append(check)


def mfa_required(user: User) -> bool:
    if settings.MFA_REQUIRED_FOR_STAFF and (user.is_staff or user.is_superuser):
        return True
    return any(check(user) for check in _requirements)


def totp_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def mfa_state_for(user: User) -> str:
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return VERIFY
    return ENROL if mfa_required(user) else NONE


def session_state(request: HttpRequest) -> str | None:
    return request.session.get(SESSION_KEY)


def session_state_set(request: HttpRequest, state: str) -> None:
    request.session[SESSION_KEY] = state


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    # A password alone never finishes signing in an account that has or needs a second
    # factor; the state travels with the (rotated) session.
    if request is not None and hasattr(request, "session"):
        session_state_set(request, mfa_state_for(user))


def recovery_codes_remaining(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The device being set up: the pending one if there is one, so reloading the page
    keeps the QR code the user already scanned."""
    pending = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
    )
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def _charge_attempt(user: User) -> None:
    rate = ratelimit.Rate.parse(settings.RATE_LIMITS["mfa"])
    hit = ratelimit.hit(ATTEMPT_SCOPE, f"user:{user.pk}", rate)
    if not hit.allowed:
        ratelimit.refund(ATTEMPT_SCOPE, f"user:{user.pk}")
        raise TooManyCodeAttempts()


def _normalize(token: str) -> str:
    return "".join(str(token or "").split()).replace("-", "").lower()[:32]


def totp_device_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms the device being set up with a code from the app and issues a fresh set
    of recovery codes (returned once: only their use is stored)."""
    _charge_attempt(user)
    token = _normalize(token)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
        )
        # A failed verify_token records its back-off on the device; it must be committed,
        # so the outcome is decided inside the block and raised outside it.
        verified = device is not None and token.isdigit() and device.verify_token(token)
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _recovery_codes_replace(user)
    if not verified:
        raise OtpInvalid()
    ratelimit.refund(ATTEMPT_SCOPE, f"user:{user.pk}")
    return device, codes


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    return _recovery_codes_replace(user)


@transaction.atomic
def mfa_disable(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def mfa_code_check(*, user: User, token: str) -> Device:
    """The device that accepts ``token``: six digits are a code from the app, anything
    else a recovery code (used up by this call). Every attempt is charged to the account
    first (``RATE_LIMITS["mfa"]``) and given back when it succeeds."""
    _charge_attempt(user)
    token = _normalize(token)
    if token.isdigit() and len(token) == 6:
        devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id")
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True).order_by("id")
    for device in devices:
        # django_otp.verify_token locks the device row, so a code (and a recovery code
        # above all) is accepted once even when it is sent twice at the same moment.
        verified = django_otp.verify_token(user, device.persistent_id, token) if token else None
        if verified is not None:
            ratelimit.refund(ATTEMPT_SCOPE, f"user:{user.pk}")
            return verified
    raise OtpInvalid()


def second_factor_failed(request: HttpRequest, user: User) -> None:
    """A wrong code counts as a failed sign-in for django-axes, like a wrong password, so
    the lockout covers attackers who know the password."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def session_verified(request: HttpRequest, device: Device) -> None:
    """Marks the session as having passed the second factor, with a new session key (the
    session just gained privileges)."""
    request.session.cycle_key()
    django_otp.login(request, device)
    session_state_set(request, DONE)
