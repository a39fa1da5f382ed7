"""Lift with its confidence interval, and Thompson sampling of variant weights."""

from decimal import Decimal

import numpy as np
import pytest

from analytics.bandit import probability_best, variant_weights_update
from analytics.lift import lift_compute
from campaigns.models import Campaign, Variant, VisitorAssignment
from commerce.models import Order
from tests.analytics import factories as f


def test_lift_matches_the_hand_computation():
    # given 50 orders of 1000 offered visitors and 15 of 500 in the control group
    lift = lift_compute(visitors=1000, orders=50, holdout_visitors=500, holdout_orders=15)

    # then CVR 5 % vs 3 %: lift 2/3, 20 incremental orders; Katz interval by hand:
    # se = sqrt(1/50 - 1/1000 + 1/15 - 1/500) = 0.289252, log(5/3) = 0.510826
    assert lift.cvr == 0.05
    assert lift.cvr_holdout == 0.03
    assert lift.lift == pytest.approx(2 / 3, abs=1e-12)
    assert lift.incremental_orders == pytest.approx(20.0, abs=1e-9)
    assert round(lift.ci_low, 4) == -0.0546
    assert round(lift.ci_high, 4) == 1.9381
    assert lift.significant is False


def test_lift_significant_when_interval_excludes_zero():
    lift = lift_compute(visitors=10000, orders=600, holdout_visitors=10000, holdout_orders=300)
    assert lift.lift == pytest.approx(1.0)
    assert lift.ci_low > 0
    assert lift.significant is True


@pytest.mark.parametrize(
    ("visitors", "orders", "holdout_visitors", "holdout_orders"),
    [(0, 0, 0, 0), (100, 5, 0, 0), (100, 5, 100, 0), (100, 0, 100, 5)],
)
def test_lift_without_enough_data_has_no_interval(visitors, orders, holdout_visitors, holdout_orders):
    lift = lift_compute(
        visitors=visitors, orders=orders, holdout_visitors=holdout_visitors, holdout_orders=holdout_orders
    )
    assert lift.ci_low is None
    assert lift.ci_high is None


def test_probability_best_is_seeded_and_vectorized():
    rng = np.random.default_rng(7)
    best = probability_best(np.array([1000, 1000]), np.array([100, 10]), rng=rng, draws=5000)
    assert best.tolist() == [1.0, 0.0]
    again = probability_best(np.array([100, 100, 100]), np.array([5, 6, 7]), rng=np.random.default_rng(1))
    same = probability_best(np.array([100, 100, 100]), np.array([5, 6, 7]), rng=np.random.default_rng(1))
    assert again.tolist() == same.tolist()
    assert again.sum() == pytest.approx(1.0)


def _traffic(campaign, variant, visitors: int, orders: int, prefix: str):
    VisitorAssignment.objects.bulk_create(
        [
            VisitorAssignment(campaign=campaign, visitor_id=f"{prefix}{i}", variant=variant)
            for i in range(visitors)
        ]
    )
    user = f.learner(f"buyer-{prefix}")
    for _i in range(orders):
        order, _lines = f.paid_order(
            user, paid=f.at(f.date(2025, 3, 1)), currency="USD", amount=Decimal("10")
        )
        f.attribute(order, campaign, variant_obj=variant)


@pytest.mark.django_db
def test_thompson_sampling_moves_traffic_to_the_better_variant_and_keeps_the_control_group():
    # given a running campaign with a 20 % control group and two variants past the minimum
    lead = f.partner("bank")
    campaign = f.campaign(lead, holdout_share=Decimal("0.2000"))
    good, poor = f.variant(campaign, "good", weight=1), f.variant(campaign, "poor", weight=1)
    _traffic(campaign, good, 120, 30, "g")
    _traffic(campaign, poor, 120, 2, "p")
    VisitorAssignment.objects.bulk_create(
        [VisitorAssignment(campaign=campaign, visitor_id=f"h{i}", is_holdout=True) for i in range(30)]
    )
    # holdout orders must not count for any variant
    holdout_user = f.learner("holdout-buyer")
    for _i in range(20):
        order, _lines = f.paid_order(
            holdout_user, paid=f.at(f.date(2025, 3, 1)), currency="USD", amount=Decimal("1")
        )
        f.attribute(order, campaign, variant_obj=poor, holdout=True)

    # when the daily update runs
    allocations = variant_weights_update(campaign=campaign, rng=np.random.default_rng(42), minimum=100)

    # then the better variant gets (almost) all the traffic, the other keeps the floor
    weights = dict(Variant.objects.filter(campaign=campaign).values_list("name", "weight"))
    assert weights == {"good": 1000, "poor": 10}
    assert [(a.visitors, a.orders) for a in allocations] == [(120, 30), (120, 2)]
    # and the control group is exactly as it was
    campaign.refresh_from_db()
    assert campaign.holdout_share == Decimal("0.2000")
    assert VisitorAssignment.objects.filter(campaign=campaign, is_holdout=True).count() == 30
    assert Order.objects.count() == 52


@pytest.mark.django_db
def test_thompson_sampling_waits_for_the_minimum_of_visitors():
    lead = f.partner("bank")
    campaign = f.campaign(lead)
    a, b = f.variant(campaign, "a", weight=3), f.variant(campaign, "b", weight=5)
    _traffic(campaign, a, 150, 10, "a")
    _traffic(campaign, b, 99, 1, "b")

    assert variant_weights_update(campaign=campaign, rng=np.random.default_rng(0), minimum=100) is None
    assert dict(Variant.objects.values_list("name", "weight")) == {"a": 3, "b": 5}


@pytest.mark.django_db
def test_thompson_sampling_leaves_campaigns_that_are_not_running():
    lead = f.partner("bank")
    campaign = f.campaign(lead, status=Campaign.Status.ENDED)
    a, b = f.variant(campaign, "a"), f.variant(campaign, "b")
    _traffic(campaign, a, 5, 1, "a")
    _traffic(campaign, b, 5, 0, "b")
    assert variant_weights_update(campaign=campaign, minimum=1) is None
