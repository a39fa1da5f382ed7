"""A campaign writer held open (a staff edit, a spend entry) must not pause paying orders:
attributing a paid order inserts a row that references the campaign, which takes FOR KEY
SHARE on it; the writers lock with FOR NO KEY UPDATE, which does not conflict with it."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from campaigns import services
from campaigns.models import OrderAttribution
from tests.campaigns.factories import CampaignFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_open_campaign_writer_does_not_block_attributing_an_order():
    campaign = CampaignFactory()
    locked, release = threading.Event(), threading.Event()

    def staff_writer():
        try:
            with transaction.atomic():
                services.spend_entry_add(campaign=campaign, amount=Decimal("10.00"), on=timezone.localdate())
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    writer = threading.Thread(target=staff_writer)
    writer.start()
    try:
        assert locked.wait(timeout=30)
        # when an order of that campaign is attributed while the writer holds its lock
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            OrderAttribution.objects.create(
                order_ref="lock-test-1",
                order_id=1,
                campaign=campaign,
                reason=OrderAttribution.Reason.CODE,
                paid_at=timezone.now(),
                amount=Decimal("100.00"),
                currency="CNY",
            )
    finally:
        release.set()
        writer.join(timeout=30)
    # then the insert went through without waiting for the writer
    assert OrderAttribution.objects.filter(campaign=campaign).count() == 1
