"""WeChat Pay (API v3) through ``wechatpayv3``: Native (a QR code the learner scans on a
desktop), H5 (a phone browser is sent to WeChat's page) and JSAPI (inside WeChat's own
browser, for a learner signed in with WeChat: the page pays through WeixinJSBridge), order
query, refunds, and the RSA-SHA256 signed notifications (payments and refunds) whose
resource is AES-256-GCM encrypted with the APIv3 key.

Settings: ``WECHATPAY_MCHID``, ``WECHATPAY_APPID``, ``WECHATPAY_API_V3_KEY``,
``WECHATPAY_PRIVATE_KEY`` (the merchant API key, PEM text or a file path),
``WECHATPAY_CERT_SERIAL_NO`` (its certificate's serial), ``WECHATPAY_CERT_DIR`` (WeChat Pay
platform certificates, ``*.pem``; the SDK downloads rotated ones there) or
``WECHATPAY_PUBLIC_KEY`` + ``WECHATPAY_PUBLIC_KEY_ID`` (the newer platform public key),
``WECHATPAY_NOTIFY_URL`` and ``WECHATPAY_API_BASE`` (tests point it at a fake server).

WeChat Pay keeps one order per ``out_trade_no`` (the order number without dashes) and one
refund per ``out_refund_no``: asking again with the same number is how retries stay single
charges, so the order's out_trade_no is also its payment reference."""

import json
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from wechatpayv3 import WeChatPay, WeChatPayType

from commerce.exceptions import (
    InvalidWebhookPayload,
    InvalidWebhookSignature,
    PaymentOutcomeUnknown,
    PaymentProviderError,
)

from .base import ChargeResult, PaymentEvent, Provider, RedirectResult, RefundResult, to_minor_units

DEFAULT_API_BASE = "https://api.mch.weixin.qq.com"
SIGNATURE_HEADERS = (
    "Wechatpay-Signature",
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
)
# The SDK checks the signature only; WeChat Pay asks merchants to refuse old timestamps too,
# so a captured notification cannot be replayed later.
TOLERANCE_SECONDS = 300
PAID_STATES = {"SUCCESS", "REFUND"}  # REFUND: paid, then (partly) refunded
PENDING_STATES = {"NOTPAY", "USERPAYING"}
REFUND_ACCEPTED = {"SUCCESS", "PROCESSING"}
# How a refund ends (refund_status, in the answer and in REFUND.* notifications): the money
# is back, or it could not go back (ABNORMAL: the learner's account or card is closed;
# CLOSED: WeChat Pay closed the refund) and staff must give it back another way.
REFUND_FAILED = {"ABNORMAL", "CLOSED"}


def out_trade_no(order_number: str) -> str:
    """WeChat Pay takes 6-32 characters of ``[0-9A-Za-z_-|*]``: the order UUID as hex."""
    try:
        return uuid.UUID(str(order_number)).hex
    except ValueError:
        return str(order_number)[:32]


def order_number_of(trade_no: str) -> str:
    try:
        return str(uuid.UUID(hex=trade_no))
    except ValueError:
        return ""


def _pem_or_file(value: str) -> str:
    value = (value or "").strip()
    if value and not value.startswith("-----BEGIN") and Path(value).is_file():
        return Path(value).read_text()
    return value


