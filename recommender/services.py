"""Training: build the matrix, hold out a validation split, tune and train the hybrid,
evaluate, record a model version, and activate it only when it is not worse than the active
one. The stored lists of an activated version are written in bulk; a version that is not
activated keeps only its record (and the reason in ``note``)."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .algorithms import (
    EASE,
    Algorithm,
    ContentSimilarity,
    Hybrid,
    ItemKNN,
    Popularity,
    RP3beta,
    SessionEASE,
    session_rows,
)
from .conf import RecommenderSettings, recommender_settings
from .content import CatalogInfo, item_features, load_catalog
from .matrix import InteractionMatrix, Source, build_interaction_matrix
from .models import (
    CustomerRecommendation,
    ModelVersion,
)
from .timed import SequenceNeighbors
from .validation import ranking_metrics, sample_held_users, tune, tune_hybrid_weights, validation_split
from .writing import (
    _carry_audiences,
    _delete_rows,
    _write_customer_recommendations,
    _write_popular,
    _write_recommendations,
    _write_segments,
    _write_similar,
)

logger = logging.getLogger(__name__)

EASE_GRID = (10.0, 50.0, 200.0, 500.0)
# Pauses (seconds) that end a learner's sitting for the sessions model, tried with the lambda
# EASE chose; it replaces EASE only when it scores strictly better on validation.
SESSION_GAPS = (3600.0, 86400.0)
KNN_GRID = {"k": (20, 100)}
RP3_GRID = {"alpha": (0.8, 1.0), "beta": (0.3, 0.5)}


class TrainingDataError(Exception):
    """The data cannot produce a model; the active version stays."""


class RunInProgress(Exception):
    """Another attempt of the same run holds a live lease on its version: try again after
    ``retry_after`` seconds (the lease expires if that attempt's worker died)."""

    def __init__(self, version: ModelVersion, retry_after: float) -> None:
        super().__init__(f"version #{version.pk} of run {version.run_key!r} is being written")
        self.version = version
        self.retry_after = retry_after


class LeaseLost(Exception):
    """This attempt's lease expired and another attempt took the version over."""


@dataclass
class TrainedModel:
    model: Hybrid
    explanation: sp.csr_matrix
    collaborative: sp.csr_matrix
    content: sp.csr_matrix
    metrics: dict
    params: dict


# --- Fitting -----------------------------------------------------------------------------


def _collaborative_part(
    fit: sp.csr_matrix,
    held: sp.csr_matrix,
    config: RecommenderSettings,
    timestamps: sp.csr_matrix | None = None,
) -> Algorithm:
    """EASE with lambda chosen on validation while its dense system fits, or EASE fitted on
    sessions (``SessionEASE``, when the interactions have times) if that scores strictly
    better there; above the limit the better on validation of RP3beta and item-kNN (both
    sparse, no catalog limit)."""
    if EASE.dense_size(fit) <= config.ease_max_items:
        params, score = tune(
            lambda lambda_: EASE(lambda_=lambda_, max_items=config.ease_max_items),
            {"lambda_": EASE_GRID},
            fit,
            held,
            k=10,
        )
        best: Algorithm = EASE(lambda_=params["lambda_"], max_items=config.ease_max_items)
        for gap in SESSION_GAPS if timestamps is not None else ():
            if EASE.dense_size(session_rows(fit, timestamps, gap=gap)) > config.ease_max_items:
                continue
            candidate = SessionEASE(
                timestamps=timestamps, gap=gap, lambda_=params["lambda_"], max_items=config.ease_max_items
            )
            candidate_score = ranking_metrics(candidate.fit(fit), fit, held, k=10)["ndcg@10"]
            if candidate_score > score:
                best, score = candidate, candidate_score
        if timestamps is not None:
            best = _with_sequence(best, score, fit, held, timestamps)
        return best
    k = config.knn_k
    rp3_params, rp3_score = tune(lambda **p: RP3beta(k=k, **p), RP3_GRID, fit, held, k=10)
    knn_params, knn_score = tune(lambda **p: ItemKNN(**p), KNN_GRID, fit, held, k=10)
    if rp3_score >= knn_score:
        return RP3beta(k=k, **rp3_params)
    return ItemKNN(**knn_params)


def _with_sequence(
    best: Algorithm, score: float, fit: sp.csr_matrix, held: sp.csr_matrix, timestamps: sp.csr_matrix
) -> Algorithm:
    """``best`` blended with ``SequenceNeighbors`` (courses taken one right after the other),
    the weight chosen on validation; kept only when the blend scores strictly better there
    than ``best`` alone. On the MovieLens-100k validation folds this part added about +0.003
    nDCG@10 to the evaluation's best blend; on a platform whose learners enroll in no
    particular order it gets weight 0 and the night keeps ``best``."""
    # Equal first-seen times are no order here (enrollments imported in bulk share one):
    # they make no pair, unlike the MovieLens evaluation, where they are pages.
    sequence = SequenceNeighbors(timestamps=timestamps, window=1, order_ties=False).fit(fit)
    if sequence.similarity.nnz == 0:
        # No two courses taken one after the other: a part scoring 0 everywhere would only
        # rank by index, which can look better than a model on a small validation split.
        return best
    weights, blended, _ = tune_hybrid_weights([best, sequence], fit, held, k=10, step=0.1, fitted=[sequence])
    if weights[1] > 0 and blended > score:
        return Hybrid(parts=[best, sequence], weights=weights, name="collaborative_sequence")
    return best


def hybrid_fit(data: InteractionMatrix, catalog: CatalogInfo, config: RecommenderSettings) -> TrainedModel:
    """Tune on a validation split carved from the data, then refit on all of it."""
    X = data.matrix
    fit, held = validation_split(X, seed=config.seed, fraction=config.validation_fraction)
    if held.nnz == 0:
        raise TrainingDataError(_("No learner has enough interactions to hold out a validation split."))
    # Models are fitted on every learner; they are scored on a sample, so tuning costs the
    # same at 500,000 learners as at 20,000.
    held = sample_held_users(held, max_users=config.validation_max_users, seed=config.seed)
    features = item_features(catalog)
    collaborative = _collaborative_part(fit, held, config, timestamps=data.first_seen)
    parts: list[Algorithm] = [collaborative, ContentSimilarity(item_features=features), Popularity()]
    weights, _score, part_scores = tune_hybrid_weights(parts, fit, held, k=10, step=0.1)
    blend = Hybrid(parts=parts, weights=weights)
    validation = ranking_metrics(blend, fit, held, k=10)
    metrics = {
        **validation,
        "validation_parts": {name: round(value, 6) for name, value in part_scores.items()},
    }
    for part in collaborative.parts if isinstance(collaborative, Hybrid) else [collaborative]:
        if isinstance(part, EASE | SessionEASE):
            # Same scaling as the offline evaluation: lambda grows with the Gram matrix.
            part.params["lambda"] = round(part.params["lambda"] * X.nnz / max(fit.nnz, 1), 3)
    blend.fit(X)
    knn = parts[0] if isinstance(parts[0], ItemKNN) else ItemKNN(k=config.knn_k, shrink=2.0).fit(X)
    content = parts[1].similarity.T.tocsr()
    collab = knn.similarity.T.tocsr()
    explanation = (collab + content * np.float32(0.5)).tocsr()
    return TrainedModel(
        model=blend,
        explanation=explanation,
        collaborative=collab,
        content=content,
        metrics=metrics,
        params=blend.describe(),
    )


# --- Writing -------------------------------------------------------------------------------


TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


# --- The use case --------------------------------------------------------------------------


def _data_problem(data: InteractionMatrix, catalog: CatalogInfo, config: RecommenderSettings) -> str:
    if catalog.course_ids.size < 2:
        return str(_("The catalog has fewer than two courses."))
    if not catalog.is_available.any():
        return str(_("No course is published."))
    if data.matrix.nnz < config.min_interactions:
        return str(
            _("Only %(count)s interactions; at least %(minimum)s are needed.")
            % {"count": data.matrix.nnz, "minimum": config.min_interactions}
        )
    if data.matrix.shape[0] < 2:
        return str(_("Fewer than two learners have interactions."))
    return ""


def _record(status: str, note: str, *, run_key: str, started: float, **fields) -> ModelVersion:
    """A version that ends here (failed or not activated). When an earlier attempt of the
    same run left a version whose lease expired, that version takes the outcome."""
    values = {
        "status": status,
        "note": note,
        "duration_seconds": round(time.perf_counter() - started, 3),
        **fields,
    }
    try:
        with transaction.atomic():
            return ModelVersion.objects.create(run_key=run_key, **values)
    except IntegrityError:
        # Another attempt of the run got there first: its result stands, unless it died
        # while writing (lease expired), in which case this outcome replaces it.
        ModelVersion.objects.filter(
            run_key=run_key, status=ModelVersion.Status.WRITING, lease_expires_at__lt=timezone.now()
        ).update(**values, lease_token="", lease_expires_at=None)
        return ModelVersion.objects.get(run_key=run_key)


class _Lease:
    """This attempt's claim on the version it writes: renewed after every batch, checked
    before activation. Losing it (it expired and another attempt took over) stops the
    writing without touching the rows, which now belong to the other attempt."""

    def __init__(self, seconds: int) -> None:
        self.token = uuid.uuid4().hex
        self.seconds = seconds
        self.version_id: int | None = None

    def expiry(self) -> datetime:
        return timezone.now() + timedelta(seconds=self.seconds)

    def renew(self) -> None:
        held = ModelVersion.objects.filter(
            pk=self.version_id, status=ModelVersion.Status.WRITING, lease_token=self.token
        ).update(lease_expires_at=self.expiry())
        if not held:
            raise LeaseLost(f"version #{self.version_id}: the lease was taken over")


def _claim(*, run_key: str, lease: _Lease, started: float, fields: dict) -> ModelVersion:
    """The version this attempt writes, under its lease: a new one, or the version of an
    earlier attempt of the same run whose lease expired (its half-written lists are
    deleted first: they are this run's own). Raises ``RunInProgress`` while another
    attempt's lease is live; returns a finished version of the run as it is."""
    values = {
        "status": ModelVersion.Status.WRITING,
        "note": "",
        "lease_token": lease.token,
        "lease_expires_at": lease.expiry(),
        "duration_seconds": round(time.perf_counter() - started, 3),
        **fields,
    }
    try:
        with transaction.atomic():
            version = ModelVersion.objects.create(run_key=run_key, **values)
    except IntegrityError:
        version = ModelVersion.objects.get(run_key=run_key)
        if version.status != ModelVersion.Status.WRITING:
            return version
        now = timezone.now()
        taken = ModelVersion.objects.filter(
            pk=version.pk, status=ModelVersion.Status.WRITING, lease_expires_at__lt=now
        ).update(**values)
        if not taken:
            version.refresh_from_db()
            if version.status != ModelVersion.Status.WRITING:
                return version
            raise RunInProgress(version, max((version.lease_expires_at - now).total_seconds(), 1.0)) from None
        logger.warning(
            "recommender: run %s takes over version #%s after its lease expired", run_key, version.pk
        )
        _delete_rows([version.pk])
        version.refresh_from_db()
    lease.version_id = version.pk
    return version


def _existing_run(run_key: str) -> ModelVersion | None:
    """A finished version of this run, or ``RunInProgress`` while another attempt writes."""
    if not run_key:
        return None
    existing = ModelVersion.objects.filter(run_key=run_key).first()
    if existing is None:
        return None
    if existing.status != ModelVersion.Status.WRITING:
        return existing
    remaining = (
        (existing.lease_expires_at - timezone.now()).total_seconds() if existing.lease_expires_at else 0
    )
    if remaining > 0:
        raise RunInProgress(existing, remaining)
    # The attempt that was writing died: train again and take its version over.
    return None


def recommender_train(
    *,
    now: datetime | None = None,
    run_key: str = "",
    sources: list[Source] | None = None,
    force_activate: bool = False,
    **overrides,
) -> ModelVersion:
    """Train a version and activate it when its validation nDCG@10 is at most
    ``activation_margin`` below the active version's. Never raises for bad data: the
    returned version says what happened in ``status`` and ``note``.

    With a ``run_key`` a run happens once: a finished version of the key is returned as it
    is; a version another attempt is still writing under a live lease raises
    ``RunInProgress`` (retry later); one whose lease expired (its worker died) is taken
    over and written again from scratch. Lists are written under the version's lease, and
    the only rows a run deletes are its own (on failure, or a dead attempt's of the same
    key) and those of versions that no longer serve, never a version being written."""
    started = time.perf_counter()
    config = recommender_settings(**overrides)
    existing = _existing_run(run_key)
    if existing is not None:
        return existing
    now = now or timezone.now()
    # Taken before the read, so a purchase made while reading counts as fresh (served from
    # its similar courses) rather than lost between the model and the request-time part.
    data_until = timezone.now()
    try:
        catalog = load_catalog()
        data = build_interaction_matrix(course_ids=catalog.course_ids, sources=sources, now=now)
    except TRANSIENT_DATABASE_ERRORS:
        # A lost connection (a restart, a failover) is not bad data: nothing is recorded under
        # the run's key, so the task's retry trains the night's version.
        raise
    except Exception as exc:  # broken data must never take the served lists down
        logger.exception("recommender: reading the interactions failed")
        return _record(
            ModelVersion.Status.FAILED,
            f"reading the data failed: {exc}",
            run_key=run_key,
            started=started,
            algorithm="hybrid",
        )
    sizes = {
        "n_users": int(data.matrix.shape[0]),
        "n_items": int(catalog.course_ids.size),
        "n_interactions": int(data.matrix.nnz),
    }
    problem = _data_problem(data, catalog, config)
    if problem:
        return _record(
            ModelVersion.Status.FAILED, problem, run_key=run_key, started=started, algorithm="hybrid", **sizes
        )
    try:
        trained = hybrid_fit(data, catalog, config)
    except TrainingDataError as exc:
        return _record(
            ModelVersion.Status.FAILED,
            str(exc),
            run_key=run_key,
            started=started,
            algorithm="hybrid",
            **sizes,
        )
    except Exception as exc:
        logger.exception("recommender: training failed")
        return _record(
            ModelVersion.Status.FAILED,
            f"training failed: {exc}",
            run_key=run_key,
            started=started,
            algorithm="hybrid",
            **sizes,
        )

    active = ModelVersion.objects.filter(is_active=True).first()
    new_ndcg = float(trained.metrics.get("ndcg@10", 0.0))
    if (
        not force_activate
        and active is not None
        and active.ndcg is not None
        and new_ndcg < active.ndcg - config.activation_margin
    ):
        note = str(
            _(
                "Validation nDCG@10 %(new).4f is worse than the active version's %(old).4f "
                "by more than %(margin)s."
            )
            % {"new": new_ndcg, "old": active.ndcg, "margin": config.activation_margin}
        )
        return _record(
            ModelVersion.Status.REJECTED,
            note,
            run_key=run_key,
            started=started,
            algorithm="hybrid",
            params=trained.params,
            metrics=trained.metrics,
            **sizes,
        )

    lease = _Lease(config.lease_seconds)
    version = _claim(
        run_key=run_key,
        lease=lease,
        started=started,
        fields={
            "algorithm": "hybrid",
            "params": trained.params,
            "metrics": trained.metrics,
            "data_until": data_until,
            **sizes,
        },
    )
    if version.status != ModelVersion.Status.WRITING or version.lease_token != lease.token:
        return version
    try:
        counts = {
            "recommendations": _write_recommendations(
                version=version, trained=trained, data=data, catalog=catalog, config=config, renew=lease.renew
            ),
        }
        lease.renew()
        counts["similar_courses"] = _write_similar(
            version=version, trained=trained, catalog=catalog, config=config
        )
        lease.renew()
        counts["popular_courses"] = _write_popular(version=version, data=data, catalog=catalog, config=config)
        lease.renew()
        counts["segments"] = _write_segments(version=version, data=data, catalog=catalog, config=config)
        lease.renew()
    except TRANSIENT_DATABASE_ERRORS:
        # The version stays WRITING (its rows are this attempt's); giving the lease up lets
        # the task's retry take it over at once instead of after the lease runs out.
        with contextlib.suppress(DatabaseError):
            ModelVersion.objects.filter(pk=version.pk, lease_token=lease.token).update(
                lease_expires_at=timezone.now()
            )
        raise
    except LeaseLost:
        # Another attempt of the run owns the version and its rows now.
        logger.warning("recommender: lost the lease on version #%s; the other attempt goes on", version.pk)
        version.refresh_from_db()
        return version
    except Exception as exc:
        logger.exception("recommender: writing the lists failed")
        _delete_rows([version.pk])
        ModelVersion.objects.filter(pk=version.pk, lease_token=lease.token).update(
            status=ModelVersion.Status.FAILED,
            note=f"writing the lists failed: {exc}",
            lease_token="",
            lease_expires_at=None,
        )
        version.refresh_from_db()
        return version

    with transaction.atomic():
        mine = (
            ModelVersion.objects.select_for_update()
            .filter(pk=version.pk, status=ModelVersion.Status.WRITING, lease_token=lease.token)
            .first()
        )
        if mine is None:
            version.refresh_from_db()
            return version
        previous = list(
            ModelVersion.objects.select_for_update()
            .filter(is_active=True)
            .exclude(pk=version.pk)
            .order_by("pk")
        )
        ModelVersion.objects.filter(pk__in=[v.pk for v in previous]).update(
            is_active=False, status=ModelVersion.Status.RETIRED
        )
        version = mine
        version.is_active = True
        version.status = ModelVersion.Status.ACTIVE
        version.activated_at = timezone.now()
        version.note = ""
        version.lease_token = ""
        version.lease_expires_at = None
        version.metrics = {**trained.metrics, "stored": counts}
        version.duration_seconds = round(time.perf_counter() - started, 3)
        version.save()
    for old in previous:
        try:
            _carry_audiences(from_version_id=old.pk, to_version_id=version.pk)
        except Exception:
            # Campaigns keep the old numbers, which then match nobody: an empty audience
            # rather than a failed night. The admin shows the error in the log.
            logger.exception("recommender: carrying campaign audiences to version #%s failed", version.pk)
    try:
        counts["customer_recommendations"] = _write_customer_recommendations(version=version, config=config)
        version.save(update_fields=["metrics", "updated_at"])
    except Exception:
        # The partner API falls back to a cold-start list computed per request.
        logger.exception("recommender: writing the partner customers' lists failed")
        CustomerRecommendation.objects.filter(model_version=version).delete()
    # Versions that no longer serve; a version being written (status WRITING, its own
    # attempt's or a dead one awaiting takeover) is never touched here.
    stale = list(
        ModelVersion.objects.exclude(pk=version.pk)
        .filter(
            status__in=[ModelVersion.Status.RETIRED, ModelVersion.Status.REJECTED, ModelVersion.Status.FAILED]
        )
        .values_list("pk", flat=True)
    )
    _delete_rows(stale)
    return version
