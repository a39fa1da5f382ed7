"""Text messages behind one small interface, chosen by ``SMS_BACKEND`` (a dotted path).

- ``accounts.sms.ConsoleSmsBackend`` (development default): writes the message to the log,
  so the sign-in code can be read from the server's console;
- ``accounts.sms.MemorySmsBackend`` (tests): keeps messages in ``MemorySmsBackend.outbox``.

A real gateway (Alibaba Cloud SMS, Tencent Cloud SMS, Twilio) is a class with the same
``send`` method; it raises ``SmsNotSent`` when the gateway refuses or does not answer."""

import logging
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsNotSent(Exception):
    """The gateway did not take the message."""


class SmsBackend:
    def send(self, *, number: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def send(self, *, number: str, text: str) -> None:
        logger.warning("SMS to %s: %s", number, text)


class MemorySmsBackend(SmsBackend):
    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, number: str, text: str) -> None:
        self.outbox.append((number, text))


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
