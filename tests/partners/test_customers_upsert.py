import hmac
from hashlib import sha256

import pytest

from core.exceptions import ApplicationError
from partners.models import PartnerCustomer
from partners.services import looks_like_raw_contact, partner_customers_upsert
from tests.factories import CategoryFactory
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def categories(db):
    return [CategoryFactory(slug="finance"), CategoryFactory(slug="design"), CategoryFactory(slug="travel")]


def entry(external_id="cust-1", **overrides):
    data = {
        "external_id": external_id,
        "interests": ["finance"],
        "country": "cn",
        "language": "zh-hans",
        "consent": True,
    }
    data.update(overrides)
    return data


def test_upsert_creates_customers_hashed_with_the_partner_secret(partner_a):
    # when
    counts = partner_customers_upsert(partner=partner_a, customers=[entry("a1"), entry("a2", interests=[])])
    # then
    assert counts == {"created": 2, "updated": 0, "unchanged": 0}
    expected = hmac.new(partner_a.customer_id_secret.encode(), b"a1", sha256).hexdigest()
    customer = PartnerCustomer.objects.get(partner=partner_a, external_hash=expected)
    assert customer.interests == ["finance"]
    assert customer.country == "CN"
    assert customer.language == "zh-hans"
    assert customer.consent_at is not None
    assert not PartnerCustomer.objects.filter(external_hash__in=["a1", "a2"]).exists()


def test_upsert_is_idempotent(partner_a):
    # given
    partner_customers_upsert(partner=partner_a, customers=[entry("a1"), entry("a2")])
    before = list(PartnerCustomer.objects.order_by("id").values())
    # when
    counts = partner_customers_upsert(partner=partner_a, customers=[entry("a1"), entry("a2")])
    # then
    assert counts == {"created": 0, "updated": 0, "unchanged": 2}
    assert list(PartnerCustomer.objects.order_by("id").values()) == before


def test_upsert_updates_changed_customers_and_keeps_their_consent_time(partner_a):
    partner_customers_upsert(partner=partner_a, customers=[entry("a1"), entry("a2")])
    first = PartnerCustomer.objects.order_by("id").first()
    counts = partner_customers_upsert(
        partner=partner_a, customers=[entry("a1", interests=["design", "travel"]), entry("a3")]
    )
    assert counts == {"created": 1, "updated": 1, "unchanged": 0}
    first.refresh_from_db()
    assert first.interests == ["design", "travel"]
    assert PartnerCustomer.objects.get(pk=first.pk).consent_at == first.consent_at
    assert PartnerCustomer.objects.count() == 3


def test_same_external_id_at_two_partners_gets_different_hashes(partner_a, partner_b):
    partner_customers_upsert(partner=partner_a, customers=[entry("same-person")])
    partner_customers_upsert(partner=partner_b, customers=[entry("same-person")])
    hash_a = PartnerCustomer.objects.get(partner=partner_a).external_hash
    hash_b = PartnerCustomer.objects.get(partner=partner_b).external_hash
    assert hash_a != hash_b
    assert len(hash_a) == len(hash_b) == 64


def test_a_partner_made_without_secret_gets_one_on_first_push(db):
    partner = PartnerFactory(slug="no-secret", customer_id_secret="")
    partner_customers_upsert(partner=partner, customers=[entry("x")])
    partner.refresh_from_db()
    assert len(partner.customer_id_secret) == 64


@pytest.mark.parametrize("consent", [False, None, "yes", 1])
def test_any_entry_without_consent_true_rejects_the_whole_batch(partner_a, consent):
    # given: one good entry and one without consent
    bad = entry("a2", consent=consent)
    # when
    with pytest.raises(ApplicationError) as excinfo:
        partner_customers_upsert(partner=partner_a, customers=[entry("a1"), bad])
    # then
    assert excinfo.value.code == "consent_required"
    assert excinfo.value.status_code == 400
    assert excinfo.value.extra["errors"] == [
        {
            "index": 1,
            "code": "consent_required",
            "detail": "A customer can be pushed only with consent: true.",
        }
    ]
    assert PartnerCustomer.objects.count() == 0


def test_missing_consent_key_is_consent_required(partner_a):
    data = entry("a1")
    del data["consent"]
    with pytest.raises(ApplicationError) as excinfo:
        partner_customers_upsert(partner=partner_a, customers=[data])
    assert excinfo.value.code == "consent_required"


@pytest.mark.parametrize(
    "external_id",
    ["jane@example.com", "13800138000", "+86 138 0013 8000", "(555) 123-4567", "0044-20-7946-0958"],
)
def test_raw_contact_data_is_rejected_and_not_echoed(partner_a, external_id):
    with pytest.raises(ApplicationError) as excinfo:
        partner_customers_upsert(partner=partner_a, customers=[entry(external_id)])
    assert excinfo.value.code == "raw_contact_data"
    assert external_id not in str(excinfo.value.extra)
    assert PartnerCustomer.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", False),
        ("crm-000123", False),
        ("123456", False),
        ("1234567", True),
        ("a@b", True),
        ("1234567890123456", False),
    ],
)
def test_raw_contact_detection(value, expected):
    assert looks_like_raw_contact(value) is expected


def test_consent_errors_win_over_other_errors(partner_a):
    with pytest.raises(ApplicationError) as excinfo:
        partner_customers_upsert(
            partner=partner_a, customers=[entry("jane@example.com"), entry("b", consent=False)]
        )
    assert excinfo.value.code == "consent_required"
    assert [e["code"] for e in excinfo.value.extra["errors"]] == ["raw_contact_data", "consent_required"]


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ({"interests": ["finance", "no-such-category"]}, "unknown_interest"),
        ({"interests": "finance"}, "unknown_interest"),
        ({"country": "China"}, "invalid_country"),
        ({"language": "fr"}, "invalid_language"),
        ({"external_id": ""}, "invalid_external_id"),
        ({"external_id": None}, "invalid_external_id"),
        ({"external_id": "x" * 257}, "invalid_external_id"),
    ],
)
def test_bad_fields_are_rejected_with_their_code(partner_a, bad, code):
    with pytest.raises(ApplicationError) as excinfo:
        partner_customers_upsert(partner=partner_a, customers=[entry("ok"), {**entry("a1"), **bad}])
    assert excinfo.value.code == code
    assert PartnerCustomer.objects.count() == 0


def test_duplicate_ids_in_one_batch_are_rejected(partner_a):
    with pytest.raises(ApplicationError) as excinfo:
        partner_customers_upsert(partner=partner_a, customers=[entry("a1"), entry(" a1 ")])
    assert excinfo.value.code == "duplicate_external_id"


def test_empty_and_oversized_batches_are_rejected(partner_a):
    with pytest.raises(ApplicationError) as empty:
        partner_customers_upsert(partner=partner_a, customers=[])
    with pytest.raises(ApplicationError) as big:
        partner_customers_upsert(partner=partner_a, customers=[entry(f"c{i}") for i in range(1001)])
    assert empty.value.code == "no_customers"
    assert big.value.code == "too_many_customers"
