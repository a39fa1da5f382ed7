"""A fake Alibaba Cloud SMS endpoint (dysmsapi ``SendSms``) on 127.0.0.1.

Only the gateway's HTTP boundary is fake: ``accounts.sms.AliyunSmsBackend`` talks to it over
a real socket. Like the real gateway it recomputes the request signature (version 1.0,
HMAC-SHA1 with "<AccessKeySecret>&" over ``POST&%2F&<encoded sorted parameters>``), written
here from the documented algorithm, independently of our backend; it refuses a wrong
signature, an unknown AccessKeyId, a stale timestamp and a reused SignatureNonce, and
answers with the documented JSON (``Code``, ``Message``, ``RequestId``, ``BizId``).
``refuse[number] = "<Code>"`` makes it refuse messages to a number with that code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

REQUIRED = (
    "AccessKeyId",
    "Action",
    "Format",
    "PhoneNumbers",
    "RegionId",
    "SignName",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "TemplateCode",
    "TemplateParam",
    "Timestamp",
    "Version",
)


def _encode(value: str) -> str:
    """RFC 3986 by hand: unreserved characters kept, every other UTF-8 byte as %XX."""
    unreserved = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    return "".join(chr(b) if b in unreserved else f"%{b:02X}" for b in value.encode())


def documented_signature(params: dict, secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    to_sign = "&".join([method, _encode("/"), _encode(canonical)])
    return base64.b64encode(hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class FakeAliyunSms:
    def __init__(self, *, access_key_id: str, access_key_secret: str) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.requests: list[dict] = []
        self.sent: list[dict] = []  # messages the gateway took
        self.refuse: dict[str, str] = {}
        self.nonces: set[str] = set()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                status, body = fake._handle(dict(parse_qsl(raw, keep_blank_values=True)), self.path)
                payload = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> FakeAliyunSms:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _error(self, status: int, code: str, message: str) -> tuple[int, dict]:
        return status, {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}

    def _handle(self, params: dict, path: str) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(params)
        if path != "/" or any(key not in params for key in REQUIRED):
            return self._error(400, "MissingParameter", "A required parameter is missing")
        if params["AccessKeyId"] != self.access_key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        expected = documented_signature(params, self.access_key_secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            return self._error(
                400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
            )
        try:
            sent_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return self._error(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.")
        if abs((datetime.now(UTC) - sent_at).total_seconds()) > 900:
            return self._error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date header is expired."
            )
        with self.lock:
            if params["SignatureNonce"] in self.nonces:
                return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self.nonces.add(params["SignatureNonce"])
        if (params["Action"], params["Version"], params["SignatureMethod"], params["SignatureVersion"]) != (
            "SendSms",
            "2017-05-25",
            "HMAC-SHA1",
            "1.0",
        ):
            return self._error(400, "InvalidParameter", "Action, Version or signature method")
        number = params["PhoneNumbers"]
        if number in self.refuse:
            return self._error(200, self.refuse[number], "refused")
        with self.lock:
            self.sent.append(
                {
                    "number": number,
                    "sign_name": params["SignName"],
                    "template": params["TemplateCode"],
                    "params": json.loads(params["TemplateParam"]),
                }
            )
        return 200, {
            "RequestId": str(uuid.uuid4()).upper(),
            "Code": "OK",
            "Message": "OK",
            "BizId": "9006197469364984^0",
        }
