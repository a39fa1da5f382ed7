import hashlib

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from partners.models import ApiKey, Partner
from partners.services import api_key_issue, api_key_revoke

pytestmark = pytest.mark.django_db

CUSTOMERS_URL = "/api/partner/v1/customers/"


def test_issue_returns_raw_key_once_and_stores_only_its_hash(partner_a, owner):
    # when
    api_key, raw_key = api_key_issue(
        partner=partner_a, name="CRM sync", scopes=["customers:write"], created_by=owner
    )
    # then
    assert raw_key.startswith("zq_")
    assert len(raw_key) == 3 + 43
    assert api_key.prefix == raw_key[:11]
    assert api_key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert api_key.scopes == ["customers:write"]
    assert api_key.created_by == owner


def test_raw_key_appears_in_no_column_of_the_stored_row(partner_a):
    # given
    api_key, raw_key = api_key_issue(partner=partner_a, name="k", scopes=["metrics:read"], created_by=None)
    # when: every column of the row, read straight from the database
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiKey._meta.db_table} WHERE id = %s", [api_key.pk])
        row = cursor.fetchone()
    # then
    secret_part = raw_key[11:]
    assert all(secret_part not in str(value) for value in row)
    assert all(raw_key not in str(value) for value in row)


def test_two_keys_differ(partner_a):
    _k1, raw1 = api_key_issue(partner=partner_a, name="a", scopes=["metrics:read"], created_by=None)
    _k2, raw2 = api_key_issue(partner=partner_a, name="b", scopes=["metrics:read"], created_by=None)
    assert raw1 != raw2


@pytest.mark.parametrize("scopes", [[], ["admin:all"], ["customers:write", "nope"]])
def test_issue_rejects_unknown_or_missing_scopes(partner_a, scopes):
    with pytest.raises(ApplicationError) as excinfo:
        api_key_issue(partner=partner_a, name="k", scopes=scopes, created_by=None)
    assert excinfo.value.code == "invalid_scope"
    assert ApiKey.objects.count() == 0


def test_issue_requires_a_name(partner_a):
    with pytest.raises(ApplicationError) as excinfo:
        api_key_issue(partner=partner_a, name="  ", scopes=["metrics:read"], created_by=None)
    assert excinfo.value.code == "invalid_name"


def test_revoked_key_gets_401_at_once(api_client, partner_a, issue_key):
    # given: a key that works
    api_key, raw_key = issue_key(partner_a)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert api_client.get(CUSTOMERS_URL).status_code == 200
    # when
    api_key_revoke(api_key=api_key)
    response = api_client.get(CUSTOMERS_URL)
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


@pytest.mark.parametrize("status", [Partner.Status.PAUSED, Partner.Status.ARCHIVED])
def test_keys_of_a_partner_that_is_not_active_get_401(api_client, partner_a, issue_key, status):
    # given: a working key of a partner that staff then pause or archive
    _api_key, raw_key = issue_key(partner_a)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert api_client.get(CUSTOMERS_URL).status_code == 200
    Partner.objects.filter(pk=partner_a.pk).update(status=status)
    # when
    response = api_client.get(CUSTOMERS_URL)
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"


def test_revoking_twice_keeps_the_first_time(partner_a, issue_key):
    api_key, _raw = issue_key(partner_a)
    first = api_key_revoke(api_key=api_key).revoked_at
    second = api_key_revoke(api_key=ApiKey.objects.get(pk=api_key.pk)).revoked_at
    assert first is not None
    assert second == first


def test_use_records_last_used(api_client, partner_a, issue_key):
    api_key, raw_key = issue_key(partner_a)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    api_client.get(CUSTOMERS_URL)
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
