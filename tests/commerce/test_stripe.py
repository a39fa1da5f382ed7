"""The Stripe adapter against a fake Stripe API on 127.0.0.1: only the provider's HTTP
boundary is fake; the official package, our adapter and checkout are real."""

import hashlib
import hmac
import json
import time

import pytest
from rest_framework.test import APIClient

from commerce.exceptions import PaymentDeclined, PaymentProviderError
from commerce.models import Order, Payment
from commerce.services import order_checkout, order_refund
from tests.factories import UserFactory

from .conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


def _intent(intent_id: str, status: str) -> dict:
    return {"id": intent_id, "object": "payment_intent", "status": status, "amount": 2900, "currency": "usd"}


def _checkout(user, course, key="key-1"):
    return order_checkout(
        user=user,
        items=[{"course": course.slug}],
        currency="USD",
        payment={"provider": "stripe", "token": "pm_card_visa"},
        idempotency_key=key,
    ).order


def test_charge_sends_a_confirmed_payment_intent(fake_stripe, learner, course):
    fake_stripe.responses.append((200, _intent("pi_123", "succeeded")))

    order = _checkout(learner, course)

    assert (order.status, order.provider, order.payment_reference) == ("paid", "stripe", "pi_123")
    [request] = fake_stripe.requests
    assert request["path"] == "/v1/payment_intents"
    assert request["headers"]["authorization"] == "Bearer sk_test_123"
    # the provider's key is derived from the order, not from the client's header
    assert request["headers"]["idempotency-key"] == f"charge-order-{order.number}"
    assert request["form"] == {
        "amount": "2900",
        "currency": "usd",
        "payment_method": "pm_card_visa",
        "confirm": "true",
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never",
        "metadata[order_number]": str(order.number),
    }


def test_yen_is_sent_without_minor_units(fake_stripe, learner, course):
    fake_stripe.responses.append((200, _intent("pi_jpy", "succeeded")))
    order_checkout(
        user=learner,
        items=[{"course": course.slug}],
        currency="JPY",
        payment={"provider": "stripe", "token": "pm_card_visa"},
    )
    assert (fake_stripe.requests[0]["form"]["amount"], fake_stripe.requests[0]["form"]["currency"]) == (
        "4200",
        "jpy",
    )


def test_card_error_is_a_declined_order(fake_stripe, learner, course):
    fake_stripe.responses.append(
        (
            402,
            {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": "insufficient_funds",
                    "message": "Your card has insufficient funds.",
                    "payment_intent": _intent("pi_declined", "requires_payment_method"),
                }
            },
        )
    )
    with pytest.raises(PaymentDeclined):
        _checkout(learner, course)
    order = Order.objects.get()
    assert (order.status, order.payment_reference) == ("failed", "pi_declined")
    assert Payment.objects.get().failure_code == "card_declined"


def test_provider_outage_leaves_a_pending_order_and_no_hidden_retries(fake_stripe, learner, course):
    fake_stripe.responses.append((500, {"error": {"type": "api_error", "message": "boom"}}))
    with pytest.raises(PaymentProviderError) as exc:
        _checkout(learner, course)
    assert (exc.value.status_code, exc.value.code) == (502, "payment_outcome_unknown")
    assert Order.objects.get().status == "pending"  # settled by a retry or the reconciler
    assert len(fake_stripe.requests) == 1  # no hidden retries


def test_refund_calls_the_refunds_api(fake_stripe, learner, course):
    fake_stripe.responses.append((200, _intent("pi_123", "succeeded")))
    order = _checkout(learner, course)
    fake_stripe.responses.append(
        (200, {"id": "re_1", "object": "refund", "status": "succeeded", "amount": 900})
    )

    refund = order_refund(order=order, amount="9.00", reason="late", staff_user=UserFactory(username="s"))

    assert refund.provider_reference == "re_1"
    request = fake_stripe.requests[-1]
    assert request["path"] == "/v1/refunds"
    assert request["form"] == {"payment_intent": "pi_123", "amount": "900"}
    assert request["headers"]["idempotency-key"] == f"refund-{order.number}-refund-{refund.pk}"


def test_refund_failure_at_stripe_rolls_the_refund_back(fake_stripe, learner, course):
    fake_stripe.responses.append((200, _intent("pi_123", "succeeded")))
    order = _checkout(learner, course)
    fake_stripe.responses.append(
        (400, {"error": {"type": "invalid_request_error", "message": "charge refunded"}})
    )
    with pytest.raises(PaymentProviderError):
        order_refund(order=order, amount="9.00", reason="late", staff_user=None)
    order.refresh_from_db()
    assert (order.status, str(order.amount_refunded)) == ("paid", "0.00")


