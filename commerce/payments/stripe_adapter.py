"""Stripe through its official package: PaymentIntents for charges, Refunds, and
``stripe.Webhook`` for signatures (constant-time, via ``hmac.compare_digest``).

Settings: ``STRIPE_API_KEY``, ``STRIPE_WEBHOOK_SECRET`` and ``STRIPE_API_BASE`` (the API
address; tests point it at a fake HTTP server on 127.0.0.1). ``token`` is a Stripe
PaymentMethod id created by Stripe.js in the browser (``pm_...``)."""

import json
import os
import threading
import urllib.parse
import urllib.request
from decimal import Decimal

import stripe as stripe_sdk
import urllib3
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from commerce.exceptions import (
    InvalidWebhookPayload,
    InvalidWebhookSignature,
    PaymentOutcomeUnknown,
    PaymentProviderError,
)

from .base import ChargeResult, PaymentEvent, Provider, RedirectResult, RefundResult, to_minor_units

SIGNATURE_HEADER = "Stripe-Signature"
EVENT_KINDS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "failed",
    # Stripe Checkout (the browser flow): the order knows the session id.
    "checkout.session.async_payment_succeeded": "succeeded",
    "checkout.session.async_payment_failed": "failed",
    "checkout.session.expired": "failed",
}
PENDING_STATUSES = {"processing", "requires_action", "requires_confirmation", "requires_capture"}


class _PooledClient(stripe_sdk.HTTPClient):
    """Stripe's requests through one urllib3 pool per process, without ``requests`` on top.
    The pool keeps its connections alive (and their TLS sessions) for whichever thread
    charges next, as the SDK's ``RequestsClient`` did with a session per thread. requests'
    own layer (a ``PreparedRequest``, merged settings, hooks, its response object) was
    about 0.3 ms of CPU per charge: the Stripe call went from 16 to 11 % of a checkout's
    Python (README, issue 9).

    The environment is read once, when the client is made: the proxy for the API's
    address (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, unless ``NO_PROXY`` names it)
    and the certificate authorities (``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, Stripe's
    own bundle otherwise)."""

    name = "urllib3"

    def __init__(self, *, base: str, timeout: float) -> None:
        super().__init__()
        self._pool = _http_pool(base, timeout)

    def request(self, method: str, url: str, headers, post_data=None, *, _usage=None):
        try:
            response = self._pool.request(
                method, url, body=post_data, headers=dict(headers or {}), redirect=False
            )
        except urllib3.exceptions.HTTPError as exc:
            # Refused, reset, timed out or a failed TLS handshake: Stripe may have charged
            # (the caller turns this into an unknown outcome, never into a decline).
            raise stripe_sdk.APIConnectionError(
                f"Unexpected error communicating with Stripe ({type(exc).__name__}: {exc})",
                should_retry=not isinstance(exc, urllib3.exceptions.SSLError),
            ) from exc
        return response.data, response.status, response.headers

    def close(self) -> None:
        self._pool.clear()


def _http_pool(base: str, timeout: float) -> urllib3.PoolManager:
    """The pool every charge of this process goes through (``bench/checkout.py
    --transport inproc`` swaps it for the fake's in-process one)."""
    options = {
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,  # retries are ours to decide, with the same idempotency key
        "maxsize": 64,  # a connection kept for each thread of a busy worker
        "cert_reqs": "CERT_REQUIRED",
        "ca_certs": os.environ.get("REQUESTS_CA_BUNDLE")
        or os.environ.get("CURL_CA_BUNDLE")
        or stripe_sdk.ca_bundle_path,
    }
    address = urllib.parse.urlsplit(base)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(address.scheme) or proxies.get("all")
    if proxy and not urllib.request.proxy_bypass_environment(address.hostname or "", proxies):
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)


_CLIENTS: dict[tuple, stripe_sdk.StripeClient] = {}
_CLIENTS_LOCK = threading.Lock()


def _client(api_key: str, base: str, timeout: float) -> stripe_sdk.StripeClient:
    """One client per process and configuration, reused by every checkout: its pool keeps
    the connections to Stripe (and their TLS sessions) alive instead of opening one for
    every charge. Keyed by the process id too: a forked worker must not share its parent's
    sockets."""
    key = (os.getpid(), api_key, base, timeout)
    client = _CLIENTS.get(key)
    if client is None:
        with _CLIENTS_LOCK:
            client = _CLIENTS.get(key)
            if client is None:
                # Retries are ours to decide (same idempotency key, by the caller or the
                # reconciler), and a hung provider must not hold a web worker for Stripe's
                # default 80 s.
                client = stripe_sdk.StripeClient(
                    api_key,
                    base_addresses={"api": base},
                    max_network_retries=0,
                    http_client=_PooledClient(base=base, timeout=timeout),
                )
                _CLIENTS[key] = client
    return client


