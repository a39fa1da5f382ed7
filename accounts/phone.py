"""Signing in (or linking an account) with a mobile number and a one-time code sent by
text message, behind the provider interface of ``accounts.sms``.

Rules, each with its test in ``tests/accounts/test_phone.py``:

- asking for a code is limited per number (``RATE_LIMIT_SMS_PHONE``) and per client address
  (``RATE_LIMIT_SMS_ADDRESS``), counted atomically in Redis like the other doors;
- a code is six random digits, stored only as a keyed hash (HMAC-SHA256 with the site's
  secret), expires after ``PHONE_CODE_TTL_SECONDS``, allows ``PHONE_CODE_MAX_ATTEMPTS`` wrong
  tries, works once, and a newer code for the same number replaces it;
- the check compares hashes in constant time, under a row lock, so two simultaneous right
  answers sign in once;
- the text message is sent after the code's transaction has committed and never through
  the outbox: the outbox keeps its payloads in clear, and the code must not be stored so.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django.utils.translation import gettext as _

from core import ratelimit
from core.client_address import rate_ident

from .exceptions import (
    InvalidPhoneNumber,
    PhoneCodeAttemptsExhausted,
    PhoneCodeExpired,
    PhoneCodeInvalid,
    PhoneNumberNotTextable,
    PhoneTaken,
    TextMessageNotSent,
    TooManyTextMessages,
)
from .models import LearnerProfile, PhoneCode, PhoneNumber, User
from .sms import SmsNotSent, sms_backend

HASH_SALT = "accounts.phone.code"


def phone_normalize(raw: str) -> str:
    """The number in E.164 (``+8613800138000``). A number without ``+`` is read in
    ``PHONE_DEFAULT_REGION`` (China); only numbers that can receive text messages pass."""
    try:
        parsed = phonenumbers.parse((raw or "").strip(), settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber() from None
    kind = phonenumbers.number_type(parsed)
    mobile = kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not phonenumbers.is_valid_number(parsed) or not mobile:
        raise InvalidPhoneNumber()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _hash(*, number: str, purpose: str, code: str) -> str:
    return salted_hmac(HASH_SALT, f"{number}|{purpose}|{code}", algorithm="sha256").hexdigest()


def _limit(scope: str, ident: str) -> None:
    hit = ratelimit.hit(scope, ident, ratelimit.Rate.parse(settings.RATE_LIMITS[scope]))
    if not hit.allowed:
        raise TooManyTextMessages(extra={"retry_after": hit.retry_after})


def phone_code_request(*, number: str, purpose: str, client_ip: str, user: User | None = None) -> PhoneCode:
    """Send a new code to ``number`` (sign in, or link to ``user``); returns the stored row."""
    number = phone_normalize(number)
    # The address first: a script walking through many numbers is stopped there.
    _limit("sms_address", "ip:" + rate_ident(client_ip))
    _limit("sms_phone", number)
    if purpose == PhoneCode.Purpose.LINK:
        if user is None:
            raise PhoneCodeInvalid()
        if PhoneNumber.objects.filter(number=number).exclude(user=user).exists():
            raise PhoneTaken()
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = settings.PHONE_CODE_TTL_SECONDS
    with transaction.atomic():
        PhoneCode.objects.filter(number=number, purpose=purpose, used_at__isnull=True, replaced=False).update(
            replaced=True, updated_at=timezone.now()
        )
        row = PhoneCode.objects.create(
            number=number,
            purpose=purpose,
            user=user if purpose == PhoneCode.Purpose.LINK else None,
            code_hash=_hash(number=number, purpose=purpose, code=code),
            expires_at=timezone.now() + timedelta(seconds=ttl),
        )
    text = _("Your Zhiqiao code is %(code)s. It expires in %(minutes)d minutes. Never share it.") % {
        "code": code,
        "minutes": max(1, ttl // 60),
    }
    try:
        sms_backend().send(number=number, text=text, params={"code": code})
    except SmsNotSent as exc:
        # Never sent: the code cannot be used (nobody could have read it).
        PhoneCode.objects.filter(pk=row.pk).update(replaced=True, updated_at=timezone.now())
        if exc.reason == "refused_number":
            raise PhoneNumberNotTextable() from None
        if exc.reason == "rate_limited":
            # The gateway's own limit for the number (Alibaba Cloud: one a minute, a few an hour).
            raise TooManyTextMessages(extra={"retry_after": 60}) from None
        raise TextMessageNotSent() from None
    return row


def _code_check(*, number: str, purpose: str, code: str, user: User | None = None) -> None:
    """Spend one attempt on the number's current code; raises unless it is right. The
    attempt is written before the answer is given, so a wrong code always counts."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(number=number, purpose=purpose, used_at__isnull=True, replaced=False)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None or (purpose == PhoneCode.Purpose.LINK and (user is None or row.user_id != user.pk)):
            outcome = "invalid"
        elif row.expires_at <= now:
            outcome = "expired"
        elif row.attempts >= settings.PHONE_CODE_MAX_ATTEMPTS:
            outcome = "exhausted"
        else:
            row.attempts += 1
            right = constant_time_compare(
                row.code_hash, _hash(number=number, purpose=purpose, code=code or "")
            )
            if right:
                row.used_at = now
                outcome = "ok"
            else:
                outcome = "exhausted" if row.attempts >= settings.PHONE_CODE_MAX_ATTEMPTS else "invalid"
            row.save(update_fields=["attempts", "used_at", "updated_at"])
    if outcome == "expired":
        raise PhoneCodeExpired()
    if outcome == "exhausted":
        raise PhoneCodeAttemptsExhausted()
    if outcome != "ok":
        raise PhoneCodeInvalid()


def phone_sign_in(*, number: str, code: str, language: str) -> User:
    """The account of a verified number, or a new one for a number seen for the first time."""
    number = phone_normalize(number)
    _code_check(number=number, purpose=PhoneCode.Purpose.SIGN_IN, code=code)
    existing = PhoneNumber.objects.select_related("user").filter(number=number).first()
    if existing is not None:
        return existing.user
    try:
        with transaction.atomic():
            user = User(username=f"learner-{get_random_string(10).lower()}")
            user.set_unusable_password()
            user.save()
            codes = {code for code, _name in settings.LANGUAGES}
            LearnerProfile.objects.create(
                user=user, preferred_language=language if language in codes else settings.LANGUAGE_CODE
            )
            PhoneNumber.objects.create(user=user, number=number, verified_at=timezone.now())
    except IntegrityError:
        # Two different right codes for one number cannot both be current; the unique
        # number is the last guard all the same.
        return PhoneNumber.objects.select_related("user").get(number=number).user
    return user


def phone_link(*, user: User, number: str, code: str) -> PhoneNumber:
    """Attach a verified number to the signed-in account (replacing its previous one)."""
    number = phone_normalize(number)
    _code_check(number=number, purpose=PhoneCode.Purpose.LINK, code=code, user=user)
    with transaction.atomic():
        if PhoneNumber.objects.filter(number=number).exclude(user=user).exists():
            raise PhoneTaken()
        try:
            phone, _created = PhoneNumber.objects.update_or_create(
                user=user, defaults={"number": number, "verified_at": timezone.now()}
            )
        except IntegrityError:
            raise PhoneTaken() from None
    return phone