def _stripe_signature(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Stripe's documented scheme, computed here by hand: v1 = HMAC-SHA256(secret, "t.payload")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def test_signed_stripe_webhook_pays_a_processing_order(fake_stripe, learner, course):
    fake_stripe.responses.append((200, _intent("pi_later", "processing")))
    order = _checkout(learner, course)
    assert order.status == "pending"
    payload = json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {"object": _intent("pi_later", "succeeded")},
        }
    )

    forged = APIClient().post(
        "/api/v1/payments/webhooks/stripe/",
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": _stripe_signature(payload, secret="whsec_wrong")},
    )
    stale = APIClient().post(
        "/api/v1/payments/webhooks/stripe/",
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": _stripe_signature(payload, timestamp=int(time.time()) - 3600)},
    )
    good = APIClient().post(
        "/api/v1/payments/webhooks/stripe/",
        payload,
        content_type="application/json",
        headers={"Stripe-Signature": _stripe_signature(payload)},
    )

    assert (forged.status_code, forged.json()["code"]) == (400, "invalid_signature")
    assert (stale.status_code, stale.json()["code"]) == (400, "invalid_signature")
    assert good.json() == {"received": True, "duplicate": False, "outcome": "paid"}
    order.refresh_from_db()
    assert order.status == "paid"


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
def test_proxy_settings_are_honored_and_read_once_per_session(fake_stripe, course, monkeypatch, variable):
    """The adapter reads the proxy settings once, when its client is made (requests read
    them on every charge, ~1 ms of CPU each), and still honors them."""
    from commerce.payments import stripe_adapter

    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    nothing_listens = "http://127.0.0.1:9"

    # A client made while a proxy is set goes through it (here: nothing, so no charge).
    monkeypatch.setattr(stripe_adapter, "_CLIENTS", {})
    monkeypatch.setenv(variable, nothing_listens)
    with pytest.raises(PaymentProviderError) as exc:
        _checkout(UserFactory(), course)
    assert exc.value.code == "payment_outcome_unknown"
    assert fake_stripe.requests == []

    # A client made without one keeps going straight, whatever is set later.
    monkeypatch.setattr(stripe_adapter, "_CLIENTS", {})
    monkeypatch.delenv(variable)
    fake_stripe.responses.extend([(200, _intent("pi_a", "succeeded")), (200, _intent("pi_b", "succeeded"))])
    assert _checkout(UserFactory(), course).status == "paid"
    monkeypatch.setenv(variable, nothing_listens)
    assert _checkout(UserFactory(), course).status == "paid"
    assert len(fake_stripe.requests) == 2


def test_the_in_process_transport_answers_as_the_server_does(fake_stripe, learner, course, monkeypatch):
    """``bench/checkout.py --transport inproc``: the same fake, reached without a socket."""
    from commerce.payments import stripe_adapter

    monkeypatch.setattr(stripe_adapter, "_CLIENTS", {})
    monkeypatch.setattr(stripe_adapter, "_http_pool", lambda base, timeout: fake_stripe.in_process_pool())
    fake_stripe.stop()  # nothing listens any more: an answer can only come in-process

    order = _checkout(learner, course, key="in-process")
    again = _checkout(learner, course, key="in-process")

    assert order.status == Order.Status.PAID and again.pk == order.pk
    assert [charge["amount"] for charge in fake_stripe.charges] == [2900]
    assert Payment.objects.get(order=order).reference == fake_stripe.charges[0]["id"]


def test_the_http_pool_reads_the_proxy_and_certificates_from_the_environment(monkeypatch):
    import stripe
    import urllib3

    from commerce.payments.stripe_adapter import _http_pool

    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    plain = _http_pool("https://api.stripe.com", 5.0)
    assert not isinstance(plain, urllib3.ProxyManager)
    assert plain.connection_pool_kw["ca_certs"] == stripe.ca_bundle_path

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/inspecting-proxy.pem")
    proxied = _http_pool("https://api.stripe.com", 5.0)
    assert isinstance(proxied, urllib3.ProxyManager)
    assert proxied.proxy.host == "proxy.internal"
    assert proxied.connection_pool_kw["ca_certs"] == "/etc/ssl/inspecting-proxy.pem"

    monkeypatch.setenv("NO_PROXY", "api.stripe.com")
    assert not isinstance(_http_pool("https://api.stripe.com", 5.0), urllib3.ProxyManager)
