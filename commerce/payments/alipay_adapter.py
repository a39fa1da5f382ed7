"""Alipay through ``python-alipay-sdk``: page pay (desktop) and wap pay (phones) as signed
links to Alipay's gateway, ``alipay.trade.query``, ``alipay.trade.refund``, and the RSA2
signed asynchronous notifications (a form POST answered with the text ``success``).

Settings: ``ALIPAY_APP_ID``, ``ALIPAY_APP_PRIVATE_KEY`` (the app's RSA key, PEM text or a
file path), ``ALIPAY_PUBLIC_KEY`` (Alipay's public key from the open platform),
``ALIPAY_NOTIFY_URL`` and ``ALIPAY_GATEWAY`` (``https://openapi.alipay.com/gateway.do``;
tests point it at a fake gateway). The SDK verifies Alipay's signature on every answer.

Alipay keeps one trade per ``out_trade_no`` (the order number without dashes) and one
refund per ``out_request_no``: retries with the same numbers never pay or refund twice."""

import urllib.error
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from commerce.exceptions import (
    InvalidWebhookPayload,
    InvalidWebhookSignature,
    PaymentOutcomeUnknown,
    PaymentProviderError,
)

from .base import ChargeResult, PaymentEvent, Provider, RedirectResult, RefundResult, to_minor_units
from .wechatpay_adapter import _pem_or_file, order_number_of, out_trade_no

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
PAID_STATES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
SUCCESS_CODE = "10000"
UNKNOWN_CODES = {"20000"}  # "service temporarily unavailable": the outcome is unknown
NOT_FOUND = "ACQ.TRADE_NOT_EXIST"


def _yuan(amount: Decimal) -> str:
    return f"{Decimal(amount):.2f}"


def _minor(value) -> int:
    try:
        return to_minor_units(Decimal(str(value)), "CNY")
    except (InvalidOperation, ValueError, ArithmeticError):
        return -1