class WeChatPayProvider(Provider):
    name = "wechatpay"
    supports_redirect = True
    redirect_only = True
    currencies = frozenset({"CNY"})
    # "wechat": WeChat's own browser, for a learner signed in with WeChat (JSAPI needs the
    # payer's openid); without one, the device's channel as anywhere else.
    channels = {"desktop": "native", "mobile": "h5", "wechat": "jsapi"}

    def __init__(self) -> None:
        missing = [
            key
            for key in (
                "WECHATPAY_MCHID",
                "WECHATPAY_APPID",
                "WECHATPAY_API_V3_KEY",
                "WECHATPAY_PRIVATE_KEY",
                "WECHATPAY_CERT_SERIAL_NO",
                "WECHATPAY_NOTIFY_URL",
            )
            if not getattr(settings, key, "")
        ]
        if missing:
            raise ImproperlyConfigured(f"{', '.join(missing)} required for the wechatpay payment provider")
        public_key = _pem_or_file(getattr(settings, "WECHATPAY_PUBLIC_KEY", "")) or None
        public_key_id = getattr(settings, "WECHATPAY_PUBLIC_KEY_ID", "") or None
        cert_dir = getattr(settings, "WECHATPAY_CERT_DIR", "") or None
        if public_key is None and not (cert_dir and any(Path(cert_dir).glob("*.pem"))):
            # Without one the SDK would download certificates from the real API while it is
            # constructed, before WECHATPAY_API_BASE applies: refuse instead.
            raise ImproperlyConfigured(
                "WECHATPAY_CERT_DIR (platform certificates) or WECHATPAY_PUBLIC_KEY is required"
            )
        self.mchid = settings.WECHATPAY_MCHID
        self.appid = settings.WECHATPAY_APPID
        timeout = float(getattr(settings, "PAYMENT_PROVIDER_TIMEOUT_SECONDS", 15.0))
        try:
            self.client = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=self.mchid,
                private_key=_pem_or_file(settings.WECHATPAY_PRIVATE_KEY),
                cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
                appid=self.appid,
                apiv3_key=settings.WECHATPAY_API_V3_KEY,
                notify_url=settings.WECHATPAY_NOTIFY_URL,
                cert_dir=cert_dir,
                timeout=(timeout, timeout),
                public_key=public_key,
                public_key_id=public_key_id,
            )
        except Exception as exc:  # the SDK raises bare Exception for unreadable keys
            raise ImproperlyConfigured(f"wechatpay: {exc}") from exc
        # The SDK has no base-URL option; its gateway is this one attribute of its core.
        base = (getattr(settings, "WECHATPAY_API_BASE", "") or DEFAULT_API_BASE).rstrip("/")
        self.client._core._gate_way = base
        self._verified: tuple[bytes, dict] | None = None

    # --- calls -------------------------------------------------------------------------

    def _call(self, method, **kwargs) -> tuple[int, dict]:
        """One API call. A refused request (4xx) charged nothing; a timeout, a broken
        connection, a 5xx or an answer without WeChat Pay's signature may have."""
        try:
            code, message = method(**kwargs)
        except Exception as exc:
            # requests' timeouts and connection errors, and the SDK's bare Exception for an
            # answer whose signature does not verify: either way the call may have acted.
            raise PaymentOutcomeUnknown() from exc
        try:
            body = json.loads(message) if message else {}
        except (TypeError, ValueError):
            body = {}
        if code >= 500 or code == 429:
            raise PaymentOutcomeUnknown()
        return code, body if isinstance(body, dict) else {}

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
        raise PaymentProviderError()  # paid by scanning or on WeChat's page, never by token

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
        trade_no = out_trade_no(order_number)
        if channel == "jsapi":
            return self._jsapi(
                amount=amount, currency=currency, trade_no=trade_no, description=description, payer=payer
            )
        h5 = channel == "h5"
        params = {
            # WeChat shows the description on the payer's receipt: 127 bytes at most.
            "description": (description or order_number).encode()[:127].decode(errors="ignore"),
            "out_trade_no": trade_no,
            "amount": {"total": to_minor_units(amount, currency), "currency": currency},
            "pay_type": WeChatPayType.H5 if h5 else WeChatPayType.NATIVE,
        }
        if h5:
            params["scene_info"] = {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
        code, body = self._call(self.client.pay, **params)
        if code != 200:
            raise PaymentProviderError()
        if h5:
            url = str(body.get("h5_url") or "")
            if not url:
                raise PaymentOutcomeUnknown()
            # WeChat sends the phone back here after the payment (its documented parameter).
            return RedirectResult(reference=trade_no, url=f"{url}&redirect_url={quote(success_url, safe='')}")
        url = str(body.get("code_url") or "")
        if not url:
            raise PaymentOutcomeUnknown()
        return RedirectResult(reference=trade_no, url=url, kind="qr")

    def _jsapi(self, *, amount: Decimal, currency: str, trade_no: str, description: str, payer: str):
        """A JSAPI prepay order for the payer's openid, and the parameters WeChat's browser
        pays with: ``appId``, ``timeStamp``, ``nonceStr``, ``package`` ("prepay_id=..."),
        ``signType`` RSA and ``paySign``, the merchant key's RSA-SHA256 signature of the
        first four, one per line (WeChat Pay's documented JSAPI signature)."""
        if not payer:
            raise PaymentProviderError()  # JSAPI has no payer without a WeChat sign-in
        code, body = self._call(
            self.client.pay,
            description=(description or trade_no).encode()[:127].decode(errors="ignore"),
            out_trade_no=trade_no,
            amount={"total": to_minor_units(amount, currency), "currency": currency},
            payer={"openid": payer},
            pay_type=WeChatPayType.JSAPI,
        )
        if code != 200:
            raise PaymentProviderError()
        prepay_id = str(body.get("prepay_id") or "")
        if not prepay_id:
            raise PaymentOutcomeUnknown()
        params = {
            "appId": self.appid,
            "timeStamp": str(int(time.time())),
            "nonceStr": uuid.uuid4().hex,
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        params["paySign"] = self.client.sign(
            [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
        )
        return RedirectResult(reference=trade_no, url="", kind="jsapi", params=params)

    def _query(self, trade_no: str) -> dict | None:
        code, body = self._call(self.client.query, out_trade_no=trade_no)
        if code == 404:
            return None
        if code != 200:
            raise PaymentProviderError()
        return body

    def lookup_charge(
        self, *, order_number: str, reference: str, idempotency_key: str
    ) -> ChargeResult | None:
        trade_no = reference or out_trade_no(order_number)
        body = self._query(trade_no)
        if body is None:
            return None
        state = str(body.get("trade_state") or "")
        amount = body.get("amount") or {}
        paid = amount.get("total") if isinstance(amount, dict) else None
        paid_currency = str(amount.get("currency") or "") if isinstance(amount, dict) else ""
        if state in PAID_STATES:
            return ChargeResult(
                status="succeeded",
                reference=trade_no,
                amount_minor=int(paid) if isinstance(paid, int) else -1,
                currency=paid_currency,
            )
        if state in PENDING_STATES:
            return ChargeResult(status="pending", reference=trade_no)
        return ChargeResult(status="declined", reference=trade_no, failure_code=state.lower()[:64])

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        # WeChat Pay wants the order's whole amount beside the refund's: it knows it best.
        charge = self._query(reference)
        total = ((charge or {}).get("amount") or {}).get("total")
        if not isinstance(total, int):
            raise PaymentProviderError()
        code, body = self._call(
            self.client.refund,
            out_refund_no=idempotency_key[:64],
            amount={"refund": to_minor_units(amount, currency), "total": total, "currency": currency},
            out_trade_no=reference,
        )
        status = str(body.get("status") or "")
        if code != 200 or status not in REFUND_ACCEPTED:
            raise PaymentProviderError()
        # PROCESSING: the money goes back later; the REFUND.* notification (or this same
        # request again, from the reconciler) tells how it ended.
        return RefundResult(
            reference=str(body.get("refund_id") or idempotency_key)[:128],
            status="succeeded" if status == "SUCCESS" else "pending",
        )

    # --- notifications -----------------------------------------------------------------

    def verify_webhook(self, *, body: bytes, headers) -> None:
        picked = {name: str(headers.get(name, "") or "") for name in SIGNATURE_HEADERS}
        try:
            timestamp = int(picked["Wechatpay-Timestamp"])
        except ValueError:
            raise InvalidWebhookSignature() from None
        if abs(int(time.time()) - timestamp) > TOLERANCE_SECONDS:
            raise InvalidWebhookSignature()
        try:
            # Verifies the RSA-SHA256 signature with the platform certificate named by
            # Wechatpay-Serial, then decrypts the AES-256-GCM resource with the APIv3 key.
            data = self.client.callback(headers=picked, body=body)
        except Exception:  # bad serial, unknown algorithm, body not UTF-8 or not JSON
            raise InvalidWebhookSignature() from None
        if not isinstance(data, dict) or not isinstance(data.get("resource"), dict):
            raise InvalidWebhookSignature()
        self._verified = (body, data)

    def parse_event(self, *, body: bytes) -> PaymentEvent:
        if self._verified is None or self._verified[0] != body:
            raise InvalidWebhookSignature()
        data = self._verified[1]
        resource = data["resource"]
        event_id, event_type = str(data.get("id") or ""), str(data.get("event_type") or "")
        if event_type.startswith("REFUND."):
            return self._refund_event(event_id=event_id, event_type=event_type, resource=resource)
        trade_no = str(resource.get("out_trade_no") or "")
        if not event_id or len(event_id) > 255 or not trade_no:
            raise InvalidWebhookPayload()
        if resource.get("mchid") != self.mchid or resource.get("appid") != self.appid:
            raise InvalidWebhookPayload()  # another merchant's payment is not ours to settle
        state = str(resource.get("trade_state") or "")
        kind = "ignored"
        if event_type == "TRANSACTION.SUCCESS" and state == "SUCCESS":
            kind = "succeeded"
        amount = resource.get("amount") or {}
        total = amount.get("total") if isinstance(amount, dict) else None
        return PaymentEvent(
            event_id=event_id,
            kind=kind,
            reference=trade_no,
            event_type=event_type[:64],
            data={
                "order_number": order_number_of(trade_no),
                "amount_minor": int(total) if isinstance(total, int) else -1,
                "currency": str(amount.get("currency") or "") if isinstance(amount, dict) else "",
            },
        )

    def _refund_event(self, *, event_id: str, event_type: str, resource: dict) -> PaymentEvent:
        """REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED: the decrypted resource names
        our refund by ``out_refund_no`` (the refund's idempotency key). Refund resources
        carry the merchant id but no app id."""
        trade_no = str(resource.get("out_trade_no") or "")
        refund_key = str(resource.get("out_refund_no") or "")
        if not event_id or len(event_id) > 255 or not trade_no or not refund_key:
            raise InvalidWebhookPayload()
        if resource.get("mchid") != self.mchid:
            raise InvalidWebhookPayload()
        status = str(resource.get("refund_status") or "")
        kind = "ignored"
        if status == "SUCCESS":
            kind = "refund_succeeded"
        elif status in REFUND_FAILED:
            kind = "refund_failed"
        amount = resource.get("amount") or {}
        refunded = amount.get("refund") if isinstance(amount, dict) else None
        return PaymentEvent(
            event_id=event_id,
            kind=kind,
            reference=trade_no,
            event_type=event_type[:64],
            data={
                "refund_key": refund_key[:128],
                "refund_reference": str(resource.get("refund_id") or "")[:128],
                "refund_status": status[:32],
                "amount_minor": int(refunded) if isinstance(refunded, int) else -1,
            },
        )
