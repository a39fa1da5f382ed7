"""Reads that may lag go to the read replica, everything else to the primary.

The ``replica`` alias of the test settings mirrors the test database (Django's TEST
MIRROR), so both aliases see the same committed rows through separate connections and a
test can tell, query by query, where the router sent each read.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from campaigns.analytics.metrics import campaign_metrics_compute
from campaigns.models import CampaignDailyMetric
from commerce.models import Order
from core.db_routers import read_alias, replica_reads
from partners.models import ApiKey
from partners.services import api_key_issue
from tests.analytics import dataset
from tests.analytics.dataset import D

METRICS_TABLE = CampaignDailyMetric._meta.db_table
KEYS_TABLE = ApiKey._meta.db_table


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True


def test_router_sends_only_lag_tolerant_reads_inside_the_context_to_the_replica(replica_on):
    user_model = get_user_model()
    assert router.db_for_read(CampaignDailyMetric) == "default"
    assert read_alias() == "default"
    with replica_reads():
        assert router.db_for_read(CampaignDailyMetric) == "replica"
        assert router.db_for_read(Order) == "replica"
        assert read_alias() == "replica"
        # who the caller is comes from the primary: a key or a session just made is there
        assert router.db_for_read(ApiKey) == "default"
        assert router.db_for_read(user_model) == "default"
        # writes and migrations never touch the replica
        assert router.db_for_write(CampaignDailyMetric) == "default"
        assert router.allow_migrate("replica", "campaigns") is False
        assert router.allow_migrate("default", "campaigns") is True
    assert router.db_for_read(CampaignDailyMetric) == "default"


def test_without_a_replica_everything_reads_the_primary(settings):
    settings.DATABASE_REPLICA_READS = False
    with replica_reads():
        assert router.db_for_read(CampaignDailyMetric) == "default"
        assert read_alias() == "default"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_partner_metrics_are_read_from_the_replica_and_the_key_from_the_primary(replica_on):
    # given the nightly rows of a day, committed, and a partner key
    data = dataset.build()
    campaign_metrics_compute(day=D)
    _key, raw = api_key_issue(
        partner=data.campaign.partner, name="replica", scopes=[ApiKey.Scope.READ_METRICS], created_by=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    url = f"/api/partner/v1/campaigns/{data.campaign.pk}/metrics/?from={D}&to={D}"

    # when the partner reads the metrics
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = client.get(url)

    # then the figures come from the replica, the key check from the primary
    assert response.status_code == 200, response.content
    assert response.json()["rows"]
    assert any(METRICS_TABLE in q["sql"] for q in replica.captured_queries)
    assert not any(METRICS_TABLE in q["sql"] for q in primary.captured_queries)
    assert any(KEYS_TABLE in q["sql"] for q in primary.captured_queries)
    assert not any(KEYS_TABLE in q["sql"] for q in replica.captured_queries)

    # and a path that must not lag (the campaign list) reads only the primary
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get("/api/partner/v1/campaigns/").status_code in (200, 403)
    assert replica.captured_queries == []
