"""Countries named from CLDR in the reader's language, as the portal's tables show them."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.money import country_name
from partners.services import partner_customers_upsert
from tests.factories import UserFactory
from tests.partners.factories import PartnerFactory, PartnerMemberFactory


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Spain"), ("es", "España"), ("zh-hans", "西班牙"), ("ja", "スペイン")]
)
def test_a_country_code_reads_as_its_name_in_each_language(language, expected):
    assert country_name("es", language) == expected


def test_an_unknown_code_stays_as_it_is():
    assert country_name("ZZ", "en") in ("ZZ", "Unknown Region")
    assert country_name("", "en") == ""


@pytest.mark.django_db
def test_the_portals_customer_list_names_countries_in_the_page_language(client):
    partner = PartnerFactory()
    owner = PartnerMemberFactory(partner=partner, user=UserFactory()).user
    partner_customers_upsert(
        partner=partner, customers=[{"external_id": "c-1", "country": "JP", "consent": True}]
    )
    client.force_login(owner)

    with translation.override("es"):
        html = client.get(reverse("portal:customer_list")).content.decode()

    assert "Japón" in html
