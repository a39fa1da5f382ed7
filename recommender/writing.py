"""The night's writes: a trained model's lists (per learner, similar courses, popular,
segments, partner customers) in bulk under its version, and the clean-up of a run's rows.
``services.recommender_train`` calls them inside its lease."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from django.db import connection

from accounts.models import LearnerProfile
from campaigns.services import campaign_audience_segments_remap

from . import listing, reranking
from .conf import RecommenderSettings
from .content import CatalogInfo
from .matrix import InteractionMatrix
from .models import (
    CustomerRecommendation,
    ModelVersion,
    PopularCourse,
    Recommendation,
    Segment,
    SegmentCourse,
    SegmentMembership,
    SimilarCourse,
)
from .segments import LEVELS, cluster, describe_segment, portraits, segment_profile
from .topn import top_n_from_scores, top_n_sparse

if TYPE_CHECKING:  # services imports this module
    from .services import TrainedModel


def _titles(catalog: CatalogInfo, index: int) -> dict:
    return catalog.titles[index]


def _domain_names(catalog: CatalogInfo, domain_id: int) -> dict:
    return catalog.domain_names.get(int(domain_id), {})


def _bulk(model, objects: list, *, batch_size: int) -> int:
    model.objects.bulk_create(objects, batch_size=batch_size)
    return len(objects)


def _write_recommendations(
    *,
    version: ModelVersion,
    trained: TrainedModel,
    data: InteractionMatrix,
    catalog: CatalogInfo,
    config: RecommenderSettings,
    renew: Callable[[], None] = lambda: None,
) -> int:
    """Every learner's list, a block of learners at a time, from sparse products (see
    ``listing``): nothing of size learners x courses is ever made."""
    _domain_values, domains = np.unique(catalog.domain_ids, return_inverse=True)
    rerank_config = reranking.RerankConfig(
        n=config.top_n,
        diversity=config.diversity,
        cross_domain_picks=config.cross_domain_picks,
        cross_domain_position=config.cross_domain_position,
    )
    written = 0
    for block in listing.iter_lists(
        trained.model,
        data.matrix,
        domains=domains,
        available=catalog.is_available,
        explanation=trained.explanation,
        config=rerank_config,
        batch_size=config.batch_size,
    ):
        items, item_scores, is_new, anchors = block.items, block.scores, block.is_new, block.anchors
        # The first new-field course of a list is the cross-domain pick; later ones say why
        # they fit when an owned course explains them.
        first_new = is_new & (np.cumsum(is_new, axis=1) == 1)
        objects = []
        valid_r, valid_c = np.nonzero(np.isfinite(item_scores))
        # Ranks are dense per user even when empty slots were dropped.
        ranks = np.cumsum(np.isfinite(item_scores), axis=1)
        for r, c in zip(valid_r.tolist(), valid_c.tolist(), strict=True):
            item = int(items[r, c])
            if first_new[r, c] or (is_new[r, c] and anchors[r, c] < 0):
                code, params = (
                    reranking.REASON_SOMETHING_NEW,
                    {"category": _domain_names(catalog, catalog.domain_ids[item])},
                )
            elif anchors[r, c] >= 0:
                code, params = (
                    reranking.REASON_BECAUSE_YOU_TOOK,
                    {"course": _titles(catalog, int(anchors[r, c]))},
                )
            else:
                code, params = reranking.REASON_SIMILAR_LEARNERS, {}
            objects.append(
                Recommendation(
                    model_version=version,
                    user_id=int(data.user_ids[block.rows[r]]),
                    course_id=int(catalog.course_ids[item]),
                    rank=int(ranks[r, c]),
                    score=round(float(item_scores[r, c]), 6),
                    reason_code=code,
                    reason_params=params,
                )
            )
        written += _bulk(Recommendation, objects, batch_size=config.write_batch_size)
        renew()
    return written


def _write_similar(
    *, version: ModelVersion, trained: TrainedModel, catalog: CatalogInfo, config: RecommenderSettings
) -> int:
    """Similar courses: co-taken (cosine) and content similarity, half and half. Both are
    sparse (top-k neighbours), so the lists are cut sparsely too: no items x items block."""
    collab = trained.collaborative.tocsr()
    content = trained.content.tocsr()
    collab_max = collab.max() if collab.nnz else 1.0
    blended = (collab * np.float32(0.5 / max(collab_max, 1e-9)) + content * np.float32(0.5)).tocsr()
    n_items = catalog.course_ids.size
    # Unpublished courses are never listed: their columns are zeroed, and the course itself
    # is excluded from its own list.
    blended = (blended @ sp.diags(catalog.is_available.astype(np.float32))).tocsr()
    items, scores = top_n_sparse(blended, config.similar_n, exclude=sp.identity(n_items, format="csr"))
    collab_part = np.asarray(collab[np.arange(n_items)[:, None], items].todense())
    objects = []
    ranks = np.cumsum(np.isfinite(scores), axis=1)
    valid_r, valid_c = np.nonzero(np.isfinite(scores))
    for r, c in zip(valid_r.tolist(), valid_c.tolist(), strict=True):
        code = reranking.REASON_ALSO_TOOK if collab_part[r, c] > 0 else reranking.REASON_SIMILAR_CONTENT
        objects.append(
            SimilarCourse(
                model_version=version,
                course_id=int(catalog.course_ids[r]),
                similar_id=int(catalog.course_ids[items[r, c]]),
                rank=int(ranks[r, c]),
                score=round(float(scores[r, c]), 6),
                reason_code=code,
            )
        )
    return _bulk(SimilarCourse, objects, batch_size=config.write_batch_size)


def _write_popular(
    *, version: ModelVersion, data: InteractionMatrix, catalog: CatalogInfo, config: RecommenderSettings
) -> int:
    """The top available courses of every top category by number of learners."""
    popularity = np.asarray((data.matrix > 0).sum(axis=0), dtype=np.float64).ravel()
    available = np.flatnonzero(catalog.is_available)
    order = available[
        np.lexsort((catalog.course_ids[available], -popularity[available], catalog.domain_ids[available]))
    ]
    domains = catalog.domain_ids[order]
    starts = np.r_[0, np.flatnonzero(np.diff(domains)) + 1]
    first_of_group = np.repeat(starts, np.diff(np.r_[starts, order.size]))
    rank = np.arange(order.size) - first_of_group
    keep = rank < config.top_n
    objects = [
        PopularCourse(
            model_version=version,
            category_id=int(domain),
            course_id=int(catalog.course_ids[item]),
            rank=int(r) + 1,
            score=float(popularity[item]),
        )
        for item, domain, r in zip(order[keep], domains[keep], rank[keep], strict=True)
    ]
    return _bulk(PopularCourse, objects, batch_size=config.write_batch_size)


def _write_segments(
    *, version: ModelVersion, data: InteractionMatrix, catalog: CatalogInfo, config: RecommenderSettings
) -> int:
    domain_values, domains = np.unique(catalog.domain_ids, return_inverse=True)
    domain_by_slug = {catalog.domain_slugs.get(int(d), ""): i for i, d in enumerate(domain_values)}
    # Declared interests may name a subcategory: count it for its top category.
    for category_id, slug in catalog.domain_slugs.items():
        if slug not in domain_by_slug:
            parent = catalog.domain_ids[catalog.category_ids == category_id]
            if parent.size:
                domain_by_slug[slug] = int(np.searchsorted(domain_values, parent[0]))
    interest_rows = list(LearnerProfile.objects.exclude(interests=[]).values_list("user_id", "interests"))
    user_ids, portrait = portraits(
        interaction_matrix=data.matrix,
        interaction_user_ids=data.user_ids,
        interest_rows=[(u, i if isinstance(i, list) else []) for u, i in interest_rows],
        domain_index=domains,
        n_domains=domain_values.size,
        domain_by_slug=domain_by_slug,
        interest_weight=config.interest_weight,
    )
    if user_ids.size == 0:
        return 0
    n_items = catalog.course_ids.size
    level_index = np.asarray([LEVELS.index(level) if level in LEVELS else 0 for level in catalog.levels])
    item_level = sp.csr_matrix(
        (np.ones(n_items, dtype=np.float32), (np.arange(n_items), level_index)), shape=(n_items, 3)
    )
    rows_in_x = np.searchsorted(data.user_ids, user_ids)
    in_x = (
        (rows_in_x < data.user_ids.size)
        & (data.user_ids[np.minimum(rows_in_x, max(data.user_ids.size - 1, 0))] == user_ids)
        if data.user_ids.size
        else np.zeros(user_ids.size, dtype=bool)
    )
    user_levels = np.zeros((user_ids.size, 3), dtype=np.float32)
    if in_x.any():
        user_levels[in_x] = np.asarray((data.matrix[rows_in_x[in_x]] @ item_level).todense())
    result = cluster(
        user_ids=user_ids,
        portrait=portrait,
        n_segments=config.segments,
        seed=config.seed,
        user_levels=user_levels,
    )
    if result is None:
        return 0
    segments = []
    for number, centroid in enumerate(result.centroids):
        profile = segment_profile(centroid, catalog, domain_values)
        segments.append(
            Segment(
                model_version=version,
                number=number,
                size=int(result.sizes[number]),
                profile=profile,
                dominant_level=result.levels[number],
                description=describe_segment(profile, result.levels[number], "en"),
            )
        )
    Segment.objects.bulk_create(segments)
    segments = list(Segment.objects.filter(model_version=version).order_by("number"))
    memberships = [
        SegmentMembership(segment=segments[label], user_id=int(user_id))
        for user_id, label in zip(result.user_ids.tolist(), result.labels.tolist(), strict=True)
    ]
    _bulk(SegmentMembership, memberships, batch_size=config.write_batch_size)
    # What each segment's members take, so a new member gets a list at once.
    member_rows = np.flatnonzero(in_x)
    membership = sp.csr_matrix(
        (np.ones(member_rows.size, dtype=np.float32), (result.labels[member_rows], rows_in_x[in_x])),
        shape=(len(segments), data.matrix.shape[0]),
    )
    popularity = np.asarray((membership @ (data.matrix > 0).astype(np.float32)).todense())
    popularity[:, ~catalog.is_available] = -np.inf
    popularity[popularity <= 0] = -np.inf

    items, scores = top_n_from_scores(popularity, config.top_n)
    objects = []
    for number, segment in enumerate(segments):
        finite = np.isfinite(scores[number])
        for rank, (item, score) in enumerate(
            zip(items[number][finite], scores[number][finite], strict=True), 1
        ):
            objects.append(
                SegmentCourse(
                    segment=segment, course_id=int(catalog.course_ids[item]), rank=rank, score=float(score)
                )
            )
    _bulk(SegmentCourse, objects, batch_size=config.write_batch_size)
    return len(segments)


def _write_customer_recommendations(*, version: ModelVersion, config: RecommenderSettings) -> int:
    """The stored list of every consenting pushed partner customer, from their declared
    interests (customers have no history with us). Customers with the same interests share
    one list, so the queries grow with distinct interest sets, not with customers. Runs once
    ``version`` is active: the cold-start lists read the active version's tables."""
    from partners.models import PartnerCustomer

    from .selectors import cold_start

    lists: dict[tuple[str, ...], list] = {}
    objects: list[CustomerRecommendation] = []
    written = 0
    customers = (
        PartnerCustomer.objects.filter(withdrawn_at__isnull=True)
        .order_by("id")
        .values_list("id", "interests")
    )
    for customer_id, raw in customers.iterator(chunk_size=config.write_batch_size):
        interests = tuple(sorted({str(slug) for slug in raw})) if isinstance(raw, list) else ()
        if interests not in lists:
            lists[interests] = cold_start(interests=list(interests), owned=None, k=config.top_n)
        objects.extend(
            CustomerRecommendation(
                model_version=version,
                customer_id=customer_id,
                course_id=item.course.pk,
                rank=rank,
                score=round(float(item.score), 6),
                reason_code=item.reason_code,
                reason_params=item.reason_params,
            )
            for rank, item in enumerate(lists[interests], 1)
        )
        if len(objects) >= config.write_batch_size:
            written += _bulk(CustomerRecommendation, objects, batch_size=config.write_batch_size)
            objects = []
    return written + _bulk(CustomerRecommendation, objects, batch_size=config.write_batch_size)


