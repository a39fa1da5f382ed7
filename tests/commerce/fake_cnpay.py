"""Fake WeChat Pay (API v3) and Alipay (openapi gateway) servers on 127.0.0.1.

Only the providers' HTTP boundary is fake: ``wechatpayv3`` and ``python-alipay-sdk``, our
adapters and checkout talk to them over real sockets with real signatures. Keys are made
here for each test session: the merchant's and the platform's RSA keys, WeChat Pay's
platform certificate (x509), the APIv3 key for the AES-256-GCM notification resource, and
the app's and Alipay's RSA2 keys. Each fake checks the signature of every request it gets
(401 / "invalid-signature" otherwise) and signs every answer and notification, computed
here with ``cryptography``, independently of the SDKs.

Faults (``fake.faults``, consumed one per matching request, by path prefix for WeChat Pay
and by API method for Alipay), as in ``fake_stripe``:
- ``timeout_before``: hang past the client's timeout and do nothing;
- ``timeout_after``: act, then hang past the client's timeout;
- ``error_500``: answer 500 without acting; ``error_500_after``: act, then answer 500."""

from __future__ import annotations

import base64
import datetime
import json
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlencode, urlparse

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _public_pem(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _rsa_sign(key, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _rsa_verify(public_key, message: str, signature: str) -> bool:
    try:
        public_key.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class WeChatKeys:
    """Everything a merchant and WeChat Pay hold, made fresh for a test session."""

    mchid: str
    appid: str
    apiv3_key: str
    merchant_key: rsa.RSAPrivateKey
    merchant_serial: str
    platform_key: rsa.RSAPrivateKey
    platform_cert_pem: str
    platform_serial: str

    @classmethod
    def generate(cls) -> WeChatKeys:
        platform_key = _new_key()
        now = datetime.datetime.now(datetime.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (test)")])
        serial = x509.random_serial_number()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(platform_key.public_key())
            .serial_number(serial)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(platform_key, hashes.SHA256())
        )
        return cls(
            mchid="1900000109",
            appid="wxd678efh567hg6787",
            apiv3_key=secrets.token_hex(16),  # 32 characters: the AES-256 key
            merchant_key=_new_key(),
            merchant_serial=secrets.token_hex(20).upper(),
            platform_key=platform_key,
            platform_cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            platform_serial=format(serial, "X"),
        )

    def write_cert_dir(self, path) -> str:
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, f"{self.platform_serial}.pem"), "w") as f:
            f.write(self.platform_cert_pem)
        return str(path)

    def settings(self, *, api_base: str, cert_dir: str, notify_url: str) -> dict:
        return {
            "WECHATPAY_MCHID": self.mchid,
            "WECHATPAY_APPID": self.appid,
            "WECHATPAY_API_V3_KEY": self.apiv3_key,
            "WECHATPAY_PRIVATE_KEY": _private_pem(self.merchant_key),
            "WECHATPAY_CERT_SERIAL_NO": self.merchant_serial,
            "WECHATPAY_CERT_DIR": cert_dir,
            "WECHATPAY_NOTIFY_URL": notify_url,
            "WECHATPAY_API_BASE": api_base,
        }


@dataclass
class AlipayKeys:
    app_id: str
    app_key: rsa.RSAPrivateKey
    alipay_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> AlipayKeys:
        return cls(app_id="2021000000000001", app_key=_new_key(), alipay_key=_new_key())

    def settings(self, *, gateway: str, notify_url: str) -> dict:
        return {
            "ALIPAY_APP_ID": self.app_id,
            "ALIPAY_APP_PRIVATE_KEY": _private_pem(self.app_key),
            "ALIPAY_PUBLIC_KEY": _public_pem(self.alipay_key),
            "ALIPAY_NOTIFY_URL": notify_url,
            "ALIPAY_GATEWAY": gateway,
        }


