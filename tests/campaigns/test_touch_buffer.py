"""Tracking writes buffered in Redis: a landing view or a click costs no insert, the flush
writes them in bulk exactly once (even when repeated after a crash), a returning visitor
keeps their variant before the flush, and attribution sees a touch recorded a second ago."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from campaigns import touch_buffer
from campaigns.models import OrderAttribution, Touch, VisitorAssignment
from campaigns.services import attribution_decide
from campaigns.tasks import flush_touches
from campaigns.views import VISITOR_COOKIE
from commerce.services import order_checkout
from tests.factories import CourseFactory, UserFactory

from .factories import CampaignFactory, TrackingLinkFactory, VariantFactory


def _buffered() -> int:
    return int(touch_buffer._redis().llen(touch_buffer.BUFFER_KEY))


pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(autouse=True)
def _buffer_on(settings):
    settings.TOUCH_BUFFER = True
    settings.TOUCH_FLUSH_BATCH = 1000


def _landing(campaign) -> str:
    return f"/en/c/{campaign.slug}/"


def test_landing_views_and_clicks_are_buffered_then_flushed_in_bulk(client, django_assert_num_queries):
    campaign = CampaignFactory(courses=[CourseFactory()])
    VariantFactory(campaign=campaign, weight=1)
    link = TrackingLinkFactory(campaign=campaign)
    # warm the shared caches (campaign, link, page) and draw a block of touch ids
    client.get(_landing(campaign))
    client.get(f"/t/{link.token}")
    assert flush_touches() == 2
    client.cookies.clear()

    # a new visitor's landing view and click cost no query at all
    with django_assert_num_queries(0):
        response = client.get(_landing(campaign))
    assert response.status_code == 200
    visitor = response.cookies[VISITOR_COOKIE].value
    with django_assert_num_queries(0):
        assert client.get(f"/t/{link.token}").status_code == 302
    assert not Touch.objects.filter(visitor_id=visitor).exists()
    assert _buffered() == 2

    # the task writes them all, with the visitor's assignment, in one go
    assert flush_touches() == 2
    assert _buffered() == 0
    kinds = sorted(Touch.objects.filter(visitor_id=visitor).values_list("kind", flat=True))
    assert kinds == ["click", "landing_view"]
    assignment = VisitorAssignment.objects.get(campaign=campaign, visitor_id=visitor)
    assert set(Touch.objects.filter(visitor_id=visitor).values_list("variant_id", flat=True)) == {
        assignment.variant_id
    }
    assert flush_touches() == 0


def test_a_flush_repeated_after_a_crash_writes_nothing_twice(client):
    campaign = CampaignFactory()
    for _i in range(3):
        client.cookies.clear()
        client.get(_landing(campaign))
    raw = touch_buffer._redis().lrange(touch_buffer.BUFFER_KEY, 0, -1)

    # a flusher wrote the rows and died before trimming the buffer
    touch_buffer._write([json.loads(entry) for entry in raw])
    assert Touch.objects.count() == 3

    # the next flush finds the same entries and inserts nothing again
    touch_buffer.touch_buffer_flush()
    assert Touch.objects.count() == 3
    assert VisitorAssignment.objects.count() == 3
    assert _buffered() == 0


def test_a_returning_visitor_keeps_their_variant_before_the_flush(client):
    campaign = CampaignFactory(holdout_share=Decimal("0"))
    variants = [VariantFactory(campaign=campaign, weight=1) for _i in range(4)]
    first = client.get(_landing(campaign))
    assert first.status_code == 200
    chosen = next(v for v in variants if f'data-variant="{v.pk}"'.encode() in first.content)
    for _i in range(3):
        assert f'data-variant="{chosen.pk}"'.encode() in client.get(_landing(campaign)).content
    touch_buffer.touch_buffer_flush()
    assert VisitorAssignment.objects.get(campaign=campaign).variant_id == chosen.pk
    assert set(Touch.objects.values_list("variant_id", flat=True)) == {chosen.pk}


def test_attribution_sees_a_touch_recorded_a_second_ago(client):
    campaign = CampaignFactory()
    link = TrackingLinkFactory(campaign=campaign)
    response = client.get(f"/t/{link.token}")
    visitor = response.cookies[VISITOR_COOKIE].value
    assert not Touch.objects.exists()  # still in the buffer

    decided = attribution_decide(user_id=None, visitor_id=visitor, code_id=None, paid_at=timezone.now())

    assert decided is not None
    assert (decided.campaign_id, decided.reason) == (campaign.pk, OrderAttribution.Reason.LAST_TOUCH)
    assert Touch.objects.get(pk=decided.touch_id).link_id == link.pk


def test_a_checkout_checks_the_buffer_once_and_is_attributed_to_a_click_just_before(client, monkeypatch):
    course = CourseFactory()
    campaign = CampaignFactory(courses=[course])
    link = TrackingLinkFactory(campaign=campaign)
    visitor = client.get(f"/t/{link.token}").cookies[VISITOR_COOKIE].value
    assert _buffered() == 1
    lengths = []
    redis = touch_buffer._redis()

    class Counting:
        def __getattr__(self, name):
            return getattr(redis, name)

        def llen(self, key):
            lengths.append(key)
            return redis.llen(key)

    monkeypatch.setattr(touch_buffer, "_redis", Counting)

    order = order_checkout(
        user=UserFactory(),
        items=[{"course": course.slug}],
        currency="USD",
        payment={"provider": "sandbox", "token": "tok_success"},
        visitor_id=visitor,
    ).order

    # the variant, the control-group check and the attribution each read the buffer's
    # touches, which the one check at the start wrote
    assert lengths == [touch_buffer.BUFFER_KEY]
    attribution = OrderAttribution.objects.get(order_ref=str(order.number))
    assert (attribution.campaign_id, attribution.reason) == (campaign.pk, OrderAttribution.Reason.LAST_TOUCH)
    # outside a checkout every reader checks again
    touch_buffer.touch_buffer_flush_pending()
    assert len(lengths) == 2


def test_a_long_buffer_asks_for_a_flush_at_once(client, settings, django_capture_on_commit_callbacks):
    settings.TOUCH_FLUSH_BATCH = 2
    campaign = CampaignFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _i in range(3):
            client.cookies.clear()
            client.get(_landing(campaign))
    # one kick, not one per view past the threshold
    assert len(callbacks) == 1
