"""A fake Stripe API on 127.0.0.1 with state and injectable faults.

Only the provider's HTTP boundary is fake: the official ``stripe`` package, our adapter and
checkout talk to it over real sockets. Like Stripe, a POST repeated with the same
``Idempotency-Key`` returns the first answer and charges nothing again, so tests can count
charges exactly. Used by the tests and by ``bench/checkout.py`` (``delay``).

Faults (``fake.faults``, consumed one per matching request, by path prefix):
- ``timeout_before``: hang past the client's timeout and charge nothing;
- ``timeout_after``: charge, then hang past the client's timeout;
- ``error_500``: answer 500 without charging; ``error_500_after``: charge, then answer 500.
``fake.responses`` (scripted ``(status, body)`` answers, consumed first) is kept for tests
that check exact request shapes."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from urllib3 import HTTPHeaderDict

DECLINING_METHODS = {"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"}
PROCESSING_METHODS = {"pm_processing"}


class FakeStripe:
    def __init__(self, *, delay: float = 0.0, hang: float = 3.0, port: int = 0) -> None:
        self.delay = delay  # seconds every answer takes (a slow provider)
        self.hang = hang  # how long a "timeout" fault hangs
        self.requests: list[dict] = []
        self.responses: list[tuple[int, dict]] = []
        self.faults: list[tuple[str, str]] = []  # (path prefix, fault)
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        # PaymentMethod id -> the Customer it is attached to (by setup_future_usage).
        self.attached: dict[str, str] = {}
        # PaymentMethod id -> the card error its next off-session charges get
        # ("authentication_required", "card_declined"): the bank's answer without the learner.
        self.off_session_errors: dict[str, str] = {}
        self.idempotent: dict[str, tuple[int, dict]] = {}
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body leave in two writes: with Nagle's algorithm the body
            # waited for the client's delayed ACK of the headers on a kept-alive connection,
            # 40 ms per charge (Stripe's servers answer at once).
            disable_nagle_algorithm = True

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                fake._serve(self, "POST", raw)

            def do_GET(self):
                fake._serve(self, "GET", "")

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            # socketserver's listen backlog is 5: at 32 concurrent checkouts the connections
            # opened at once overflowed it, and each dropped SYN cost its checkout a 1 s
            # retransmit (the p95 of bench/checkout.py). A real provider's backlog is large.
            request_queue_size = 128

        # port 0: any free port (the tests); a bench on a shared machine names one of its own.
        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeStripe:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests look at ----------------------------------------------------------------

    @property
    def charges(self) -> list[dict]:
        """Payment intents that took money."""
        return [i for i in self.intents.values() if i["status"] == "succeeded"]

    @property
    def charged_refunds(self) -> list[dict]:
        return list(self.refunds.values())

    def complete_session(self, session_id: str, *, paid: bool = True, card: str = "") -> dict:
        """What the learner does on Stripe's page: pay with a card (a new PaymentMethod,
        or ``card``), or let the session expire. A session set up for future use attaches
        the card to its Customer, as Stripe does once the payment is confirmed."""
        with self.lock:
            session = self.sessions[session_id]
            if paid:
                method = card or f"pm_{uuid.uuid4().hex[:16]}"
                intent = self._new_intent(
                    amount=session["amount_total"],
                    currency=session["currency"],
                    status="succeeded",
                    metadata=session["metadata"],
                )
                usage = session["setup_future_usage"]
                intent.update(customer=session["customer"], payment_method=method, setup_future_usage=usage)
                if usage:
                    self.attached[method] = session["customer"]
                session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
            else:
                session.update(status="expired")
            return dict(session)

    # --- the server --------------------------------------------------------------------

    def _fault_for(self, path: str) -> str:
        with self.lock:
            for index, (prefix, fault) in enumerate(self.faults):
                if path.startswith(prefix):
                    del self.faults[index]
                    return fault
        return ""

    def _serve(self, handler, method: str, raw: str) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        self._reply(handler, *self.answer(method, handler.path, raw, headers))

    def answer(self, method: str, target: str, raw: str, headers: dict[str, str]) -> tuple[int, dict]:
        """The answer to one request (``target``: path and query; ``headers`` lower-cased),
        after ``delay`` and any fault, as the server sends it."""
        parsed = urlparse(target)
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        with self.lock:
            self.requests.append(
                {"method": method, "path": parsed.path, "headers": headers, "form": form, "query": query}
            )
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            scripted = self.responses.pop(0) if self.responses else None
        if scripted is not None:
            return scripted
        fault = self._fault_for(parsed.path) if method == "POST" else ""
        if fault == "timeout_before":
            time.sleep(self.hang)
            return 504, {"error": {"type": "api_error", "message": "timeout"}}
        if fault == "error_500":
            return 500, {"error": {"type": "api_error", "message": "boom"}}
        key = headers.get("idempotency-key", "")
        if method == "POST" and key:
            with self.lock:
                if key in self.idempotent:
                    return self.idempotent[key]
        status, body = self._route(method, parsed.path, form, query)
        if method == "POST" and key and status < 500:
            with self.lock:
                self.idempotent[key] = (status, body)
        if fault == "timeout_after":
            time.sleep(self.hang)
        if fault == "error_500_after":
            return 500, {"error": {"type": "api_error", "message": "boom"}}
        return status, body

    def _reply(self, handler, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.send_header("Request-Id", f"req_{uuid.uuid4().hex[:12]}")
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client gave up (a timeout fault): nothing to answer to

    def in_process_pool(self) -> _InProcessPool:
        """A stand-in for the Stripe adapter's urllib3 pool that answers in this process,
        with no socket: an instant provider with no server of its own on this machine
        (``bench/checkout.py --transport inproc``; the provider of a real sale runs on
        another machine). The SDK's work stays; urllib3's is replaced by the fake's answer,
        computed in the calling thread. Return it from ``stripe_adapter._http_pool``."""
        return _InProcessPool(self)

    def _new_intent(self, *, amount: int, currency: str, status: str, metadata: dict) -> dict:
        intent = {
            "id": f"pi_{uuid.uuid4().hex[:16]}",
            "object": "payment_intent",
            "amount": amount,
            "currency": currency,
            "status": status,
            "metadata": metadata,
        }
        self.intents[intent["id"]] = intent
        return intent

    def _refuse_saved_method_use(self, form: dict) -> str:
        """What Stripe refuses about customers and saved methods (its error message), or "".
        An off-session charge needs ``confirm``, a Customer and a method attached to that
        Customer (a bare PaymentMethod is single-use); saving needs a Customer."""
        method_id, customer = form.get("payment_method", ""), form.get("customer", "")
        if customer and customer not in self.customers:
            return f"No such customer: '{customer}'"
        if form.get("setup_future_usage") and not customer:
            return "setup_future_usage requires a customer to attach the PaymentMethod to"
        if form.get("off_session") == "true":
            if form.get("confirm") != "true":
                return "off_session can only be used with confirm=true"
            if not customer or not method_id:
                return "An off-session payment needs a customer and a payment_method"
            if self.attached.get(method_id) != customer:
                return (
                    "The provided PaymentMethod was previously used without being attached to a "
                    "Customer or was detached from a Customer, and may not be used again."
                )
        return ""

    def _route(self, method: str, path: str, form: dict, query: dict) -> tuple[int, dict]:
        metadata = {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}
        with self.lock:
            if method == "POST" and path == "/v1/customers":
                customer = {
                    "id": f"cus_{uuid.uuid4().hex[:14]}",
                    "object": "customer",
                    "email": form.get("email"),
                    "metadata": metadata,
                }
                self.customers[customer["id"]] = customer
                return 200, customer
            if method == "POST" and path == "/v1/payment_intents":
                method_id = form.get("payment_method", "")
                refused = self._refuse_saved_method_use(form)
                if refused:
                    return 400, {"error": {"type": "invalid_request_error", "message": refused}}
                if form.get("off_session") == "true" and method_id in self.off_session_errors:
                    code = self.off_session_errors[method_id]
                    intent = self._new_intent(
                        amount=int(form["amount"]),
                        currency=form["currency"],
                        status="requires_payment_method" if code == "card_declined" else "requires_action",
                        metadata=metadata,
                    )
                    return 402, {
                        "error": {
                            "type": "card_error",
                            "code": code,
                            "message": "The card was declined."
                            if code == "card_declined"
                            else "Authenticate.",
                            "payment_intent": intent,
                        }
                    }
                if method_id in DECLINING_METHODS:
                    intent = self._new_intent(
                        amount=int(form["amount"]),
                        currency=form["currency"],
                        status="requires_payment_method",
                        metadata=metadata,
                    )
                    return 402, {
                        "error": {
                            "type": "card_error",
                            "code": "card_declined",
                            "message": "Your card was declined.",
                            "payment_intent": intent,
                        }
                    }
                status = "processing" if method_id in PROCESSING_METHODS else "succeeded"
                intent = self._new_intent(
                    amount=int(form["amount"]), currency=form["currency"], status=status, metadata=metadata
                )
                intent.update(customer=form.get("customer"), payment_method=method_id)
                if form.get("setup_future_usage") == "off_session":
                    # Confirmed with a Customer: Stripe attaches the method to it.
                    self.attached[method_id] = form["customer"]
                return 200, intent
            if method == "GET" and path == "/v1/payment_intents/search":
                # Only the query our adapter sends: metadata['order_number']:'<number>'
                wanted = query.get("query", "").split(":", 1)[-1].strip("'\"")
                found = [i for i in self.intents.values() if i["metadata"].get("order_number") == wanted]
                return 200, {"object": "search_result", "data": found, "has_more": False, "url": path}
            if method == "GET" and path.startswith("/v1/payment_intents/"):
                intent = self.intents.get(path.rsplit("/", 1)[-1])
                return (200, intent) if intent else (404, _missing())
            if method == "POST" and path == "/v1/refunds":
                intent = self.intents.get(form.get("payment_intent", ""))
                if intent is None or intent["status"] != "succeeded":
                    return 400, {"error": {"type": "invalid_request_error", "message": "no such charge"}}
                refunded = sum(
                    r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
                )
                amount = int(form.get("amount") or intent["amount"] - refunded)
                if refunded + amount > intent["amount"]:
                    return 400, {
                        "error": {"type": "invalid_request_error", "message": "refund exceeds charge"}
                    }
                refund = {
                    "id": f"re_{uuid.uuid4().hex[:16]}",
                    "object": "refund",
                    "status": "succeeded",
                    "amount": amount,
                    "payment_intent": intent["id"],
                }
                self.refunds[refund["id"]] = refund
                return 200, refund
            if method == "POST" and path == "/v1/checkout/sessions":
                customer = form.get("customer", "")
                usage = form.get("payment_intent_data[setup_future_usage]", "")
                refused = ""
                if customer and customer not in self.customers:
                    refused = f"No such customer: '{customer}'"
                elif usage and not customer:
                    # Stripe would make a guest Customer we never learn of: we refuse, so
                    # the renewals always charge the learner's own Customer.
                    refused = "setup_future_usage requires a customer to attach the PaymentMethod to"
                elif usage and usage not in ("off_session", "on_session"):
                    refused = f"Invalid payment_intent_data[setup_future_usage]: {usage}"
                if refused:
                    return 400, {"error": {"type": "invalid_request_error", "message": refused}}
                session_id = f"cs_test_{uuid.uuid4().hex[:16]}"
                session = {
                    "id": session_id,
                    "object": "checkout.session",
                    "url": f"{self.url}/pay/{session_id}",
                    "status": "open",
                    "payment_status": "unpaid",
                    "payment_intent": None,
                    "amount_total": int(form.get("line_items[0][price_data][unit_amount]") or 0),
                    "currency": form.get("line_items[0][price_data][currency]", ""),
                    "client_reference_id": form.get("client_reference_id", ""),
                    "success_url": form.get("success_url", ""),
                    "cancel_url": form.get("cancel_url", ""),
                    "metadata": metadata,
                    "customer": customer or None,
                    "setup_future_usage": usage or None,
                }
                self.sessions[session_id] = session
                return 200, session
            if method == "GET" and path.startswith("/v1/checkout/sessions/"):
                session = self.sessions.get(path.rsplit("/", 1)[-1])
                if session is None:
                    return 404, _missing()
                expand = {v for k, v in query.items() if k.startswith("expand")}
                if expand - {"payment_intent"}:
                    return 400, {"error": {"type": "invalid_request_error", "message": "cannot expand"}}
                if "payment_intent" in expand and session["payment_intent"]:
                    return 200, {**session, "payment_intent": self.intents[session["payment_intent"]]}
                return 200, session
        return 404, _missing()


def _missing() -> dict:
    return {
        "error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such object"}
    }


class _InProcessPool:
    """What ``_PooledClient`` asks of a urllib3 pool: ``request`` and ``clear``."""

    def __init__(self, fake: FakeStripe) -> None:
        self.fake = fake

    def request(self, method: str, url: str, body=None, headers=None, **_options) -> _InProcessResponse:
        parsed = urlparse(url)
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        body = body or ""
        status, answer = self.fake.answer(
            method.upper(),  # as urllib3 sends it (the SDK names it in lower case)
            target,
            body.decode() if isinstance(body, bytes) else body,
            {key.lower(): value for key, value in (headers or {}).items()},
        )
        return _InProcessResponse(
            data=json.dumps(answer).encode(),
            status=status,
            headers=HTTPHeaderDict(
                {"Content-Type": "application/json", "Request-Id": f"req_{uuid.uuid4().hex[:12]}"}
            ),
        )

    def clear(self) -> None:
        pass


@dataclass
class _InProcessResponse:
    data: bytes
    status: int
    headers: HTTPHeaderDict
