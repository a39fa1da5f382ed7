import threading

import pytest
from django.db import connection

from partners.models import PartnerCustomer
from partners.services import partner_customers_upsert
from tests.partners.factories import PartnerFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_pushes_of_the_same_new_customers_store_each_once():
    # given
    partner = PartnerFactory(slug="race")
    batch = [{"external_id": f"c{i}", "interests": [], "consent": True} for i in range(50)]
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def push():
        try:
            barrier.wait()
            partner_customers_upsert(partner=partner, customers=batch)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=push) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert errors == []
    assert PartnerCustomer.objects.filter(partner=partner).count() == 50
