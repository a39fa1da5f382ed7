"""Campaign audiences seen from the recommender: which segments a campaign may name, how
many people an audience holds, which courses the recommender would pick for it, and whether
a signed-in learner belongs to it.

An audience is the learners of the chosen segments of the active version plus the lead
partner's consenting pushed customers (all of them, or those listed). Counts are SQL
``COUNT``s; picks aggregate the stored per-person scores of the members with NumPy: each
member's scores are divided by that member's best score, so every member weighs the same
whatever the scale of their list, and summed per course."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.db.models import Exists, OuterRef, QuerySet

from campaigns.audience import SegmentCatalog, register_segment_source
from campaigns.models import Campaign, CampaignAudienceCustomer
from core.caching import cached
from courses.models import Course, Price
from partners.models import PartnerCustomer
from partners.privacy import is_small_group, min_group_size

from .models import CustomerRecommendation, ModelVersion, Recommendation, Segment, SegmentMembership
from .reasons import REASON_AUDIENCE, describe_segment
from .selectors import COURSE_RELATED, RecommendedCourse

DEFAULT_PICKS = 6
# Picks are cached per campaign and version; this namespace is bumped by nothing but time.
PICKS_CACHE = "audience-picks"


def active_segment_catalog() -> SegmentCatalog:
    """The segments of the active version (one query), described in the active language."""
    segments = list(
        Segment.objects.filter(model_version__is_active=True)
        .order_by("number")
        .values("model_version_id", "number", "size", "profile", "dominant_level")
    )
    if not segments:
        return SegmentCatalog(version_id=None)
    return SegmentCatalog(
        version_id=segments[0]["model_version_id"],
        labels={s["number"]: describe_segment(s["profile"] or {}, s["dominant_level"]) for s in segments},
        sizes={s["number"]: s["size"] for s in segments},
    )


def register() -> None:
    register_segment_source(active_segment_catalog)


# --- Who is in the audience -------------------------------------------------------------


def _members(campaign: Campaign) -> QuerySet:
    """Memberships of the campaign's segments in the active version; none when the numbers
    belong to a version that no longer serves (they were not carried over)."""
    if not campaign.audience_segments or campaign.audience_segments_version is None:
        return SegmentMembership.objects.none()
    return SegmentMembership.objects.filter(
        segment__model_version_id=campaign.audience_segments_version,
        segment__model_version__is_active=True,
        segment__number__in=[int(n) for n in campaign.audience_segments],
    )


def _customers(campaign: Campaign) -> QuerySet:
    """The consenting pushed customers in the audience: withdrawn consent leaves at once."""
    own = PartnerCustomer.objects.filter(partner_id=campaign.partner_id, withdrawn_at__isnull=True)
    if campaign.audience_all_customers:
        return own
    listed = CampaignAudienceCustomer.objects.filter(campaign_id=campaign.pk, customer_id=OuterRef("pk"))
    return own.filter(Exists(listed))


def audience_includes_user(*, campaign: Campaign, user) -> bool:
    """Whether a signed-in learner is in the campaign's segments (one query, none for an
    anonymous visitor or a campaign without segments)."""
    if user is None or not user.is_authenticated or not campaign.audience_segments:
        return False
    return _members(campaign).filter(user_id=user.pk).exists()


@dataclass(frozen=True)
class AudienceEstimate:
    """Sizes as the partner may see them: ``None`` is "fewer than ``min_group``". The total
    is hidden too when one part is, or the difference would give the hidden part away."""

    learners: int | None
    customers: int | None
    total: int | None
    min_group: int
    has_audience: bool

    @property
    def suppressed(self) -> bool:
        return self.total is None and self.has_audience


def _raw_counts(campaign: Campaign) -> tuple[int, int]:
    """Two ``COUNT`` queries (none for an empty part)."""
    learners = _members(campaign).count() if campaign.audience_segments else 0
    customers = _customers(campaign).count() if campaign.pk is not None else 0
    return learners, customers


def audience_estimate(*, campaign: Campaign) -> AudienceEstimate:
    learners, customers = _raw_counts(campaign)
    total = learners + customers
    hidden_part = is_small_group(learners) or is_small_group(customers)
    return AudienceEstimate(
        learners=None if is_small_group(learners) else learners,
        customers=None if is_small_group(customers) else customers,
        total=None if hidden_part or is_small_group(total) else total,
        min_group=min_group_size(),
        has_audience=bool(campaign.audience_segments or campaign.audience_all_customers or customers),
    )


# --- What the recommender would pick ------------------------------------------------------


@dataclass(frozen=True)
class AudiencePick:
    course: Course
    score: float  # mean normalized score over the members with a stored list
    reach: float  # share of those members whose list holds the course

    @property
    def reach_percent(self) -> int:
        return round(self.reach * 100)

    def as_recommended(self) -> RecommendedCourse:
        return RecommendedCourse(
            course=self.course, score=self.score, reason_code=REASON_AUDIENCE, reason_params={}
        )


def aggregate_scores(
    members: np.ndarray, courses: np.ndarray, scores: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per course: the sum of each member's score divided by that member's best score, and
    how many members list it. Returns (course ids, sums, counts, number of members)."""
    if members.size == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty.astype(np.int64), 0
    member_keys, member_index = np.unique(members, return_inverse=True)
    best = np.full(member_keys.size, -np.inf)
    np.maximum.at(best, member_index, scores)
    # A list whose best score is not positive still counts, by rank order only.
    scale = np.where(best[member_index] > 0, best[member_index], 1.0)
    weights = np.where(best[member_index] > 0, scores / scale, 1.0)
    course_ids, course_index = np.unique(courses, return_inverse=True)
    sums = np.bincount(course_index, weights=weights, minlength=course_ids.size)
    counts = np.bincount(course_index, minlength=course_ids.size)
    return course_ids, sums, counts, int(member_keys.size)