class AlipayProvider(Provider):
    name = "alipay"
    supports_redirect = True
    redirect_only = True
    currencies = frozenset({"CNY"})
    channels = {"desktop": "page", "mobile": "wap"}

    def __init__(self) -> None:
        missing = [
            key
            for key in ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY", "ALIPAY_NOTIFY_URL")
            if not getattr(settings, key, "")
        ]
        if missing:
            raise ImproperlyConfigured(f"{', '.join(missing)} required for the alipay payment provider")
        self.app_id = str(settings.ALIPAY_APP_ID)
        timeout = float(getattr(settings, "PAYMENT_PROVIDER_TIMEOUT_SECONDS", 15.0))
        try:
            self.client = AliPay(
                appid=self.app_id,
                app_notify_url=settings.ALIPAY_NOTIFY_URL,
                app_private_key_string=_pem_or_file(settings.ALIPAY_APP_PRIVATE_KEY),
                alipay_public_key_string=_pem_or_file(settings.ALIPAY_PUBLIC_KEY),
                sign_type="RSA2",
                config=AliPayConfig(timeout=timeout),
            )
        except (ValueError, IndexError, TypeError) as exc:
            raise ImproperlyConfigured(f"alipay: the keys cannot be read ({exc})") from exc
        # The SDK has no gateway option besides its sandbox switch: set its one attribute.
        self.gateway = getattr(settings, "ALIPAY_GATEWAY", "") or DEFAULT_GATEWAY
        self.client._gateway = self.gateway
        self._fields: tuple[bytes, dict] | None = None

    # --- calls -------------------------------------------------------------------------

    def _call(self, method, **kwargs) -> dict:
        """One gateway call. A timeout, a broken connection, a 5xx, an unsigned answer or
        "service unavailable" may have been acted on: the outcome is unknown."""
        try:
            answer = method(**kwargs)
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise PaymentOutcomeUnknown() from exc
            raise PaymentProviderError() from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise PaymentOutcomeUnknown() from exc
        except (AliPayValidationError, ValueError) as exc:  # bad signature, not JSON
            raise PaymentOutcomeUnknown() from exc
        except AliPayException as exc:  # an answer without a signature: Alipay's error page
            raise PaymentOutcomeUnknown() from exc
        if not isinstance(answer, dict):
            raise PaymentOutcomeUnknown()
        if str(answer.get("code") or "") in UNKNOWN_CODES:
            raise PaymentOutcomeUnknown()
        return answer

    def charge(
        self,
        *,
        amount: Decimal,
        currency: str,
        token: str,
        order_number: str,
        idempotency_key: str,
        customer: str = "",
        save_method: bool = False,
        off_session: bool = False,
    ) -> ChargeResult:
        raise PaymentProviderError()  # paid on Alipay's page, never by token

    def create_redirect(
        self,
        *,
        amount: Decimal,
        currency: str,
        order_number: str,
        description: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
        channel: str = "",
        client_ip: str = "",
        payer: str = "",
    ) -> RedirectResult:
        """A signed link, made here without a network call: Alipay creates the trade when
        the browser opens it, once per out_trade_no."""
        trade_no = out_trade_no(order_number)
        common = {
            "subject": (description or order_number)[:256],
            "out_trade_no": trade_no,
            "total_amount": _yuan(amount),
            "return_url": success_url,
        }
        if channel == "wap":
            query = self.client.api_alipay_trade_wap_pay(**common, quit_url=cancel_url)
        else:
            query = self.client.api_alipay_trade_page_pay(**common)
        return RedirectResult(reference=trade_no, url=f"{self.gateway}?{query}")

    def lookup_charge(
        self, *, order_number: str, reference: str, idempotency_key: str
    ) -> ChargeResult | None:
        trade_no = reference or out_trade_no(order_number)
        answer = self._call(self.client.api_alipay_trade_query, out_trade_no=trade_no)
        if str(answer.get("code")) != SUCCESS_CODE:
            if answer.get("sub_code") == NOT_FOUND:
                return None  # the learner never opened the page: Alipay made no trade
            raise PaymentProviderError()
        state = str(answer.get("trade_status") or "")
        if state in PAID_STATES:
            return ChargeResult(
                status="succeeded",
                reference=trade_no,
                amount_minor=_minor(answer.get("total_amount")),
                currency="CNY",
            )
        if state == "WAIT_BUYER_PAY":
            return ChargeResult(status="pending", reference=trade_no)
        return ChargeResult(status="declined", reference=trade_no, failure_code=state.lower()[:64])

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        answer = self._call(
            self.client.api_alipay_trade_refund,
            refund_amount=_yuan(amount),
            out_trade_no=reference,
            out_request_no=idempotency_key[:64],
        )
        if str(answer.get("code")) != SUCCESS_CODE:
            raise PaymentProviderError()
        return RefundResult(reference=f"{answer.get('trade_no') or reference}:{idempotency_key}"[:128])

    # --- notifications -----------------------------------------------------------------

    def verify_webhook(self, *, body: bytes, headers) -> None:
        try:
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise InvalidWebhookSignature() from None
        signature = fields.pop("sign", "")
        if not signature or fields.get("sign_type") != "RSA2":
            raise InvalidWebhookSignature()
        try:
            # The SDK drops sign_type, sorts the rest and checks the RSA2 (SHA256withRSA)
            # signature with Alipay's public key; it changes the dict, so it gets a copy.
            valid = self.client.verify(dict(fields), signature)
        except Exception:  # not base64, wrong key length
            valid = False
        if not valid:
            raise InvalidWebhookSignature()
        self._fields = (body, fields)

    def parse_event(self, *, body: bytes) -> PaymentEvent:
        if self._fields is None or self._fields[0] != body:
            raise InvalidWebhookSignature()
        fields = self._fields[1]
        event_id, trade_no = fields.get("notify_id", ""), fields.get("out_trade_no", "")
        if not event_id or len(event_id) > 255 or not trade_no:
            raise InvalidWebhookPayload()
        if fields.get("app_id") != self.app_id:
            raise InvalidWebhookPayload()  # signed by Alipay for another app: not ours
        state = fields.get("trade_status", "")
        kind = "succeeded" if state in PAID_STATES else "failed" if state == "TRADE_CLOSED" else "ignored"
        return PaymentEvent(
            event_id=event_id,
            kind=kind,
            reference=trade_no,
            event_type=f"{fields.get('notify_type', '')}.{state}"[:64],
            data={
                "order_number": order_number_of(trade_no),
                "amount_minor": _minor(fields.get("total_amount")),
                "currency": "CNY",
            },
        )

    def webhook_ack(self, *, duplicate: bool, outcome: str):
        # Anything but this exact text makes Alipay deliver the notification again.
        return ("text/plain", "success")
