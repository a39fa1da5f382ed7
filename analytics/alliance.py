"""Alliance insights for staff: which partners work together, who sits at the centre, and
which course categories suit each partner's customers.

* Graph: partners are nodes; two partners are linked when they take part in the same
  campaign (lead or co-partner). An edge weighs the attributed net revenue of their shared
  campaigns, converted to the common base of ``REPORTING_FX_RATES`` (a shared campaign
  without revenue still links them with a token weight, so young alliances show).
* Centrality: weighted PageRank (damping 0.85) by power iteration in NumPy; unlike plain
  eigenvector centrality it is defined on disconnected graphs too. Scores sum to 1; pages
  show them scaled so the most central partner is 1.
* Suggested joint courses: for each partner, the categories its pushed customers list as
  interests (consent given, not withdrawn), ranked by support (share of its customers
  interested) and shown with affinity (that share divided by the category's share among all
  pushed customers: above 1, this partner's customers care more than average), each with the
  most-enrolled published course of the category as a starting point.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

import numpy as np
from django.db.models import Sum

from campaigns.models import Campaign, CampaignPartner
from courses.models import Category, Course
from partners.models import Partner, PartnerCustomer

from .metrics import fx_rates
from .models import CampaignDailyMetric

DAMPING = 0.85
TOLERANCE = 1e-10
MAX_ITERATIONS = 200
TOKEN_WEIGHT = 0.01
SUGGESTIONS = 3


@dataclass
class PartnerInsight:
    partner: Partner
    centrality: float = 0.0
    scaled: float = 0.0
    revenue: float = 0.0
    campaigns: int = 0
    customers: int = 0
    suggestions: list[dict] = field(default_factory=list)


@dataclass
class AllianceGraph:
    partners: list[PartnerInsight]
    edges: list[tuple[int, int, float]]  # indexes into partners, weight in the base currency


def pagerank(weights: np.ndarray, *, damping: float = DAMPING) -> np.ndarray:
    """Weighted PageRank of a symmetric weight matrix by power iteration."""
    n = weights.shape[0]
    if n == 0:
        return np.zeros(0)
    out = weights.sum(axis=0)
    dangling = out == 0
    transition = np.divide(weights, out, out=np.zeros_like(weights, dtype=float), where=~dangling)
    rank = np.full(n, 1 / n)
    for _ in range(MAX_ITERATIONS):
        new = (1 - damping) / n + damping * (transition @ rank + rank[dangling].sum() / n)
        if np.abs(new - rank).sum() < TOLERANCE:
            rank = new
            break
        rank = new
    return rank / rank.sum()


def alliance_graph() -> AllianceGraph:
    rates = fx_rates()
    campaigns = Campaign.objects.exclude(status__in=[Campaign.Status.DRAFT, Campaign.Status.REJECTED])
    parties: dict[int, set[int]] = defaultdict(set)
    for campaign_id, lead_id in campaigns.values_list("pk", "partner_id"):
        parties[campaign_id].add(lead_id)
    for campaign_id, partner_id in CampaignPartner.objects.filter(campaign__in=campaigns).values_list(
        "campaign_id", "partner_id"
    ):
        parties[campaign_id].add(partner_id)
    revenue = {
        row["campaign_id"]: float((row["net"] or Decimal("0")) * rates[row["campaign__budget_currency"]])
        for row in CampaignDailyMetric.objects.filter(campaign__in=campaigns, variant=None, language=None)
        .values("campaign_id", "campaign__budget_currency")
        .annotate(net=Sum("net_revenue"))
        .order_by()
    }
    partner_ids = sorted({pk for members in parties.values() for pk in members})
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=partner_ids)}
    index = {pk: i for i, pk in enumerate(partner_ids)}
    insights = [PartnerInsight(partner=partners[pk]) for pk in partner_ids]
    weights = np.zeros((len(partner_ids), len(partner_ids)))
    for campaign_id, members in parties.items():
        earned = max(revenue.get(campaign_id, 0.0), 0.0)
        for pk in members:
            insights[index[pk]].revenue += earned
            insights[index[pk]].campaigns += 1
        for a, b in combinations(sorted(members), 2):
            i, j = index[a], index[b]
            weights[i, j] += earned + TOKEN_WEIGHT
            weights[j, i] = weights[i, j]
    scores = pagerank(weights)
    top = scores.max() if len(scores) else 1.0
    for insight, score in zip(insights, scores, strict=True):
        insight.centrality = float(score)
        insight.scaled = float(score / top) if top else 0.0
    _add_suggestions(insights)
    edges = [
        (i, j, float(weights[i, j]))
        for i in range(len(partner_ids))
        for j in range(i + 1, len(partner_ids))
        if weights[i, j] > 0
    ]
    insights_sorted = sorted(
        range(len(insights)), key=lambda i: (-insights[i].centrality, insights[i].partner.slug)
    )
    order = {old: new for new, old in enumerate(insights_sorted)}
    return AllianceGraph(
        partners=[insights[i] for i in insights_sorted],
        edges=[(order[i], order[j], w) for i, j, w in edges],
    )


def _add_suggestions(insights: list[PartnerInsight]) -> None:
    wanted = {insight.partner.pk: insight for insight in insights}
    per_partner: dict[int, Counter] = defaultdict(Counter)
    customers: Counter = Counter()
    overall: Counter = Counter()
    rows = PartnerCustomer.objects.filter(withdrawn_at__isnull=True).values_list("partner_id", "interests")
    for partner_id, interests in rows.iterator(chunk_size=5000):
        slugs = {str(slug) for slug in interests or []}
        customers[partner_id] += 1
        overall.update(slugs)
        if partner_id in wanted:
            per_partner[partner_id].update(slugs)
    total_customers = sum(customers.values())
    chosen: dict[int, list[tuple[str, int]]] = {
        pk: sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:SUGGESTIONS]
        for pk, counts in per_partner.items()
    }
    slugs = {slug for picks in chosen.values() for slug, _n in picks}
    categories = {c.slug: c for c in Category.objects.filter(slug__in=slugs)}
    top_course: dict[int, Course] = {}
    for course in Course.objects.filter(is_published=True, category__in=categories.values()).order_by(
        "category_id", "-enrollment_count", "slug"
    ):
        top_course.setdefault(course.category_id, course)
    for pk, picks in chosen.items():
        insight = wanted[pk]
        insight.customers = customers[pk]
        for slug, count in picks:
            category = categories.get(slug)
            if category is None:
                continue
            support = count / customers[pk]
            base = overall[slug] / total_customers if total_customers else 0
            insight.suggestions.append(
                {
                    "category": category,
                    "customers": count,
                    "support": support,
                    "affinity": support / base if base else None,
                    "course": top_course.get(category.pk),
                }
            )