def _score_rows(campaign: Campaign) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every stored (member, course, score) row of the audience in the active version: one
    query for the learners, one for the customers. Member keys keep the two kinds apart."""
    parts = []
    if campaign.audience_segments:
        rows = Recommendation.objects.filter(
            model_version__is_active=True, user_id__in=_members(campaign).values("user_id")
        ).values_list("user_id", "course_id", "score")
        parts.append((np.asarray(list(rows), dtype=np.float64).reshape(-1, 3), 0))
    rows = CustomerRecommendation.objects.filter(
        model_version__is_active=True, customer_id__in=_customers(campaign).values("pk")
    ).values_list("customer_id", "course_id", "score")
    parts.append((np.asarray(list(rows), dtype=np.float64).reshape(-1, 3), 1))
    members = np.concatenate([part[:, 0].astype(np.int64) * 2 + kind for part, kind in parts])
    courses = np.concatenate([part[:, 1].astype(np.int64) for part, _kind in parts])
    scores = np.concatenate([part[:, 2] for part, _kind in parts])
    return members, courses, scores


def audience_picks(*, campaign: Campaign, k: int = DEFAULT_PICKS) -> list[AudiencePick]:
    """The courses the recommender would pick for the audience: published, priced in the
    campaign's currency, strongest aggregate first (ties: more members, then course id).
    Three queries; nothing for an audience below the minimum group size."""
    members, courses, scores = _score_rows(campaign)
    course_ids, sums, counts, n_members = aggregate_scores(members, courses, scores)
    if n_members == 0 or is_small_group(n_members):
        return []
    eligible = set(
        Price.objects.filter(
            course_id__in=course_ids.tolist(), currency=campaign.budget_currency, course__is_published=True
        ).values_list("course_id", flat=True)
    )
    keep = np.isin(course_ids, np.fromiter(eligible, dtype=np.int64, count=len(eligible)))
    course_ids, sums, counts = course_ids[keep], sums[keep], counts[keep]
    order = np.lexsort((course_ids, -counts, -sums))[:k]
    chosen = [int(pk) for pk in course_ids[order]]
    by_id = Course.objects.select_related(*COURSE_RELATED).in_bulk(chosen)
    return [
        AudiencePick(course=by_id[pk], score=float(sums[i] / n_members), reach=float(counts[i] / n_members))
        for pk, i in zip(chosen, order.tolist(), strict=True)
        if pk in by_id
    ]


def audience_picks_cached(*, campaign: Campaign, k: int = DEFAULT_PICKS) -> list[AudiencePick]:
    """The picks through the shared cache: one list per campaign state and model version,
    so a landing page does not aggregate the audience on every request."""
    version = ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True).first()
    if version is None:
        return []
    stamp = campaign.updated_at.isoformat() if campaign.updated_at else ""
    return cached(
        (PICKS_CACHE,),
        ("picks", campaign.pk, stamp, version, k),
        lambda: audience_picks(campaign=campaign, k=k),
    )
