"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signatures, order, retries
with the same event id, redelivery, automatic disabling with a notice; events emitted by
the real services; the portal and the partner API."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from campaigns.services import campaign_approve, campaign_submit
from core.outbox import outbox_drain
from partners.models import ApiKey, WebhookDelivery, WebhookEndpoint
from partners.services import api_key_issue, partner_consent_withdraw
from partners.webhooks import webhook_deliver_due, webhook_emit, webhook_endpoint_create, webhook_redeliver
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory, PartnerMemberFactory

FAST = {"WEBHOOKS_ALLOW_HTTP": True, "WEBHOOK_RETRY_BASE_SECONDS": 0, "WEBHOOK_TIMEOUT_SECONDS": 2}


class Receiver:
    """A partner's server: records every request; answers the given statuses in turn, then 200."""

    def __init__(self, statuses=()):
        self.requests, self.statuses = [], list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status == 200 else b"try later")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/zhiqiao"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(request["body"]) for request in self.requests]

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for server in made:
        server.close()


def _verify(secret: str, request: dict) -> bool:
    parts = dict(item.split("=", 1) for item in request["headers"]["Zhiqiao-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def _endpoint(partner, url, events=("campaign.status_changed", "code.redeemed", "metrics.daily_ready")):
    return webhook_endpoint_create(partner=partner, url=url, events=list(events))


@pytest.mark.django_db
@override_settings(**FAST)
def test_events_arrive_signed_in_order_and_only_those_subscribed(receiver):
    server = receiver()
    partner = PartnerFactory()
    endpoint = _endpoint(partner, server.url)
    for day in ("2026-12-01", "2026-12-02"):
        webhook_emit(partner_id=partner.pk, event="metrics.daily_ready", data={"campaign": 1, "date": day})
    webhook_emit(partner_id=partner.pk, event="order.refunded", data={"order": "x"})  # not subscribed
    webhook_emit(
        partner_id=PartnerFactory().pk, event="metrics.daily_ready", data={"campaign": 2}
    )  # another partner

    outbox_drain()
    webhook_deliver_due()

    assert [event["data"]["date"] for event in server.events()] == ["2026-12-01", "2026-12-02"]
    assert all(_verify(endpoint.secret, request) for request in server.requests)
    assert not _verify("whsec_wrong", server.requests[0])
    first = server.requests[0]["headers"]
    assert (first["Zhiqiao-Event"], first["Zhiqiao-Event-Id"]) == (
        "metrics.daily_ready",
        server.events()[0]["id"],
    )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


@pytest.mark.django_db
@override_settings(**FAST)
def test_a_failing_event_is_retried_with_the_same_id_before_the_next_is_sent(receiver):
    server = receiver(statuses=[500, 503])
    partner = PartnerFactory()
    _endpoint(partner, server.url)
    webhook_emit(partner_id=partner.pk, event="code.redeemed", data={"code": "BANK10", "order": "a"})
    webhook_emit(partner_id=partner.pk, event="code.redeemed", data={"code": "BANK10", "order": "b"})

    outbox_drain()
    webhook_deliver_due()

    ids = [request["headers"]["Zhiqiao-Event-Id"] for request in server.requests]
    orders = [event["data"]["order"] for event in server.events()]
    attempts = [request["headers"]["Zhiqiao-Delivery-Attempt"] for request in server.requests]
    assert orders == ["a", "a", "a", "b"]
    assert len(set(ids[:3])) == 1 and ids[3] != ids[0]
    assert attempts == ["1", "2", "3", "1"]
    first = WebhookDelivery.objects.order_by("id").first()
    assert (first.status, first.attempts, first.last_status_code) == ("succeeded", 3, 200)
    assert first.last_response == '{"ok": true}' and first.last_latency_ms is not None


@pytest.mark.django_db
@override_settings(**FAST)
def test_a_redelivery_carries_the_same_event_id(receiver):
    server = receiver()
    partner = PartnerFactory()
    _endpoint(partner, server.url)
    webhook_emit(
        partner_id=partner.pk, event="campaign.status_changed", data={"campaign": 3, "status": "running"}
    )
    outbox_drain()
    webhook_deliver_due()

    webhook_redeliver(delivery=WebhookDelivery.objects.get())
    webhook_deliver_due()

    assert len(server.requests) == 2
    assert (
        server.requests[0]["headers"]["Zhiqiao-Event-Id"] == server.requests[1]["headers"]["Zhiqiao-Event-Id"]
    )


@pytest.mark.django_db
@override_settings(**FAST, WEBHOOK_DISABLE_AFTER=3, WEBHOOK_RETRY_FOR_SECONDS=0)
def test_an_endpoint_that_keeps_failing_is_switched_off_and_the_owners_are_told(receiver):
    server = receiver(statuses=[500] * 10)
    partner = PartnerFactory()
    owner = PartnerMemberFactory(partner=partner, user=UserFactory(email="owner@bank.example")).user
    endpoint = _endpoint(partner, server.url)
    for n in range(4):
        webhook_emit(partner_id=partner.pk, event="code.redeemed", data={"order": str(n)})
    outbox_drain()

    webhook_deliver_due()
    outbox_drain()

    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (False, 3)
    assert len(server.requests) == 3
    assert [message.to for message in mail.outbox] == [[owner.email]]
    assert endpoint.url in mail.outbox[0].body


@pytest.mark.django_db
@override_settings(**FAST)
def test_real_flows_emit_events_without_personal_data(receiver):
    from tests.campaigns.factories import CampaignFactory

    server = receiver()
    from tests.factories import CourseFactory

    campaign = CampaignFactory(status="draft", courses=[CourseFactory()])
    partner = campaign.partner
    _endpoint(partner, server.url, events=["campaign.status_changed", "customer.consent_withdrawn"])
    learner = UserFactory(username="mei", email="mei@example.com")
    from partners.services import partner_consent_grant
    from tests.partners.factories import ConsentTextFactory

    ConsentTextFactory(is_current=True)
    partner_consent_grant(user=learner, partner=partner, language="en")

    campaign_submit(campaign=campaign)
    campaign_approve(campaign=campaign)
    partner_consent_withdraw(user=learner, partner=partner)
    outbox_drain()
    webhook_deliver_due()

    events = server.events()
    # approving a campaign whose start date has passed starts it at once
    assert [(e["type"], e["data"].get("status")) for e in events] == [
        ("campaign.status_changed", "submitted"),
        ("campaign.status_changed", "approved"),
        ("campaign.status_changed", "running"),
        ("customer.consent_withdrawn", None),
    ]
    raw = b"".join(request["body"] for request in server.requests).decode()
    assert "mei" not in raw


# --- API and portal -----------------------------------------------------------------------


@pytest.mark.django_db
def test_api_registers_endpoints_https_only_and_scoped(api_client):
    partner, other = PartnerFactory(), PartnerFactory()
    key = api_key_issue(partner=partner, name="k", scopes=[ApiKey.Scope.MANAGE_WEBHOOKS], created_by=None)[1]
    foreign = _endpoint(other, "https://other.example/hook")
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    plain = api_client.post(
        reverse("partner_api:webhook_list"), {"url": "http://x.example/h", "events": ["ping"]}, format="json"
    )
    made = api_client.post(
        reverse("partner_api:webhook_list"),
        # is_active is read-only here (the fuzzer once turned it into a 500)
        {"url": "https://bank.example/hook", "events": ["code.redeemed"], "is_active": False},
        format="json",
    )
    # a lone surrogate, escaped in the JSON text: valid JSON, text PostgreSQL cannot store
    surrogate = api_client.post(
        reverse("partner_api:webhook_list"),
        data='{"url": "https://bank.example/\\ud800", "events": ["code.redeemed"]}',
        content_type="application/json",
    )
    hidden = api_client.get(reverse("partner_api:webhook_detail", kwargs={"pk": foreign.pk}))

    assert plain.status_code == 400
    assert made.status_code == 201 and made.json()["secret"].startswith("whsec_")
    assert made.json()["is_active"] is True
    assert surrogate.status_code == 400
    assert hidden.status_code == 404
    assert [row["url"] for row in api_client.get(reverse("partner_api:webhook_list")).json()["results"]] == [
        "https://bank.example/hook"
    ]


@pytest.mark.django_db
def test_portal_owner_adds_an_endpoint_and_analysts_only_read(client):
    partner = PartnerFactory()
    owner = PartnerMemberFactory(partner=partner, user=UserFactory()).user
    analyst = PartnerMemberFactory(partner=partner, user=UserFactory(), role="analyst").user
    client.force_login(analyst)
    refused = client.post(
        reverse("portal:webhook_create"), {"url": "https://a.example/h", "events": ["code.redeemed"]}
    )
    client.force_login(owner)
    bad = client.post(
        reverse("portal:webhook_create"), {"url": "ftp://a.example", "events": ["code.redeemed"]}
    )
    made = client.post(
        reverse("portal:webhook_create"), {"url": "https://a.example/h", "events": ["code.redeemed"]}
    )

    assert refused.status_code == 403 and bad.status_code == 400
    assert made.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    page = client.get(reverse("portal:webhook_detail", kwargs={"pk": endpoint.pk})).content.decode()
    assert endpoint.secret in page
