"""Schema fuzzing of both APIs with schemathesis: every operation of /api/schema/ is called
with generated valid and invalid input, as a learner (token) and as a partner (API key), and
every answer must be below 500 and conform to the schema (status code, content type, body,
headers). A fixed seed and a bounded number of examples per operation keep it fast and the
same on every run."""

import json
from collections import Counter
from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from campaigns.models import Campaign
from courses.models import Enrollment
from partners.models import ApiKey
from partners.services import api_key_issue, partner_customers_upsert
from tests.campaigns.factories import CampaignFactory, DiscountCodeFactory
from tests.factories import CategoryFactory, CourseFactory, LessonFactory, UserFactory
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Examples per operation and mode: about 70 operations x 2 modes x this stay near a minute.
EXAMPLES = 6
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]
# Operations a fuzzer must not drive: the webhook's body is checked by a signature, and
# generated input can only ever be refused there (tested in tests/commerce).
SKIPPED = {("POST", "/api/v1/payments/webhooks/{provider}/")}


@contextmanager
def _connection_kept_open():
    # As Django's test client does: request_started/finished must not close the connection
    # that holds the test's transaction (the test client reconnects them after each call).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    category = CategoryFactory(slug="finance")
    course = CourseFactory(slug="money-basics", category=category)
    LessonFactory(section__course=course)
    CourseFactory(slug="tea-at-home", category=category)
    learner = UserFactory(username="fuzz-learner")
    token = Token.objects.create(user=learner).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # A paid order (its line has no live session) and an enrollment without a cover image.
    paid = client.post(
        "/api/v1/checkout/",
        {
            "items": [{"course": "money-basics"}],
            "currency": "USD",
            "payment": {"provider": "sandbox", "token": "tok_success"},
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="fuzz-order-1",
    )
    assert paid.status_code == 201, paid.content
    assert Enrollment.objects.filter(user=learner).count() == 1
    partner = PartnerFactory(slug="bank")
    # A draft without budget or dates, and a running campaign with a code that never expires.
    draft = CampaignFactory(
        partner=partner, status=Campaign.Status.DRAFT, starts_at=None, ends_at=None, courses=[course]
    )
    running = CampaignFactory(partner=partner, courses=[course])
    DiscountCodeFactory(campaign=running, expires_at=None)
    _key, raw_key = api_key_issue(
        partner=partner, name="fuzz", scopes=list(ApiKey.Scope.values), created_by=None
    )
    partner_customers_upsert(
        partner=partner,
        customers=[{"external_id": "h-fuzz", "interests": ["finance"], "country": "CN", "consent": True}],
    )
    # Path parameters that name existing objects, so detail operations answer more than 404.
    known = {
        "slug": "money-basics",
        "number": str(paid.json()["order"]["number"]),
        "id": draft.pk,
        "pk": draft.pk,
        "external_id": "h-fuzz",
    }
    return {"token": token, "api_key": raw_key, "known": known}


def _schema():
    raw = APIClient().get("/api/schema/", {"format": "json"}).json()
    return schemathesis.openapi.from_dict(raw)


def _describe(error) -> str:
    errors = error.exceptions if isinstance(error, FailureGroup) else [error]
    return " | ".join(f"{e.title}: {str(e)[:400]}" for e in errors)


def _fuzz(
    operation, app, headers: dict, mode: GenerationMode, statuses: Counter, path_parameters=None
) -> list[str]:
    failures: list[str] = []
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(app=app, headers=headers)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as error:
            failures.append(f"{operation.label} [{mode}] {response.status_code}: {_describe(error)}")

    run()
    return failures


@pytest.mark.parametrize(
    ("prefix", "auth"),
    [("/api/v1/", "learner"), ("/api/partner/v1/", "partner")],
)
def test_both_apis_answer_every_generated_request_without_5xx_or_schema_violation(world, prefix, auth):
    headers = {
        "Authorization": f"Token {world['token']}" if auth == "learner" else f"Api-Key {world['api_key']}"
    }
    schema = _schema()
    failures: list[str] = []
    statuses: Counter = Counter()
    tried = 0
    app = get_wsgi_application()
    with _connection_kept_open():
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith(prefix) or (operation.method.upper(), operation.path) in SKIPPED:
                continue
            tried += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures += _fuzz(operation, app, headers, mode, statuses)
            names = {p.name for p in operation.path_parameters}
            if names and names <= set(world["known"]):
                known = {name: world["known"][name] for name in names}
                failures += _fuzz(
                    operation, app, headers, GenerationMode.POSITIVE, statuses, path_parameters=known
                )

    # The numbers for the notes: pytest -s shows them.
    print(f"{prefix}: {tried} operations, {sum(statuses.values())} requests, statuses {dict(statuses)}")
    assert tried >= 8
    assert sum(statuses[code] for code in statuses if code < 300) > tried
    assert failures == [], json.dumps(failures, indent=1, ensure_ascii=False)