class _FakeServer:
    def __init__(self, *, hang: float = 3.0) -> None:
        self.hang = hang
        self.requests: list[dict] = []
        self.faults: list[tuple[str, str]] = []
        self.notifications: list[requests.Response] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake._serve(self, "POST", self.rfile.read(length).decode())

            def do_GET(self):
                fake._serve(self, "GET", "")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _fault_for(self, name: str) -> str:
        with self.lock:
            for index, (prefix, fault) in enumerate(self.faults):
                if name.startswith(prefix):
                    del self.faults[index]
                    return fault
        return ""

    def _send(self, handler, status: int, body: bytes, headers: dict) -> None:
        try:
            handler.send_response(status)
            for key, value in headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the client gave up (a timeout fault)

    def _with_faults(self, handler, name: str, act, answer) -> None:
        """Run ``act()`` (which returns what to answer) under the fault for ``name``."""
        fault = self._fault_for(name)
        if fault == "timeout_before":
            time.sleep(self.hang)
            return self._send(handler, 504, b"", {})
        if fault == "error_500":
            return self._send(handler, 500, b'{"code":"SYSTEM_ERROR","message":"boom"}', {})
        result = act()
        if fault == "timeout_after":
            time.sleep(self.hang)
        if fault == "error_500_after":
            return self._send(handler, 500, b'{"code":"SYSTEM_ERROR","message":"boom"}', {})
        return answer(handler, *result)