class StripeProvider(Provider):
    name = "stripe"
    supports_redirect = True
    saves_methods = True
    # Off-session PaymentIntents on the learner's Customer, with the method saved at the
    # first payment (``setup_future_usage=off_session``).
    charges_off_session = True

    def __init__(self) -> None:
        api_key = getattr(settings, "STRIPE_API_KEY", "")
        if not api_key:
            raise ImproperlyConfigured("STRIPE_API_KEY is required for the stripe payment provider")
        base = getattr(settings, "STRIPE_API_BASE", "") or stripe_sdk.DEFAULT_API_BASE
        timeout = float(getattr(settings, "PAYMENT_PROVIDER_TIMEOUT_SECONDS", 15.0))
        self.client = _client(api_key, base, timeout)

    @staticmethod
    def _error(exc: Exception) -> PaymentProviderError:
        """A refused request (4xx: bad key, bad parameters) charged nothing; a timeout,
        a broken connection or a 5xx may have: the outcome is unknown."""
        if isinstance(exc, stripe_sdk.APIConnectionError):
            return PaymentOutcomeUnknown()
        status = getattr(exc, "http_status", None)
        if status is None or status >= 500 or status == 429 or isinstance(exc, stripe_sdk.APIError):
            return PaymentOutcomeUnknown()
        return PaymentProviderError()

    @staticmethod
    def _intent_result(intent) -> ChargeResult:
        if intent.status == "succeeded":
            return ChargeResult(status="succeeded", reference=intent.id)
        if intent.status in PENDING_STATUSES:
            return ChargeResult(status="pending", reference=intent.id)
        return ChargeResult(status="declined", reference=intent.id, failure_code=intent.status or "")

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
        params = {
            "amount": to_minor_units(amount, currency),
            "currency": currency.lower(),
            "payment_method": token,
            "confirm": True,
            "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
            "metadata": {"order_number": order_number},
        }
        if off_session:
            # A renewal without the learner: the method saved at the first payment, on its
            # Customer. A bank that wants the learner to authenticate answers with the card
            # error ``authentication_required``, a declined order like any other.
            params.update(customer=customer, off_session=True)
        elif save_method:
            # The first payment of a membership: Stripe attaches the method to the learner's
            # Customer once the payment is confirmed, set up for charges without the learner.
            params.update(customer=customer, setup_future_usage="off_session")
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": f"charge-{idempotency_key}"}
            )
        except stripe_sdk.CardError as exc:
            body = exc.json_body if isinstance(exc.json_body, dict) else {}
            payment_intent = (body.get("error") or {}).get("payment_intent") or {}
            reference = str(payment_intent.get("id") or "") if isinstance(payment_intent, dict) else ""
            return ChargeResult(
                status="declined", reference=reference, failure_code=exc.code or "card_declined"
            )
        except stripe_sdk.StripeError as exc:
            raise self._error(exc) from exc
        return self._intent_result(intent)

    def customer_create(self, *, learner_ref: str, email: str, idempotency_key: str) -> str:
        params = {"metadata": {"learner": learner_ref}}
        if email:
            params["email"] = email
        try:
            customer = self.client.v1.customers.create(
                params=params, options={"idempotency_key": f"customer-{idempotency_key}"}
            )
        except stripe_sdk.StripeError as exc:
            raise self._error(exc) from exc
        return customer.id

    def lookup_charge(
        self, *, order_number: str, reference: str, idempotency_key: str
    ) -> ChargeResult | None:
        try:
            if reference.startswith("cs_"):
                session = self.client.v1.checkout.sessions.retrieve(reference)
                if session.payment_status in ("paid", "no_payment_required"):
                    return ChargeResult(status="succeeded", reference=reference)
                if session.status == "expired":
                    return ChargeResult(status="declined", reference=reference, failure_code="expired")
                return ChargeResult(status="pending", reference=reference)
            if reference:
                return self._intent_result(self.client.v1.payment_intents.retrieve(reference))
            # The create timed out before we learnt the id: find it by the order number
            # we put in its metadata (Stripe's search index lags by up to a minute, hence
            # COMMERCE_RECONCILE_AFTER_SECONDS).
            found = self.client.v1.payment_intents.search(
                params={"query": f"metadata['order_number']:'{order_number}'", "limit": 10}
            )
        except stripe_sdk.StripeError as exc:
            raise self._error(exc) from exc
        intents = list(found.data)
        if not intents:
            return None
        paid = [intent for intent in intents if intent.status == "succeeded"]
        return self._intent_result(paid[0] if paid else intents[0])

    def saved_method(self, *, reference: str) -> str:
        """The PaymentMethod a paid Checkout Session (``cs_...``) or PaymentIntent saved
        to its Customer: the session's intent, expanded in the same request."""
        try:
            if reference.startswith("cs_"):
                session = self.client.v1.checkout.sessions.retrieve(
                    reference, params={"expand": ["payment_intent"]}
                )
                intent = session.to_dict().get("payment_intent")
            elif reference:
                intent = self.client.v1.payment_intents.retrieve(reference).to_dict()
            else:
                return ""
        except stripe_sdk.StripeError as exc:
            raise self._error(exc) from exc
        # Only a method set up for later use on a Customer can be charged without the learner.
        if not intent or isinstance(intent, str) or intent.get("status") != "succeeded":
            return ""
        if not intent.get("customer") or intent.get("setup_future_usage") != "off_session":
            return ""
        method = intent.get("payment_method") or ""
        return method if isinstance(method, str) else str(method.get("id") or "")

    def refund(self, *, reference: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        try:
            if reference.startswith("cs_"):
                # Paid through Stripe Checkout: the money sits on the session's intent.
                reference = str(self.client.v1.checkout.sessions.retrieve(reference).payment_intent or "")
            refund = self.client.v1.refunds.create(
                params={"payment_intent": reference, "amount": to_minor_units(amount, currency)},
                options={"idempotency_key": f"refund-{idempotency_key}"},
            )
        except stripe_sdk.StripeError as exc:
            raise self._error(exc) from exc
        return RefundResult(reference=refund.id)

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
        customer: str = "",
        save_method: bool = False,
    ) -> RedirectResult:
        """A Stripe Checkout session for the whole order: the learner types the card on
        Stripe's page (no card data touches our servers) and comes back to ``success_url``.
        ``save_method``: the first payment of a renewing membership; the session belongs
        to the learner's ``customer`` and Stripe attaches the card to it, set up for the
        off-session renewals (``saved_method`` reads it back once paid)."""
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": to_minor_units(amount, currency),
                        "product_data": {"name": description[:200] or order_number},
                    },
                }
            ],
            "client_reference_id": order_number,
            "metadata": {"order_number": order_number},
            "payment_intent_data": {"metadata": {"order_number": order_number}},
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if save_method:
            params["customer"] = customer
            params["payment_intent_data"]["setup_future_usage"] = "off_session"
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"session-{idempotency_key}"}
            )
        except stripe_sdk.StripeError as exc:
            raise self._error(exc) from exc
        return RedirectResult(reference=session.id, url=session.url)

    def verify_webhook(self, *, body: bytes, headers) -> None:
        secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
        try:
            stripe_sdk.WebhookSignature.verify_header(
                body, headers.get(SIGNATURE_HEADER), secret, tolerance=300
            )
        except (stripe_sdk.SignatureVerificationError, UnicodeDecodeError):
            # The SDK decodes the body as UTF-8 before checking anything.
            raise InvalidWebhookSignature() from None

    def parse_event(self, *, body: bytes) -> PaymentEvent:
        try:
            data = json.loads(body)
            event_id, event_type = str(data["id"]), str(data["type"])
            reference = str(data["data"]["object"]["id"])
        except (ValueError, KeyError, TypeError):
            raise InvalidWebhookPayload() from None
        kind = EVENT_KINDS.get(event_type, "ignored")
        if event_type == "checkout.session.completed":
            # Card payments are paid when the session completes; slower methods say so later.
            paid = (data["data"]["object"] or {}).get("payment_status") == "paid"
            kind = "succeeded" if paid else "ignored"
        metadata = (data["data"]["object"] or {}).get("metadata") or {}
        order_number = str(metadata.get("order_number") or "") if isinstance(metadata, dict) else ""
        return PaymentEvent(
            event_id=event_id,
            kind=kind,
            reference=reference,
            event_type=event_type[:64],
            data={"order_number": order_number[:64]},
        )
