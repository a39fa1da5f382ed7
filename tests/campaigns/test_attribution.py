"""Attribution at payment: the code beats the cookie; the last touch inside the window wins."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from campaigns import services
from campaigns.models import OrderAttribution
from core.rawsql import deferred_writes
from tests.factories import UserFactory

from .factories import CampaignFactory, DiscountCodeFactory, PartnerMemberFactory, TouchFactory

pytestmark = pytest.mark.django_db

VISITOR = "11111111-1111-4111-8111-111111111111"


def test_code_beats_cookie():
    now = timezone.now()
    cookie_campaign = CampaignFactory()
    code_campaign = CampaignFactory()
    TouchFactory(campaign=cookie_campaign, visitor_id=VISITOR, created_at=now - timedelta(hours=1))
    code = DiscountCodeFactory(campaign=code_campaign)

    decision = services.attribution_decide(user_id=None, visitor_id=VISITOR, code_id=code.pk, paid_at=now)

    assert decision.campaign_id == code_campaign.pk
    assert decision.reason == "code"
    assert decision.code_id == code.pk


def test_last_touch_inside_the_window_wins():
    now = timezone.now()
    first, second = CampaignFactory(), CampaignFactory()
    TouchFactory(campaign=first, visitor_id=VISITOR, created_at=now - timedelta(days=3))
    latest = TouchFactory(campaign=second, visitor_id=VISITOR, created_at=now - timedelta(days=1))

    decision = services.attribution_decide(user_id=None, visitor_id=VISITOR, code_id=None, paid_at=now)

    assert (decision.campaign_id, decision.reason, decision.touch_id) == (second.pk, "last_touch", latest.pk)


def test_touch_outside_the_window_does_not_count():
    now = timezone.now()
    short = CampaignFactory(attribution_window_days=7)
    long = CampaignFactory(attribution_window_days=30)
    older_inside = TouchFactory(campaign=long, visitor_id=VISITOR, created_at=now - timedelta(days=20))
    TouchFactory(campaign=short, visitor_id=VISITOR, created_at=now - timedelta(days=10))

    decision = services.attribution_decide(user_id=None, visitor_id=VISITOR, code_id=None, paid_at=now)
    assert decision.touch_id == older_inside.pk

    none = services.attribution_decide(
        user_id=None, visitor_id=VISITOR, code_id=None, paid_at=now + timedelta(days=15)
    )
    assert none is None


def test_touch_after_payment_does_not_count_and_user_touches_count():
    now = timezone.now()
    campaign = CampaignFactory()
    user = UserFactory()
    TouchFactory(campaign=campaign, visitor_id=VISITOR, created_at=now + timedelta(minutes=5))
    signed_in = TouchFactory(campaign=campaign, visitor_id="", user=user, created_at=now - timedelta(days=2))

    assert services.attribution_decide(user_id=None, visitor_id=VISITOR, code_id=None, paid_at=now) is None
    decision = services.attribution_decide(user_id=user.pk, visitor_id=None, code_id=None, paid_at=now)
    assert decision.touch_id == signed_in.pk


def test_partner_member_buying_with_own_partners_code_is_flagged():
    campaign = CampaignFactory()
    member = PartnerMemberFactory(partner=campaign.partner)
    code = DiscountCodeFactory(campaign=campaign)

    decision = services.attribution_decide(
        user_id=member.user_id, visitor_id=None, code_id=code.pk, paid_at=timezone.now()
    )
    other = services.attribution_decide(
        user_id=UserFactory().pk, visitor_id=None, code_id=code.pk, paid_at=timezone.now()
    )

    assert decision.is_self_purchase is True
    assert other.is_self_purchase is False


def test_record_is_idempotent_and_reverse_caps_at_the_amount():
    campaign = CampaignFactory()
    code = DiscountCodeFactory(campaign=campaign)
    now = timezone.now()
    decision = services.attribution_decide(user_id=None, visitor_id=None, code_id=code.pk, paid_at=now)

    first = services.attribution_record(
        order_ref="Z-1",
        order_id=7,
        attribution=decision,
        amount=Decimal("26.10"),
        currency="USD",
        paid_at=now,
    )
    again = services.attribution_record(
        order_ref="Z-1", order_id=7, attribution=decision, amount=Decimal("99"), currency="USD", paid_at=now
    )
    assert first.pk == again.pk
    assert OrderAttribution.objects.get().amount == Decimal("26.10")

    services.attribution_reverse(order_ref="Z-1", amount=Decimal("10"))
    services.attribution_reverse(order_ref="Z-1", amount=Decimal("100"))
    assert OrderAttribution.objects.get().refunded_amount == Decimal("26.10")
    assert services.attribution_reverse(order_ref="nope", amount=Decimal("1")) is None


@pytest.mark.postgres
def test_record_in_a_sale_goes_out_with_its_writes_and_a_repeat_names_the_first_row():
    campaign = CampaignFactory()
    code = DiscountCodeFactory(campaign=campaign)
    now = timezone.now()
    decision = services.attribution_decide(user_id=None, visitor_id=None, code_id=code.pk, paid_at=now)
    record = {"order_id": 8, "attribution": decision, "currency": "USD", "paid_at": now}
    first = services.attribution_record(order_ref="Z-2", amount=Decimal("26.10"), **record)
    with transaction.atomic(), deferred_writes("default"):
        again = services.attribution_record(order_ref="Z-2", amount=Decimal("99"), **record)
        other = services.attribution_record(order_ref="Z-3", amount=Decimal("5"), **record)
        # the repeat went out when the second row of the table was queued; the second waits
        assert (again.pk, other.pk) == (first.pk, None)
    assert other.pk == OrderAttribution.objects.get(order_ref="Z-3").pk
    assert OrderAttribution.objects.get(order_ref="Z-2").amount == Decimal("26.10")
