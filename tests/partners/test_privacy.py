import pytest

from partners.privacy import min_group_size, suppress_count, suppress_small_groups
from partners.selectors import partner_dashboard_figures
from partners.services import partner_customers_upsert

ROWS = [
    {"country": "ES", "visitors": 12, "revenue": 100},
    {"country": "JP", "visitors": 3, "revenue": 20},
    {"country": "CN", "visitors": 0, "revenue": 0},
    {"country": "US", "visitors": 10, "revenue": 7},
]


def test_small_groups_are_suppressed_with_their_derived_values():
    assert suppress_small_groups(ROWS, "visitors", other_keys=["revenue"]) == [
        {"country": "ES", "visitors": 12, "revenue": 100, "suppressed": False},
        {"country": "JP", "visitors": None, "revenue": None, "suppressed": True},
        {"country": "CN", "visitors": 0, "revenue": 0, "suppressed": False},
        {"country": "US", "visitors": 10, "revenue": 7, "suppressed": False},
    ]
    assert ROWS[1]["visitors"] == 3  # the input is not modified


def test_minimum_group_size_comes_from_settings(settings):
    assert min_group_size() == 10
    settings.PARTNER_MIN_GROUP_SIZE = 3
    assert suppress_count(3) == 3
    assert suppress_count(2) is None


@pytest.mark.django_db
def test_dashboard_breakdown_suppresses_small_countries(partner_a, settings):
    settings.PARTNER_MIN_GROUP_SIZE = 10
    customers = [{"external_id": f"es{i}", "country": "ES", "consent": True} for i in range(10)]
    customers += [{"external_id": f"jp{i}", "country": "JP", "consent": True} for i in range(2)]
    partner_customers_upsert(partner=partner_a, customers=customers)
    figures = partner_dashboard_figures(partner=partner_a)
    assert figures["customers"] == 12
    assert figures["customers_by_country"] == [
        {"country": "ES", "count": 10, "suppressed": False},
        {"country": "JP", "count": None, "suppressed": True},
    ]
