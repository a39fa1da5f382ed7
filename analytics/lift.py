"""Incremental lift of a campaign (or one variant) against its control group.

    CVR_offer   = orders / unique visitors            (visitors who could get the offer)
    CVR_holdout = holdout orders / holdout visitors   (the control group, never offered)
    lift        = (CVR_offer - CVR_holdout) / CVR_holdout = CVR_offer / CVR_holdout - 1
    incremental orders = orders - CVR_holdout * unique visitors

The 95 % confidence interval is the Katz log interval of the risk ratio (the delta method on
log(CVR_offer / CVR_holdout)):

    se = sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0)
    lift CI = exp(log(CVR_offer / CVR_holdout) -/+ 1.96 * se) - 1

with x1/n1 the offer's orders/visitors and x0/n0 the control group's. It needs at least one
order on each side and no more orders than visitors; otherwise the interval is unknown
(``None``). Over several days the visitors are visitor-days (the sum of the daily unique
visitors). These are statistics, not money: floats, rounded when shown.
"""

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Lift:
    visitors: int
    orders: int
    holdout_visitors: int
    holdout_orders: int
    cvr: float | None
    cvr_holdout: float | None
    lift: float | None
    ci_low: float | None
    ci_high: float | None
    incremental_orders: float | None

    @property
    def significant(self) -> bool:
        return self.ci_low is not None and (
            self.ci_low > 0 or (self.ci_high is not None and self.ci_high < 0)
        )


def lift_compute(*, visitors: int, orders: int, holdout_visitors: int, holdout_orders: int) -> Lift:
    cvr = orders / visitors if visitors else None
    cvr_holdout = holdout_orders / holdout_visitors if holdout_visitors else None
    lift = incremental = low = high = None
    if cvr is not None and cvr_holdout:
        lift = (cvr - cvr_holdout) / cvr_holdout
    if cvr_holdout is not None and visitors:
        incremental = orders - cvr_holdout * visitors
    if (
        lift is not None
        and orders > 0
        and holdout_orders > 0
        and orders <= visitors
        and holdout_orders <= holdout_visitors
    ):
        se = math.sqrt(1 / orders - 1 / visitors + 1 / holdout_orders - 1 / holdout_visitors)
        log_ratio = math.log(cvr / cvr_holdout)
        low = math.exp(log_ratio - Z_95 * se) - 1
        high = math.exp(log_ratio + Z_95 * se) - 1
    return Lift(
        visitors=visitors,
        orders=orders,
        holdout_visitors=holdout_visitors,
        holdout_orders=holdout_orders,
        cvr=cvr,
        cvr_holdout=cvr_holdout,
        lift=lift,
        ci_low=low,
        ci_high=high,
        incremental_orders=incremental,
    )
