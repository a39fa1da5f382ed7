"""The hand-computed data set of the analytics tests (day D = 2025-03-10, UTC).

Campaign "spring" (USD) of partner "bank" with co-partner "home", variants A and B and a
control group. On D:

visitors   v1 A en/US  view + e-mail click        h1 control en/US view
           v2 A zh/CN  view                       h2 control zh/CN view
           v3 B en/GB  view + social click        v5 A en/US view on D-1 (not D)
           v4 B -/-    SMS click + click without channel
           v6 A en/US  view by learner u1, who signed up on D
orders     o1 u1 (first order ever: new)     A, touch v6, 100.00 USD, discount 10.00, course X
           o2 u2 (paid an order on D-5)      B, touch v3,  50.00 EUR (= 54.00 USD), discount 5 EUR
           o3 u3 control group                  touch h1,  80.00 USD
           o0 u4 paid on D-3                 A, touch zh/CN on D-3, 200.00 USD, course Y;
              refunded 30.00 on D and 20.00 on D+1
ledger     o1: partner:bank 10.00, partner:home 5.00, platform 85.00 (on D)
           o2: partner:bank 5.00 EUR (= 5.40 USD) (on D)
           o0: partner:bank -3.00 for the refund of D
reviews    u1 5 stars on X (D), u4 3 stars on Y (D), u3 (control) 5 stars, u2 on a course
           not bought through the campaign: only the first two count
learning   u1 enrolled in X (o1), u2 in Z (o2), u4 completed Y on D
spend      40.00 on D, 7.00 on D-1

Every expected figure of the tests is derived by hand from this list.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from campaigns.models import Campaign, Touch, Variant
from tests.analytics import factories as f

D = date(2025, 3, 10)
CLICK = Touch.Kind.CLICK


@dataclass
class DataSet:
    campaign: Campaign
    variant_a: Variant
    variant_b: Variant
    bank: object
    home: object


def build() -> DataSet:
    bank, home = f.partner("bank"), f.partner("home")
    spring = f.campaign(bank, slug="spring", holdout_share=Decimal("0.1000"), budget_amount=Decimal("1000"))
    from campaigns.models import CampaignPartner

    CampaignPartner.objects.create(campaign=spring, partner=home, revenue_share=Decimal("0.0500"))
    a, b = f.variant(spring, "A"), f.variant(spring, "B")
    x, y, z, w = f.course(slug="x"), f.course(slug="y"), f.course(slug="z"), f.course(slug="w")
    noon = f.at(D)

    f.touch(spring, noon, visitor="v1", variant=a, language="en", country="US")
    f.touch(spring, noon, visitor="v1", variant=a, language="en", country="US", kind=CLICK, channel="email")
    f.touch(spring, noon, visitor="v2", variant=a, language="zh-hans", country="CN")
    t3 = f.touch(spring, noon, visitor="v3", variant=b, language="en", country="GB")
    f.touch(spring, noon, visitor="v3", variant=b, language="en", country="GB", kind=CLICK, channel="social")
    f.touch(spring, noon, visitor="v4", variant=b, kind=CLICK, channel="sms")
    f.touch(spring, noon, visitor="v4", variant=b, kind=CLICK, channel="")
    h1 = f.touch(spring, noon, visitor="h1", is_holdout=True, language="en", country="US")
    f.touch(spring, noon, visitor="h2", is_holdout=True, language="zh-hans", country="CN")
    f.touch(spring, f.at(D - timedelta(days=1)), visitor="v5", variant=a, language="en", country="US")
    # The first minute of the next day is not D.
    f.touch(spring, f.at(D + timedelta(days=1), 0), visitor="v7", variant=a, language="en", country="US")

    u1 = f.learner("u1", joined=f.at(D, 9), country="US")
    t6 = f.touch(spring, noon, visitor="v6", variant=a, language="en", country="US", user=u1)
    u2 = f.learner("u2", joined=f.at(D - timedelta(days=30)), country="GB")
    u3 = f.learner("u3", joined=f.at(D - timedelta(days=30)), country="US")
    u4 = f.learner("u4", joined=f.at(D - timedelta(days=30)), country="CN")
    f.learner("u6", joined=f.at(D, 10))  # signed up on D without a touch of the campaign

    o1, (l1,) = f.paid_order(u1, paid=f.at(D, 13), currency="USD", amount=Decimal("100.00"), courses=[x])
    f.attribute(o1, spring, variant_obj=a, touch_obj=t6, discount=Decimal("10.00"))
    f.ledger(o1, l1, party=f"partner:{bank.pk}", amount=Decimal("10.00"), when=f.at(D, 13))
    f.ledger(o1, l1, party=f"partner:{home.pk}", amount=Decimal("5.00"), when=f.at(D, 13))
    f.ledger(o1, l1, party="platform", amount=Decimal("85.00"), when=f.at(D, 13))

    f.paid_order(u2, paid=f.at(D - timedelta(days=5)), currency="USD", amount=Decimal("9.00"), courses=[w])
    o2, (l2,) = f.paid_order(u2, paid=f.at(D, 14), currency="EUR", amount=Decimal("50.00"), courses=[z])
    f.attribute(o2, spring, variant_obj=b, touch_obj=t3, discount=Decimal("5.00"))
    f.ledger(o2, l2, party=f"partner:{bank.pk}", amount=Decimal("5.00"), when=f.at(D, 14))

    o3, _lines3 = f.paid_order(u3, paid=f.at(D, 15), currency="USD", amount=Decimal("80.00"), courses=[x])
    f.attribute(o3, spring, touch_obj=h1, holdout=True)

    t0 = f.touch(
        spring, f.at(D - timedelta(days=3)), visitor="v0", variant=a, language="zh-hans", country="CN"
    )
    o0, (l0,) = f.paid_order(
        u4, paid=f.at(D - timedelta(days=3)), currency="USD", amount=Decimal("200.00"), courses=[y]
    )
    f.attribute(o0, spring, variant_obj=a, touch_obj=t0)
    r0 = f.refund(o0, Decimal("30.00"), f.at(D, 16))
    f.ledger(o0, l0, party=f"partner:{bank.pk}", amount=Decimal("-3.00"), when=f.at(D, 16), refund=r0)
    f.refund(o0, Decimal("20.00"), f.at(D + timedelta(days=1), 8))

    f.enroll(u1, x)
    f.enroll(u2, z)
    f.enroll(u2, w)
    f.enroll(u3, x)
    f.enroll(u4, y, completed=f.at(D, 18))
    f.review(u1, x, 5, f.at(D, 19))
    f.review(u4, y, 3, f.at(D, 19))
    f.review(u3, x, 5, f.at(D, 19))
    f.review(u2, w, 5, f.at(D, 19))

    f.spend(spring, Decimal("40.00"), D)
    f.spend(spring, Decimal("7.00"), D - timedelta(days=1))
    return DataSet(campaign=spring, variant_a=a, variant_b=b, bank=bank, home=home)