class FakeWeChatPay(_FakeServer):
    """``/v3/pay/transactions/{native,h5}``, the order query by out_trade_no,
    ``/v3/refund/domestic/refunds`` and ``/v3/certificates``; ``pay()`` is the learner
    scanning the code and paying, after which WeChat Pay sends the signed notification."""

    def __init__(self, keys: WeChatKeys, **kwargs) -> None:
        super().__init__(**kwargs)
        self.keys = keys
        self.orders: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.refund_notify_urls: dict[str, str] = {}
        # Openids of the merchant's app (learners who signed in with it): JSAPI payers.
        self.openids: set[str] = set()
        self.answer_key = None  # another key signs the answers: a man in the middle

    # --- what tests do and look at -------------------------------------------------------

    @property
    def charges(self) -> list[dict]:
        return [o for o in self.orders.values() if o["trade_state"] in ("SUCCESS", "REFUND")]

    def pay(self, trade_no: str, *, notify: bool = True, total: int | None = None):
        """The learner pays (``total``: a tampered amount in the notification)."""
        with self.lock:
            order = self.orders[trade_no]
            order.update(trade_state="SUCCESS", transaction_id=f"4200{secrets.randbelow(10**20):020d}")
        if notify:
            body, headers = self.notification(trade_no, total=total)
            response = requests.post(order["notify_url"], data=body, headers=headers, timeout=10)
            self.notifications.append(response)
            return response
        return None

    def notification(self, trade_no: str, *, total: int | None = None, event_id: str | None = None):
        """A TRANSACTION.SUCCESS notification as WeChat Pay sends it: the transaction
        encrypted with AES-256-GCM under the APIv3 key, the body signed with the platform key."""
        order = dict(self.orders[trade_no])
        resource = {
            "mchid": order["mchid"],
            "appid": order["appid"],
            "out_trade_no": trade_no,
            "transaction_id": order.get("transaction_id", ""),
            "trade_type": order["trade_type"],
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "success_time": "2026-12-06T20:00:00+08:00",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {
                "total": order["amount"]["total"] if total is None else total,
                "payer_total": order["amount"]["total"] if total is None else total,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        return self._encrypted(
            resource,
            event_type="TRANSACTION.SUCCESS",
            summary="支付成功",
            kind="transaction",
            event_id=event_id,
        )

    def _encrypted(self, resource: dict, *, event_type: str, summary: str, kind: str, event_id: str | None):
        """A notification body: ``resource`` encrypted with AES-256-GCM under the APIv3
        key (associated data: its kind), the whole body signed with the platform key."""
        nonce = secrets.token_hex(6)  # 12 characters
        ciphertext = AESGCM(self.keys.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), kind.encode()
        )
        body = json.dumps(
            {
                "id": event_id or str(uuid.uuid4()),
                "create_time": "2026-12-06T20:00:01+08:00",
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": summary,
                "resource": {
                    "original_type": kind,
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": kind,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        return body.encode(), self._signed_headers(body)

    def finish_refund(self, out_refund_no: str, *, status: str = "SUCCESS"):
        """WeChat Pay ends a refund it answered PROCESSING: the money is back (SUCCESS) or
        could not go back (ABNORMAL, CLOSED). Returns the REFUND.* notification it sends to
        the refund's notify_url (``refund_notify_urls``), for the test to deliver."""
        with self.lock:
            self.refunds[out_refund_no]["status"] = status
        return self.refund_notification(out_refund_no)

    def refund_notification(
        self, out_refund_no: str, *, event_id: str | None = None, refund: int | None = None
    ):
        """A REFUND.<status> notification as WeChat Pay documents it (the resource carries
        the merchant id, not the app id)."""
        sent = dict(self.refunds[out_refund_no])
        status = sent["status"]
        resource = {
            "mchid": self.keys.mchid,
            "out_trade_no": sent["out_trade_no"],
            "transaction_id": self.orders[sent["out_trade_no"]].get("transaction_id", ""),
            "out_refund_no": out_refund_no,
            "refund_id": sent["refund_id"],
            "refund_status": status,
            "success_time": "2026-12-07T10:00:00+08:00",
            "user_received_account": "招商银行信用卡0403",
            "amount": {
                "total": sent["amount"]["total"],
                "refund": sent["amount"]["refund"] if refund is None else refund,
                "payer_total": sent["amount"]["total"],
                "payer_refund": sent["amount"]["refund"] if refund is None else refund,
            },
        }
        summary = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}[status]
        return self._encrypted(
            resource, event_type=f"REFUND.{status}", summary=summary, kind="refund", event_id=event_id
        )

    def _signed_headers(self, body: str, *, key=None, timestamp: int | None = None) -> dict:
        timestamp = int(time.time()) if timestamp is None else timestamp
        nonce = secrets.token_hex(16)
        signature = _rsa_sign(key or self.keys.platform_key, f"{timestamp}\n{nonce}\n{body}\n")
        return {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": str(timestamp),
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": self.keys.platform_serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    # --- the server ----------------------------------------------------------------------

    def _serve(self, handler, method: str, raw: str) -> None:
        parsed = urlparse(handler.path)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        body = json.loads(raw) if raw else {}
        with self.lock:
            self.requests.append({"method": method, "path": parsed.path, "query": parsed.query, "body": body})
        if not self._authorized(method, handler.path, headers.get("authorization", ""), raw):
            return self._answer(handler, 401, {"code": "SIGN_ERROR", "message": "签名错误"})
        self._with_faults(handler, parsed.path, lambda: self._route(method, parsed.path, body), self._answer)

    def _authorized(self, method: str, path: str, authorization: str, raw: str) -> bool:
        """The merchant's request signature (WECHATPAY2-SHA256-RSA2048) over
        ``method\\npath\\ntimestamp\\nnonce\\nbody\\n`` with the merchant's key."""
        scheme, _, params = authorization.partition(" ")
        fields = dict(item.split("=", 1) for item in params.split(",") if "=" in item)
        fields = {k.strip(): v.strip().strip('"') for k, v in fields.items()}
        if scheme != "WECHATPAY2-SHA256-RSA2048" or fields.get("mchid") != self.keys.mchid:
            return False
        message = f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{raw}\n"
        return _rsa_verify(self.keys.merchant_key.public_key(), message, fields.get("signature", ""))

    def _answer(self, handler, status: int, body: dict | None) -> None:
        text = json.dumps(body, ensure_ascii=False) if body is not None else ""
        if 200 <= status < 300:
            headers = self._signed_headers(text, key=self.answer_key)
        else:
            headers = {"Content-Type": "application/json"}
        self._send(handler, status, text.encode(), headers)

    def _route(self, method: str, path: str, body: dict) -> tuple[int, dict | None]:
        with self.lock:
            if method == "POST" and path in (
                "/v3/pay/transactions/native",
                "/v3/pay/transactions/h5",
                "/v3/pay/transactions/jsapi",
            ):
                trade_no = body["out_trade_no"]
                kind = {"native": "NATIVE", "h5": "MWEB", "jsapi": "JSAPI"}[path.rsplit("/", 1)[-1]]
                if kind == "JSAPI":
                    # WeChat Pay's rule: a JSAPI order names its payer, by an openid of the
                    # same app as the order (appid和openid不匹配 otherwise).
                    openid = (body.get("payer") or {}).get("openid") or ""
                    if not openid:
                        return 400, {"code": "PARAM_ERROR", "message": "缺少参数payer.openid"}
                    if body.get("appid") != self.keys.appid or openid not in self.openids:
                        return 400, {"code": "PARAM_ERROR", "message": "appid和openid不匹配"}
                existing = self.orders.get(trade_no)
                if existing and existing["amount"] != body["amount"]:
                    return 400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}
                if existing and existing["trade_state"] == "SUCCESS":
                    return 400, {"code": "ORDERPAID", "message": "该订单已支付"}
                order = existing or {
                    "out_trade_no": trade_no,
                    "mchid": body["mchid"],
                    "appid": body["appid"],
                    "amount": body["amount"],
                    "description": body["description"],
                    "notify_url": body["notify_url"],
                    "trade_type": kind,
                    "trade_state": "NOTPAY",
                    "prepay": secrets.token_hex(8),
                }
                self.orders[trade_no] = order
                if kind == "NATIVE":
                    return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={order['prepay']}"}
                if kind == "JSAPI":
                    order["payer"] = body["payer"]
                    return 200, {"prepay_id": f"wx{order['prepay']}"}
                return 200, {"h5_url": f"{self.url}/h5/{trade_no}?prepay_id={order['prepay']}"}
            if method == "GET" and path.startswith("/v3/pay/transactions/out-trade-no/"):
                order = self.orders.get(path.rsplit("/", 1)[-1])
                if order is None:
                    return 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"}
                return 200, {
                    "appid": order["appid"],
                    "mchid": order["mchid"],
                    "out_trade_no": order["out_trade_no"],
                    "transaction_id": order.get("transaction_id", ""),
                    "trade_type": order["trade_type"],
                    "trade_state": order["trade_state"],
                    "amount": {**order["amount"], "payer_total": order["amount"]["total"]},
                }
            if method == "POST" and path == "/v3/refund/domestic/refunds":
                key = body["out_refund_no"]
                if key in self.refunds:
                    return 200, self.refunds[key]
                order = self.orders.get(body.get("out_trade_no", ""))
                if order is None or order["trade_state"] not in ("SUCCESS", "REFUND"):
                    return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"}
                refunded = sum(
                    r["amount"]["refund"]
                    for r in self.refunds.values()
                    if r["out_trade_no"] == order["out_trade_no"] and r["status"] != "CLOSED"
                )
                amount = body["amount"]
                if (
                    amount["total"] != order["amount"]["total"]
                    or refunded + amount["refund"] > amount["total"]
                ):
                    return 400, {"code": "INVALID_REQUEST", "message": "退款金额错误"}
                refund = {
                    "refund_id": f"5030{secrets.randbelow(10**20):020d}",
                    "out_refund_no": key,
                    "out_trade_no": order["out_trade_no"],
                    "status": "PROCESSING",
                    "amount": {**amount, "payer_refund": amount["refund"]},
                }
                self.refunds[key] = refund
                self.refund_notify_urls[key] = body.get("notify_url") or order["notify_url"]
                order["trade_state"] = "REFUND"
                return 200, refund
            if method == "GET" and path == "/v3/certificates":
                nonce = secrets.token_hex(6)
                cipher = AESGCM(self.keys.apiv3_key.encode()).encrypt(
                    nonce.encode(), self.keys.platform_cert_pem.encode(), b"certificate"
                )
                return 200, {
                    "data": [
                        {
                            "serial_no": self.keys.platform_serial,
                            "effective_time": "2026-01-01T00:00:00+08:00",
                            "expire_time": "2027-12-31T00:00:00+08:00",
                            "encrypt_certificate": {
                                "algorithm": "AEAD_AES_256_GCM",
                                "nonce": nonce,
                                "associated_data": "certificate",
                                "ciphertext": base64.b64encode(cipher).decode(),
                            },
                        }
                    ]
                }
        return 404, {"code": "NOT_FOUND", "message": "not found"}


class FakeAlipay(_FakeServer):
    """``/gateway.do``: ``alipay.trade.page.pay`` and ``alipay.trade.wap.pay`` (the
    browser opens the signed link: the trade is made, the cashier page shown),
    ``alipay.trade.query`` and ``alipay.trade.refund``; ``pay()`` is the learner paying,
    after which Alipay posts the RSA2 signed notification."""

    def __init__(self, keys: AlipayKeys, **kwargs) -> None:
        super().__init__(**kwargs)
        self.keys = keys
        self.trades: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}

    @property
    def gateway(self) -> str:
        return f"{self.url}/gateway.do"

    @property
    def charges(self) -> list[dict]:
        return [t for t in self.trades.values() if t["trade_status"] == "TRADE_SUCCESS"]

    def open(self, url: str) -> requests.Response:
        """What the browser does with the signed link: Alipay makes the trade."""
        return requests.get(url, timeout=10)

    def pay(self, trade_no: str, *, notify: bool = True, total_amount: str | None = None):
        with self.lock:
            trade = self.trades[trade_no]
            trade.update(trade_status="TRADE_SUCCESS")
        if notify:
            body = self.notification(trade_no, total_amount=total_amount)
            response = requests.post(
                trade["notify_url"],
                data=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=10,
            )
            self.notifications.append(response)
            return response
        return None

    def notification(
        self, trade_no: str, *, total_amount: str | None = None, notify_id: str | None = None
    ) -> str:
        """Alipay's asynchronous notification: form fields, signed (RSA2) over the sorted
        ``k=v`` pairs without ``sign`` and ``sign_type``."""
        trade = self.trades[trade_no]
        fields = {
            "notify_time": "2026-12-06 20:00:01",
            "notify_type": "trade_status_sync",
            "notify_id": notify_id or secrets.token_hex(16),
            "charset": "utf-8",
            "version": "1.0",
            "app_id": self.keys.app_id,
            "trade_no": trade["trade_no"],
            "out_trade_no": trade_no,
            "trade_status": trade["trade_status"],
            "total_amount": total_amount or trade["total_amount"],
            "receipt_amount": total_amount or trade["total_amount"],
            "subject": trade["subject"],
            "gmt_payment": "2026-12-06 20:00:00",
        }
        message = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
        fields["sign"] = _rsa_sign(self.keys.alipay_key, message)
        fields["sign_type"] = "RSA2"
        return urlencode(fields)

    def _serve(self, handler, method: str, raw: str) -> None:
        parsed = urlparse(handler.path)
        params = dict(parse_qsl(parsed.query or raw, keep_blank_values=True))
        with self.lock:
            self.requests.append({"method": method, "path": parsed.path, "params": params})
        api = params.get("method", "")
        response_key = api.replace(".", "_") + "_response"
        if parsed.path != "/gateway.do" or not self._authorized(params):
            return self._answer(
                handler,
                200,
                "error_response",
                {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"},
                signed=False,
            )
        biz = json.loads(params.get("biz_content") or "{}")
        self._with_faults(
            handler,
            api,
            lambda: (200, response_key, self._route(api, params, biz)),
            self._answer,
        )

    def _authorized(self, params: dict) -> bool:
        if params.get("app_id") != self.keys.app_id or params.get("sign_type") != "RSA2":
            return False
        # Requests are signed over every parameter but ``sign`` (notifications leave out
        # ``sign_type`` too: Alipay's two documented rules differ).
        unsigned = {k: v for k, v in params.items() if k != "sign"}
        message = "&".join(f"{k}={v}" for k, v in sorted(unsigned.items()))
        return _rsa_verify(self.keys.app_key.public_key(), message, params.get("sign", ""))

    def _answer(self, handler, status: int, key: str, body, *, signed: bool = True) -> None:
        if isinstance(body, str):  # the cashier page
            return self._send(handler, status, body.encode(), {"Content-Type": "text/html; charset=utf-8"})
        inner = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        text = f'{{"{key}":{inner}'
        text += f',"sign":"{_rsa_sign(self.keys.alipay_key, inner)}"}}' if signed else "}"
        self._send(handler, status, text.encode(), {"Content-Type": "application/json; charset=utf-8"})

    def _route(self, api: str, params: dict, biz: dict):
        with self.lock:
            if api in ("alipay.trade.page.pay", "alipay.trade.wap.pay"):
                trade_no = biz["out_trade_no"]
                trade = self.trades.setdefault(
                    trade_no,
                    {
                        "out_trade_no": trade_no,
                        "trade_no": f"2026{secrets.randbelow(10**24):024d}",
                        "total_amount": biz["total_amount"],
                        "subject": biz["subject"],
                        "notify_url": params.get("notify_url", ""),
                        "return_url": params.get("return_url", ""),
                        "product_code": biz.get("product_code", ""),
                        "trade_status": "WAIT_BUYER_PAY",
                    },
                )
                amount = trade["total_amount"]
                return f"<html><body><h1>Alipay cashier (fake)</h1><p>{amount} CNY</p></body></html>"
            if api == "alipay.trade.query":
                trade = self.trades.get(biz.get("out_trade_no", ""))
                if trade is None:
                    return {
                        "code": "40004",
                        "msg": "Business Failed",
                        "sub_code": "ACQ.TRADE_NOT_EXIST",
                        "sub_msg": "交易不存在",
                    }
                return {
                    "code": "10000",
                    "msg": "Success",
                    "trade_no": trade["trade_no"],
                    "out_trade_no": trade["out_trade_no"],
                    "trade_status": trade["trade_status"],
                    "total_amount": trade["total_amount"],
                }
            if api == "alipay.trade.refund":
                key = biz.get("out_request_no") or biz.get("out_trade_no", "")
                if key in self.refunds:
                    return self.refunds[key]
                trade = self.trades.get(biz.get("out_trade_no", ""))
                if trade is None or trade["trade_status"] != "TRADE_SUCCESS":
                    return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR"}
                refunded = sum(
                    (
                        Decimal(r["refund_fee"])
                        for r in self.refunds.values()
                        if r["out_trade_no"] == trade["out_trade_no"]
                    ),
                    Decimal("0"),
                )
                if refunded + Decimal(biz["refund_amount"]) > Decimal(trade["total_amount"]):
                    return {
                        "code": "40004",
                        "msg": "Business Failed",
                        "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                    }
                refund = {
                    "code": "10000",
                    "msg": "Success",
                    "trade_no": trade["trade_no"],
                    "out_trade_no": trade["out_trade_no"],
                    "fund_change": "Y",
                    "refund_fee": biz["refund_amount"],
                }
                self.refunds[key] = refund
                return refund
        return {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"}


def query_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


class FakeWeChatOAuth(_FakeServer):
    """The official account's web authorization: ``/connect/oauth2/authorize`` (inside
    WeChat it sends the browser back at once with a one-time code; ``authorize()`` is
    that) and ``/sns/oauth2/access_token`` (the code and the app's secret for the openid,
    errors as HTTP 200 with ``errcode``, as WeChat answers them)."""

    def __init__(self, *, appid: str, secret: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.appid, self.secret = appid, secret
        self.codes: dict[str, str] = {}

    def authorize(self, url: str, *, openid: str) -> str:
        """What WeChat does with the authorization link for a user of the app: a one-time
        code for ``openid`` and the callback address with it and the state."""
        assert url.endswith("#wechat_redirect"), url
        query = query_of(url.split("#", 1)[0])
        assert (query["appid"], query["scope"], query["response_type"]) == (self.appid, "snsapi_base", "code")
        code = f"code-{len(self.codes) + 1}"
        self.codes[code] = openid
        return f"{query['redirect_uri']}?code={code}&state={query['state']}"

    def _serve(self, handler, method: str, raw: str) -> None:
        parsed = urlparse(handler.path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        with self.lock:
            self.requests.append({"method": method, "path": parsed.path, "query": query})
        self._with_faults(handler, parsed.path, lambda: self._exchange(parsed.path, query), self._answer)

    def _exchange(self, path: str, query: dict) -> tuple[int, dict]:
        if path != "/sns/oauth2/access_token":
            return 404, {"errcode": 404, "errmsg": "not found"}
        if (query.get("appid"), query.get("secret")) != (self.appid, self.secret):
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self.lock:
            openid = self.codes.pop(query.get("code", ""), None)  # a code is good once
        if openid is None or query.get("grant_type") != "authorization_code":
            return 200, {"errcode": 40029, "errmsg": "invalid code"}
        return 200, {
            "access_token": "ACCESS_TOKEN",
            "expires_in": 7200,
            "refresh_token": "REFRESH_TOKEN",
            "openid": openid,
            "scope": "snsapi_base",
        }

    def _answer(self, handler, status: int, body: dict) -> None:
        self._send(handler, status, json.dumps(body).encode(), {"Content-Type": "application/json"})
