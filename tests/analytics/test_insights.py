"""Alliance graph and centrality, suggested joint courses, category trends, audience overlap."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from analytics.alliance import alliance_graph, pagerank
from analytics.models import CampaignDailyMetric
from analytics.overlap import audience_overlap_compute, partner_hash
from analytics.trends import enrollment_trends
from campaigns.models import CampaignPartner
from courses.models import Enrollment
from partners.models import ConsentText, PartnerConsent, PartnerCustomer
from tests.analytics import factories as f
from tests.factories import CategoryFactory, CourseFactory, UserFactory


def test_pagerank_of_a_star_puts_the_hub_first():
    weights = np.array([[0, 1, 1, 1], [1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]], dtype=float)
    rank = pagerank(weights)
    assert rank.sum() == pytest.approx(1.0)
    assert rank[0] > rank[1]
    assert rank[1] == pytest.approx(rank[2]) == pytest.approx(rank[3])
    # by hand, d = 0.85, n = 4: h = 0.0375 + 3d·l, l = 0.0375 + d·h/3 => h = 0.133125 / 0.2775
    assert rank[0] == pytest.approx(0.133125 / 0.2775, abs=1e-9)


@pytest.mark.django_db
def test_alliance_graph_links_partners_of_shared_campaigns_weighted_by_revenue():
    bank, home, travel, museum = (f.partner(s) for s in ("bank", "home", "travel", "museum"))
    c1 = f.campaign(bank, slug="c1")
    CampaignPartner.objects.create(campaign=c1, partner=home)
    CampaignPartner.objects.create(campaign=c1, partner=travel)
    c2 = f.campaign(home, slug="c2", currency="CNY")
    CampaignPartner.objects.create(campaign=c2, partner=museum)
    CampaignDailyMetric.objects.create(campaign=c1, date=date(2025, 3, 1), net_revenue=Decimal("100.00"))
    CampaignDailyMetric.objects.create(campaign=c2, date=date(2025, 3, 1), net_revenue=Decimal("1000.00"))

    graph = alliance_graph()

    names = [insight.partner.slug for insight in graph.partners]
    assert names[0] == "home"  # in both campaigns: the centre
    by_pair = {
        frozenset((graph.partners[i].partner.slug, graph.partners[j].partner.slug)): w
        for i, j, w in graph.edges
    }
    assert by_pair[frozenset(("bank", "home"))] == pytest.approx(100.01)
    assert by_pair[frozenset(("home", "museum"))] == pytest.approx(140.01)  # 1000 CNY at 0.14
    assert frozenset(("bank", "museum")) not in by_pair
    assert sum(i.centrality for i in graph.partners) == pytest.approx(1.0)


@pytest.mark.django_db
def test_suggested_joint_courses_follow_pushed_customers_interests():
    bank, home = f.partner("bank"), f.partner("home")
    f.campaign(bank, slug="c1")
    CampaignPartner.objects.create(campaign=f.campaign(home, slug="c2"), partner=bank)
    finance = CategoryFactory(slug="finance")
    CategoryFactory(slug="design")
    CourseFactory(slug="budgeting", category=finance, enrollment_count=50)
    CourseFactory(slug="stocks", category=finance, enrollment_count=10)
    now = timezone.now()
    for i, interests in enumerate([["finance"], ["finance", "design"], ["finance"], ["design"]]):
        PartnerCustomer.objects.create(
            partner=bank, external_hash=f"b{i}", interests=interests, consent_at=now
        )
    for i in range(4):
        PartnerCustomer.objects.create(
            partner=home, external_hash=f"h{i}", interests=["design"], consent_at=now
        )

    graph = alliance_graph()

    bank_insight = next(i for i in graph.partners if i.partner.slug == "bank")
    first = bank_insight.suggestions[0]
    assert (first["category"].slug, first["customers"], first["support"]) == ("finance", 3, 0.75)
    assert first["affinity"] == pytest.approx(0.75 / (3 / 8))
    assert first["course"].slug == "budgeting"
    assert [s["category"].slug for s in bank_insight.suggestions] == ["finance", "design"]


@pytest.mark.django_db
def test_weekly_trend_finds_rising_categories():
    today = date(2025, 3, 12)  # a Wednesday; the last complete week starts on 2025-03-03
    rising, falling = CategoryFactory(slug="rising"), CategoryFactory(slug="falling")
    up, down = CourseFactory(category=rising), CourseFactory(category=falling)
    first_monday = date(2025, 3, 3) - timedelta(weeks=3)
    for week, (n_up, n_down) in enumerate([(1, 4), (2, 3), (3, 2), (4, 1)]):
        for kind, n, course in (("u", n_up, up), ("d", n_down, down)):
            for i in range(n):
                e = Enrollment.objects.create(user=UserFactory(username=f"{kind}{week}-{i}"), course=course)
                Enrollment.objects.filter(pk=e.pk).update(
                    created_at=f.at(first_monday + timedelta(weeks=week, days=2))
                )
    # this week's enrollments are not a complete week yet
    e = Enrollment.objects.create(user=UserFactory(), course=down)
    Enrollment.objects.filter(pk=e.pk).update(created_at=f.at(today))

    trends = enrollment_trends(weeks=4, today=today)

    assert trends.weeks[0] == first_monday
    assert [(t.category.slug, t.weekly, t.slope) for t in trends.categories] == [
        ("rising", [1, 2, 3, 4], 1.0),
        ("falling", [4, 3, 2, 1], -1.0),
    ]
    assert [t.category.slug for t in trends.rising] == ["rising"]
    assert trends.categories[0].relative_slope == pytest.approx(0.4)


@pytest.mark.django_db
def test_audience_overlap_matches_consenting_learners_on_hashed_ids():
    bank = f.partner("bank")
    text = ConsentText.objects.create(version=1, body="ok", is_current=True)
    now = timezone.now()

    def pushed(email):
        external_id = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        PartnerCustomer.objects.create(
            partner=bank, external_hash=partner_hash(bank.customer_id_secret, external_id), consent_at=now
        )

    for i in range(3):
        user = UserFactory(email=f"Learner{i}@Example.com")
        PartnerConsent.objects.create(user=user, partner=bank, consent_text=text, granted_at=now)
        pushed(f"learner{i}@example.com ")
    withdrawn = UserFactory(email="gone@example.com")
    PartnerConsent.objects.create(
        user=withdrawn, partner=bank, consent_text=text, granted_at=now, withdrawn_at=now
    )
    pushed("gone@example.com")
    UserFactory(email="noconsent@example.com")
    pushed("noconsent@example.com")

    row = audience_overlap_compute(partner=bank, day=date(2025, 3, 10))

    assert (row.pushed_customers, row.linked_learners, row.overlap) == (5, 3, 3)
    computed_at = row.computed_at
    again = audience_overlap_compute(partner=bank, day=date(2025, 3, 10))
    assert (again.pk, again.computed_at) == (row.pk, computed_at)
