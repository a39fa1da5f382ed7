import pytest

from partners.api.auth import ApiKeyRateThrottle
from partners.models import PartnerCustomer
from partners.services import api_key_revoke, partner_customers_upsert
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/partner/v1/customers/"


def detail_url(external_id: str) -> str:
    return f"/api/partner/v1/customers/{external_id}/"


def push_body(*ids, consent=True):
    return {
        "customers": [
            {
                "external_id": i,
                "interests": ["finance"],
                "country": "ES",
                "language": "es",
                "consent": consent,
            }
            for i in ids
        ]
    }


@pytest.fixture(autouse=True)
def finance(db):
    return CategoryFactory(slug="finance")


@pytest.fixture
def a_customers(partner_a):
    partner_customers_upsert(
        partner=partner_a,
        customers=[{"external_id": "a-1", "interests": ["finance"], "consent": True}],
    )


def snapshot():
    return sorted(
        PartnerCustomer.objects.values_list("partner_id", "external_hash", "withdrawn_at", "interests")
    )


@pytest.fixture
def caller(request, api_client, issue_key, partner_a, partner_b, learner_token, staff_token, client, learner):
    """Sets the credentials of one caller kind on the API client."""
    kind = request.param
    if kind == "key_a":
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issue_key(partner_a)[1]}")
    elif kind == "key_a_revoked":
        api_key, raw = issue_key(partner_a)
        api_key_revoke(api_key=api_key)
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    elif kind == "key_a_without_scope":
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issue_key(partner_a, ['metrics:read'])[1]}")
    elif kind == "key_b":
        api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issue_key(partner_b)[1]}")
    elif kind == "learner_token":
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {learner_token}")
    elif kind == "learner_session":
        api_client.force_login(learner)
    elif kind == "staff_token":
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    elif kind == "bad_key":
        api_client.credentials(HTTP_AUTHORIZATION="Api-Key zq_not-a-key")
    return api_client


REFUSED = [
    ("anonymous", 401),
    ("bad_key", 401),
    ("key_a_revoked", 401),
    ("learner_token", 401),
    ("learner_session", 401),
    ("staff_token", 401),
    ("key_a_without_scope", 403),
]


@pytest.mark.parametrize(("caller", "status"), REFUSED, indirect=["caller"])
def test_refused_push_changes_nothing(caller, status, a_customers):
    before = snapshot()
    response = caller.post(LIST_URL, push_body("new-1", "a-1"), format="json")
    assert response.status_code == status
    assert set(response.json()) == {"code", "detail"}
    assert snapshot() == before


@pytest.mark.parametrize(("caller", "status"), REFUSED, indirect=["caller"])
def test_refused_list(caller, status, a_customers):
    response = caller.get(LIST_URL)
    assert response.status_code == status
    assert "results" not in response.json()


@pytest.mark.parametrize(("caller", "status"), REFUSED, indirect=["caller"])
def test_refused_withdraw_changes_nothing(caller, status, a_customers):
    before = snapshot()
    assert caller.delete(detail_url("a-1")).status_code == status
    assert snapshot() == before


