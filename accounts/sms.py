"""Text messages behind one small interface, chosen by ``SMS_BACKEND`` (a dotted path).

- ``accounts.sms.ConsoleSmsBackend`` (development default): writes the message to the log,
  so the sign-in code can be read from the server's console;
- ``accounts.sms.MemorySmsBackend`` (tests): keeps messages in ``MemorySmsBackend.outbox``;
- ``accounts.sms.AliyunSmsBackend`` (production in China): Alibaba Cloud SMS, the
  ``dysmsapi`` ``SendSms`` call with its RPC signature (version 1.0, HMAC-SHA1 over the
  sorted, percent-encoded parameters), sending the registered template with the code.

``send`` raises ``SmsNotSent`` when the gateway refuses or does not answer; its ``reason``
tells the learner's error apart (a number the gateway will not text, the gateway's own
limit for the number, or anything else)."""

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Backends that never reach a phone: production refuses them while phone sign-in is on
# (config.settings.production_checks keeps the same list).
UNDELIVERED_SMS_BACKENDS = frozenset({"accounts.sms.ConsoleSmsBackend", "accounts.sms.MemorySmsBackend"})


class SmsNotSent(Exception):
    """The gateway did not take the message. ``reason``: ``refused_number`` (it will not
    text this number), ``rate_limited`` (its own limit for the number) or ``unavailable``
    (down, misconfigured, no answer)."""

    def __init__(self, message: str = "", *, reason: str = "unavailable") -> None:
        super().__init__(message)
        self.reason = reason


class SmsBackend:
    def send(self, *, number: str, text: str, params: dict | None = None) -> None:  # pragma: no cover
        """Text ``text`` to ``number`` (E.164). ``params`` are the values of a registered
        template, for gateways that only send templates (the code: ``{"code": ...}``)."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, number: str, text: str, params: dict | None = None) -> None:
        logger.warning("SMS to %s: %s", number, text)


class MemorySmsBackend(SmsBackend):
    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, number: str, text: str, params: dict | None = None) -> None:
        self.outbox.append((number, text))


def aliyun_percent_encode(value: str) -> str:
    """Alibaba Cloud's encoding for signatures: RFC 3986 (``A-Za-z0-9-_.~`` kept, UTF-8,
    a space as ``%20``, ``*`` as ``%2A``)."""
    return quote(str(value), safe="~")


def aliyun_signature(params: dict, *, secret: str, method: str = "POST") -> str:
    """Signature version 1.0: Base64(HMAC-SHA1(secret + "&", method & "%2F" & encoded
    canonical query)), the canonical query being the parameters but ``Signature`` sorted
    by name, each name and value percent-encoded."""
    canonical = "&".join(
        f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# SendSms answer codes (``Code``) that say something to the learner; any other is the
# gateway's or our configuration's fault (bad key, signature, template, balance).
ALIYUN_REFUSED_NUMBER = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT"})
ALIYUN_RATE_LIMITED = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User"})


class AliyunSmsBackend(SmsBackend):
    """Alibaba Cloud SMS. Settings (from the environment, see the README):
    ``ALIYUN_SMS_ACCESS_KEY_ID``, ``ALIYUN_SMS_ACCESS_KEY_SECRET``, ``ALIYUN_SMS_SIGN_NAME``
    (the approved signature, 签名), ``ALIYUN_SMS_TEMPLATE_CODE`` (an approved template with a
    ``${code}`` variable), ``ALIYUN_SMS_ENDPOINT`` and ``ALIYUN_SMS_REGION``."""

    REQUIRED = (
        "ALIYUN_SMS_ACCESS_KEY_ID",
        "ALIYUN_SMS_ACCESS_KEY_SECRET",
        "ALIYUN_SMS_SIGN_NAME",
        "ALIYUN_SMS_TEMPLATE_CODE",
    )

    def __init__(self) -> None:
        missing = [key for key in self.REQUIRED if not getattr(settings, key, "")]
        if missing:
            raise ImproperlyConfigured(f"{', '.join(missing)} required for accounts.sms.AliyunSmsBackend")
        self.endpoint = getattr(settings, "ALIYUN_SMS_ENDPOINT", "") or "https://dysmsapi.aliyuncs.com/"
        self.timeout = float(getattr(settings, "SMS_TIMEOUT_SECONDS", 5.0))

    @staticmethod
    def phone_numbers(number: str) -> str:
        """Mainland numbers without +86; others with their country code, without the +."""
        return number[3:] if number.startswith("+86") else number.lstrip("+")

    def send(self, *, number: str, text: str, params: dict | None = None) -> None:
        if not params:
            raise SmsNotSent("Alibaba Cloud SMS sends registered templates only")
        query = {
            "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": self.phone_numbers(number),
            "RegionId": getattr(settings, "ALIYUN_SMS_REGION", "") or "cn-hangzhou",
            "SignName": settings.ALIYUN_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,  # a new one per request: replays are refused
            "SignatureVersion": "1.0",
            "TemplateCode": settings.ALIYUN_SMS_TEMPLATE_CODE,
            "TemplateParam": json.dumps(params, separators=(",", ":"), ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
        try:
            # POST keeps the code out of URLs (and so out of proxies' access logs).
            response = requests.post(self.endpoint, data=query, timeout=self.timeout)
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SmsNotSent("Alibaba Cloud SMS did not answer") from exc
        code = str(answer.get("Code") or "") if isinstance(answer, dict) else ""
        if response.status_code == 200 and code == "OK":
            return
        if code in ALIYUN_REFUSED_NUMBER:
            raise SmsNotSent(code, reason="refused_number")
        if code in ALIYUN_RATE_LIMITED:
            raise SmsNotSent(code, reason="rate_limited")
        logger.error("Alibaba Cloud SMS refused a message: %s %s", response.status_code, code or "-")
        raise SmsNotSent(code or f"HTTP {response.status_code}")


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
