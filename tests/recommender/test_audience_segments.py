"""Campaign audiences follow their learners when the recommender re-clusters: k-means
numbers its clusters arbitrarily, so each old segment maps to the new segment that holds
most of its members."""

import pytest

from campaigns.models import Campaign
from campaigns.services import campaign_audience_set
from recommender.models import ModelVersion, Segment, SegmentMembership
from recommender.services import recommender_train
from recommender.writing import segment_successors
from tests.campaigns.factories import CampaignFactory, PartnerFactory
from tests.factories import UserFactory

from .factories import planted_catalog, planted_learners

pytestmark = pytest.mark.django_db


def _segments(version, groups: dict[int, list]) -> None:
    for number, users in groups.items():
        segment = Segment.objects.create(model_version=version, number=number, size=len(users))
        SegmentMembership.objects.bulk_create([SegmentMembership(segment=segment, user=u) for u in users])


def test_each_old_segment_maps_to_the_new_segment_holding_most_of_its_members():
    users = [UserFactory() for _i in range(9)]
    old = ModelVersion.objects.create(algorithm="hybrid", status=ModelVersion.Status.RETIRED)
    new = ModelVersion.objects.create(algorithm="hybrid", status=ModelVersion.Status.ACTIVE, is_active=True)
    _segments(old, {0: users[:4], 1: users[4:8], 2: users[8:]})
    # The clusters come back renumbered, one learner moved from the first to the second.
    _segments(new, {0: users[5:8], 1: [*users[:3], users[4]], 2: [users[3], users[8]]})

    assert segment_successors(from_version_id=old.pk, to_version_id=new.pk) == {0: 1, 1: 0, 2: 2}


def test_a_retrain_carries_campaign_audiences_over_to_the_new_version():
    planted_learners(planted_catalog(), n_users=40)
    first = recommender_train(run_key="night-1")
    assert first.is_active
    campaign = CampaignFactory(partner=PartnerFactory(), status=Campaign.Status.DRAFT)
    number = Segment.objects.filter(model_version=first).order_by("-size").values_list("number", flat=True)[0]
    members = set(
        SegmentMembership.objects.filter(segment__model_version=first, segment__number=number).values_list(
            "user_id", flat=True
        )
    )
    campaign_audience_set(campaign=campaign, segments=[number])

    second = recommender_train(run_key="night-2", force_activate=True)

    assert second.is_active and second.pk != first.pk
    campaign.refresh_from_db()
    assert campaign.audience_segments_version == second.pk
    assert len(campaign.audience_segments) == 1
    now_members = set(
        SegmentMembership.objects.filter(
            segment__model_version=second, segment__number=campaign.audience_segments[0]
        ).values_list("user_id", flat=True)
    )
    assert len(members & now_members) > len(members) / 2
    # The first version's rows are gone, and nothing points at them any more.
    assert not Segment.objects.filter(model_version=first).exists()