@pytest.mark.parametrize("caller", ["key_b"], indirect=True)
def test_key_of_another_partner_sees_and_changes_nothing_of_a(caller, partner_a, a_customers):
    before = snapshot()
    # reading: only B's customers (none)
    listing = caller.get(LIST_URL)
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    # withdrawing A's customer by its id: 404
    response = caller.delete(detail_url("a-1"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert snapshot() == before
    # pushing the same id creates B's own customer, never touches A's
    assert caller.post(LIST_URL, push_body("a-1"), format="json").status_code == 200
    assert PartnerCustomer.objects.filter(partner=partner_a).count() == 1
    assert PartnerCustomer.objects.count() == 2


@pytest.mark.parametrize("caller", ["key_a"], indirect=True)
def test_push_list_withdraw_with_the_partner_key(caller, partner_a):
    # push twice: idempotent
    first = caller.post(LIST_URL, push_body("c1", "c2"), format="json")
    again = caller.post(LIST_URL, push_body("c1", "c2"), format="json")
    assert first.status_code == again.status_code == 200
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    # list
    listing = caller.get(LIST_URL).json()
    assert listing["count"] == 2
    assert set(listing["results"][0]) == {
        "customer_hash",
        "interests",
        "country",
        "language",
        "consent_at",
        "updated_at",
    }
    # withdraw one: it leaves the list
    assert caller.delete(detail_url("c1")).status_code == 204
    assert caller.get(LIST_URL).json()["count"] == 1
    assert caller.delete(detail_url("c1")).status_code == 404
    # pushing it again with consent brings it back
    assert caller.post(LIST_URL, push_body("c1"), format="json").json() == {
        "created": 0,
        "updated": 1,
        "unchanged": 0,
    }
    assert caller.get(LIST_URL).json()["count"] == 2


@pytest.mark.parametrize("caller", ["key_a"], indirect=True)
@pytest.mark.parametrize(
    ("body", "code"),
    [
        (push_body("c1", consent=False), "consent_required"),
        ({"customers": [{"external_id": "c1", "interests": ["finance"]}]}, "consent_required"),
        (push_body("jane@example.com"), "raw_contact_data"),
        (push_body("+34 612 345 678"), "raw_contact_data"),
        ({"customers": [{"external_id": "c1", "interests": ["nope"], "consent": True}]}, "unknown_interest"),
        ({"customers": []}, "invalid"),
        ({"customers": "c1"}, "invalid"),
        ({}, "invalid"),
        ({"customers": [{"interests": ["finance"], "consent": True}]}, "invalid"),
        ({"customers": [{"external_id": "c1", "interests": [1, {"a": 2}], "consent": True}]}, "invalid"),
        ({"customers": [{"external_id": "c1", "consent": "maybe"}]}, "invalid"),
    ],
)
def test_bad_pushes_answer_400_with_a_code_and_store_nothing(caller, body, code):
    response = caller.post(LIST_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert PartnerCustomer.objects.count() == 0


@pytest.mark.parametrize("caller", ["key_a"], indirect=True)
def test_rejected_batch_lists_errors_per_entry(caller):
    response = caller.post(
        LIST_URL,
        {"customers": [{"external_id": "ok", "consent": True}, {"external_id": "x", "consent": False}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 1,
            "code": "consent_required",
            "detail": "A customer can be pushed only with consent: true.",
        }
    ]


@pytest.mark.parametrize("caller", ["key_a"], indirect=True)
def test_malformed_json_is_400_not_500(caller):
    response = caller.generic("POST", LIST_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("caller", ["key_a"], indirect=True)
def test_error_detail_follows_accept_language(caller):
    response = caller.post(LIST_URL, push_body("c1", consent=False), format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    assert response["Content-Language"] == "es"


def test_throttle_is_per_key(api_client, monkeypatch, partner_a, partner_b, issue_key):
    # given: a tiny rate
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"partner_api": "3/min"})
    key_1 = issue_key(partner_a)[1]
    key_2 = issue_key(partner_a, name="second")[1]
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key_1}")
    statuses = [api_client.get(LIST_URL).status_code for _ in range(4)]
    # then: the fourth call of key 1 is throttled, another key of the same partner is not
    assert statuses == [200, 200, 200, 429]
    assert api_client.get(LIST_URL).json()["code"] == "throttled"
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key_2}")
    assert api_client.get(LIST_URL).status_code == 200


@pytest.mark.parametrize("size", [5, 30])
def test_list_costs_a_fixed_number_of_queries(
    api_client, partner_a, issue_key, django_assert_num_queries, size
):
    partner_customers_upsert(
        partner=partner_a, customers=[{"external_id": f"c{i}", "consent": True} for i in range(size)]
    )
    _api_key, raw = issue_key(partner_a)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    api_client.get(LIST_URL)  # the first use writes last_used_at
    # key lookup, count, page
    with django_assert_num_queries(3):
        response = api_client.get(LIST_URL, {"page_size": 100})
    assert response.json()["count"] == size
    assert len(response.json()["results"]) == size


def test_schema_documents_the_api_key_scheme_and_customer_calls(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["PartnerApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schema["components"]["securitySchemes"]["PartnerApiKey"]["description"],
    }
    operation = schema["paths"]["/api/partner/v1/customers/"]["post"]
    assert operation["security"] == [{"PartnerApiKey": []}]
    assert "CustomerPush" in operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
