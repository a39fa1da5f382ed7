"""Partner API: recommendations for a pushed customer, from interests (cold start)."""

import pytest

from partners.models import ApiKey
from partners.services import api_key_issue, partner_customers_upsert
from recommender import reranking
from recommender.services import recommender_train
from tests.partners.factories import PartnerFactory

from .factories import planted_catalog, planted_learners

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_setup(api_client):
    planted_learners(planted_catalog(), n_users=40)
    assert recommender_train().is_active
    partner, other = PartnerFactory(), PartnerFactory()
    partner_customers_upsert(
        partner=partner,
        customers=[
            {
                "external_id": "c-1",
                "interests": ["cooking"],
                "country": "CN",
                "language": "zh-hans",
                "consent": True,
            }
        ],
    )
    _key, raw = api_key_issue(
        partner=partner, name="crm", scopes=[ApiKey.Scope.PUSH_CUSTOMERS], created_by=None
    )
    _other_key, other_raw = api_key_issue(
        partner=other, name="crm", scopes=[ApiKey.Scope.PUSH_CUSTOMERS], created_by=None
    )
    return partner, raw, other_raw


URL = "/api/partner/v1/customers/c-1/recommendations/"


def test_a_customer_gets_courses_of_their_interests(api_client, partner_setup):
    _partner, raw, _other = partner_setup

    response = api_client.get(URL, {"k": 4}, HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 4
    interest = [r for r in results if r["reason_code"] == reranking.REASON_INTEREST]
    assert interest and all(r["course"]["category"]["slug"] == "cooking" for r in interest)


def test_another_partners_customer_answers_404(api_client, partner_setup):
    _partner, _raw, other_raw = partner_setup

    response = api_client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {other_raw}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_without_a_key_the_answer_is_refused(api_client, partner_setup):
    response = api_client.get(URL)

    assert response.status_code in (401, 403)


def test_a_bad_k_answers_400(api_client, partner_setup):
    _partner, raw, _other = partner_setup

    response = api_client.get(URL, {"k": "abc"}, HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_k"


def test_the_query_count_does_not_depend_on_k(api_client, partner_setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _partner, raw, _other = partner_setup
    api_client.get(URL, {"k": 1}, HTTP_AUTHORIZATION=f"Api-Key {raw}")  # warms the key's last-used stamp

    with CaptureQueriesContext(connection) as short:
        api_client.get(URL, {"k": 1}, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    with CaptureQueriesContext(connection) as long:
        response = api_client.get(URL, {"k": 12}, HTTP_AUTHORIZATION=f"Api-Key {raw}")

    assert len(response.json()["results"]) == 12
    assert len(short.captured_queries) == len(long.captured_queries)


def _push(partner, external_id: str, interests: list[str]) -> None:
    partner_customers_upsert(
        partner=partner,
        customers=[
            {
                "external_id": external_id,
                "interests": interests,
                "country": "JP",
                "language": "ja",
                "consent": True,
            }
        ],
    )


def test_training_stores_a_list_per_consenting_customer_and_the_api_serves_it(
    api_client, django_assert_num_queries
):
    # given: three customers pushed before the nightly training, one of whom withdrew
    from partners.models import PartnerCustomer
    from partners.services import partner_customer_withdraw
    from recommender.conf import recommender_settings
    from recommender.models import CustomerRecommendation

    planted_learners(planted_catalog(), n_users=40)
    partner = PartnerFactory()
    _push(partner, "c-1", ["cooking"])
    _push(partner, "c-2", ["cooking"])
    _push(partner, "c-3", ["travel"])
    partner_customer_withdraw(partner=partner, external_id="c-3")
    _key, raw = api_key_issue(
        partner=partner, name="crm", scopes=[ApiKey.Scope.PUSH_CUSTOMERS], created_by=None
    )

    # when
    version = recommender_train()

    # then: the consenting customers have full stored lists, the withdrawn one none
    assert version.is_active, version.note
    top_n = recommender_settings().top_n
    stored = CustomerRecommendation.objects.filter(model_version=version)
    by_customer = {c.external_hash: c.pk for c in PartnerCustomer.objects.filter(partner=partner)}
    counts = {pk: stored.filter(customer_id=pk).count() for pk in by_customer.values()}
    assert sorted(counts.values()) == [0, top_n, top_n]
    assert version.metrics["stored"]["customer_recommendations"] == 2 * top_n
    first = list(stored.filter(customer__withdrawn_at__isnull=True).order_by("customer_id", "rank")[:top_n])
    assert first[0].reason_code == reranking.REASON_INTEREST

    # and the API answers from the stored list, at the same cost whatever k
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    api_client.get(URL, {"k": 1}, **headers)  # warms the key's last-used stamp
    expected = list(
        stored.filter(customer__external_hash__in=by_customer, customer__withdrawn_at__isnull=True)
        .filter(customer_id=first[0].customer_id)
        .order_by("rank")
        .values_list("course__slug", flat=True)[:5]
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as short:
        api_client.get(URL, {"k": 1}, **headers)
    with CaptureQueriesContext(connection) as long:
        response = api_client.get(URL, {"k": 5}, **headers)
    assert len(short.captured_queries) == len(long.captured_queries)
    assert [r["course"]["slug"] for r in response.json()["results"]] == expected

    # and it is really the stored list that answers, not a list computed per request
    stored.filter(customer_id=first[0].customer_id).update(reason_code=reranking.REASON_POPULAR)
    response = api_client.get(URL, {"k": 5}, **headers)
    assert {r["reason_code"] for r in response.json()["results"]} == {reranking.REASON_POPULAR}