def segment_successors(*, from_version_id: int, to_version_id: int) -> dict[int, int]:
    """Each segment number of the old version -> the new segment that holds most of its
    members (ties: the lower number). k-means numbers clusters arbitrarily, so a campaign
    aimed at "segment 3" follows its learners, not the number. One grouped query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT old_s.number, new_s.number, COUNT(*)
            FROM {SegmentMembership._meta.db_table} old_m
            JOIN {Segment._meta.db_table} old_s ON old_s.id = old_m.segment_id
            JOIN {SegmentMembership._meta.db_table} new_m ON new_m.user_id = old_m.user_id
            JOIN {Segment._meta.db_table} new_s ON new_s.id = new_m.segment_id
            WHERE old_s.model_version_id = %s AND new_s.model_version_id = %s
            GROUP BY old_s.number, new_s.number
            """,
            [from_version_id, to_version_id],
        )
        rows = cursor.fetchall()
    best: dict[int, tuple[int, int]] = {}
    for old_number, new_number, shared in rows:
        current = best.get(old_number)
        if current is None or (shared, -new_number) > (current[1], -current[0]):
            best[old_number] = (new_number, shared)
    return {old: new for old, (new, _shared) in best.items()}


def _carry_audiences(*, from_version_id: int, to_version_id: int) -> int:
    mapping = segment_successors(from_version_id=from_version_id, to_version_id=to_version_id)
    return campaign_audience_segments_remap(
        from_version_id=from_version_id, to_version_id=to_version_id, mapping=mapping
    )


def _delete_rows(version_ids: list[int]) -> None:
    """Set-based deletes of the stored lists of versions that no longer serve."""
    if not version_ids:
        return
    SegmentCourse.objects.filter(segment__model_version_id__in=version_ids).delete()
    SegmentMembership.objects.filter(segment__model_version_id__in=version_ids).delete()
    Segment.objects.filter(model_version_id__in=version_ids).delete()
    Recommendation.objects.filter(model_version_id__in=version_ids).delete()
    CustomerRecommendation.objects.filter(model_version_id__in=version_ids).delete()
    SimilarCourse.objects.filter(model_version_id__in=version_ids).delete()
    PopularCourse.objects.filter(model_version_id__in=version_ids).delete()


# Errors of the connection rather than of the data: the run is retried, never recorded as
# failed under its key (a failed version of a key would answer every retry of that night).
