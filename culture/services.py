"""Writes: mining the themes, staff decisions on proposals, scoring review sentiment and
raising alerts on negative spikes. The nightly tasks are thin wrappers around these."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Exists, F, FloatField, OuterRef, Q, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from courses.models import Course, Review

from .models import ReviewSentiment, SentimentAlert, SentimentModelRun, Theme, ThemeProposal
from .signals import sentiment_spike_raised

if TYPE_CHECKING:
    from . import mining

BATCH = 2000


def content_languages() -> list[str]:
    return list(settings.MODELTRANSLATION_LANGUAGES)


def mining_config(**overrides) -> mining.MiningConfig:
    # Lazily: scikit-learn and SciPy load only for the nightly jobs, not with every process.
    from . import mining

    values = {"pivot": settings.MODELTRANSLATION_DEFAULT_LANGUAGE, **getattr(settings, "CULTURE_MINING", {})}
    values.update(overrides)
    return mining.MiningConfig(**values)


def course_texts() -> tuple[list[int], list[str], dict[str, list[str]]]:
    """Every course's title, subtitle, description and category names, per content
    language, in one query. The exact translated columns only (no fallback): a language's
    column is its own words."""
    languages = content_languages()
    names = ("title", "subtitle", "description", "category__name", "category__parent__name")
    fields = {
        language: [build_localized_fieldname(name, language) for name in names] for language in languages
    }
    rows = list(
        Course.objects.order_by("id").values_list(
            "id", "slug", *[name for names in fields.values() for name in names]
        )
    )
    texts: dict[str, list[str]] = {language: [] for language in languages}
    for row in rows:
        values = iter(row[2:])
        for language in languages:
            texts[language].append(". ".join(v for v in (next(values) for _ in names) if v))
    return [row[0] for row in rows], [row[1] for row in rows], texts


def themes_mine(*, config: mining.MiningConfig | None = None) -> dict:
    """Mine the themes and (re)write the proposals. Staff decisions stand: an accepted or
    rejected (course, theme) keeps its status, only its score moves; proposals the new run
    no longer makes are dropped while still undecided. A rerun on the same catalog changes
    nothing."""
    # Lazily: scikit-learn and SciPy load only for the nightly jobs, not with every process.
    from . import mining

    config = config or mining_config()
    course_ids, _slugs, texts = course_texts()
    result = mining.mine(texts, config)
    now = timezone.now()
    # Mining above runs outside any transaction (seconds of CPU); the writes are one.
    with transaction.atomic():
        existing = {theme.slug: theme for theme in Theme.objects.all()}
        themes: list[Theme] = []
        seen: set[str] = set()
        for mined in result.themes:
            if mined.slug in seen:
                themes.append(None)
                continue
            seen.add(mined.slug)
            theme = existing.get(mined.slug) or Theme(slug=mined.slug)
            theme.phrases, theme.rank = mined.names, mined.rank
            for language, phrase in mined.names.items():
                field = build_localized_fieldname("name", language)
                # A name staff corrected in the admin is theirs: fill only empty ones.
                if not getattr(theme, field, ""):
                    setattr(theme, field, phrase)
            if not theme.name:
                theme.name = mined.names.get(config.pivot, mined.slug)
            themes.append(theme)
        fresh = [theme for theme in themes if theme is not None and theme.pk is None]
        Theme.objects.bulk_create(fresh)
        stale = [
            theme for theme in themes if theme is not None and theme.pk is not None and theme not in fresh
        ]
        name_fields = [build_localized_fieldname("name", language) for language in content_languages()]
        Theme.objects.bulk_update(
            stale, ["phrases", "rank", "name", *name_fields, "updated_at"], batch_size=BATCH
        )

        rows = [
            ThemeProposal(course_id=course_ids[row], theme_id=themes[index].pk, score=round(score, 6))
            for row, picks in enumerate(result.proposals)
            for index, score in picks
            if themes[index] is not None
        ]
        ThemeProposal.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["course", "theme"],
            update_fields=["score", "updated_at"],
        )
        kept = {(row.course_id, row.theme_id) for row in rows}
        undecided = ThemeProposal.objects.filter(status=ThemeProposal.Status.PROPOSED).values_list(
            "pk", "course_id", "theme_id"
        )
        dropped = [pk for pk, course_id, theme_id in undecided if (course_id, theme_id) not in kept]
        ThemeProposal.objects.filter(pk__in=dropped).delete()
    return {
        "courses": len(course_ids),
        "phrases": result.phrases,
        "themes": len(seen),
        "proposals": len(rows),
        "dropped": len(dropped),
        "at": now.isoformat(),
    }


def theme_proposals_decide(*, proposal_ids: list[int], status: str) -> int:
    """Staff accept or reject proposals (the admin's bulk actions); returns how many changed."""
    if status not in {
        ThemeProposal.Status.ACCEPTED,
        ThemeProposal.Status.REJECTED,
        ThemeProposal.Status.PROPOSED,
    }:
        raise ValueError(status)
    return (
        ThemeProposal.objects.filter(pk__in=proposal_ids)
        .exclude(status=status)
        .update(status=status, decided_at=timezone.now(), updated_at=timezone.now())
    )


# --- Sentiment ----------------------------------------------------------------------------


def _labelled_reviews():
    return Review.objects.exclude(text="").order_by("id")


def sentiment_train_and_score(*, seed: int = 42) -> SentimentModelRun:
    """Evaluate on a held-out split, refit on every labelled review, score every review
    with text, store the run's metrics. Reviews are read in one pass of three columns."""
    # Lazily: scikit-learn and SciPy load only for the nightly jobs, not with every process.
    from . import sentiment

    rows = list(_labelled_reviews().values_list("id", "text", "rating", "language"))
    labelled = [(text, sentiment.weak_label(rating), language) for _pk, text, rating, language in rows]
    labelled = [row for row in labelled if row[1] is not None]
    texts = [row[0] for row in labelled]
    labels = [row[1] for row in labelled]
    evaluation = sentiment.evaluate(texts, labels, [row[2] for row in labelled], seed=seed)
    now = timezone.now()
    scored: list[ReviewSentiment] = []
    if len(set(labels)) == 2:
        model = sentiment.fit(texts, labels, seed=seed)
        positive_column = list(model.classes_).index(sentiment.POSITIVE)
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            probabilities = model.predict_proba([row[1] for row in chunk])[:, positive_column]
            scored.extend(
                ReviewSentiment(
                    review_id=row[0],
                    label=ReviewSentiment.Label.POSITIVE if p >= 0.5 else ReviewSentiment.Label.NEGATIVE,
                    positive_probability=round(float(p), 4),
                    scored_at=now,
                )
                for row, p in zip(chunk, probabilities, strict=True)
            )
    with transaction.atomic():
        ReviewSentiment.objects.bulk_create(
            scored,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["review"],
            update_fields=["label", "positive_probability", "scored_at"],
        )
        run = SentimentModelRun.objects.create(
            n_train=evaluation.n_train,
            n_test=evaluation.n_test,
            metrics={**evaluation.metrics, "scored": len(scored)},
        )
    return run


def sentiment_spikes_detect(*, today: date | None = None) -> list[SentimentAlert]:
    """Courses whose negative share over the last ``CULTURE_SPIKE_WINDOW_DAYS`` is at least
    ``CULTURE_SPIKE_MIN_RISE`` above their own earlier share, with at least
    ``CULTURE_SPIKE_MIN_REVIEWS`` recent scored reviews. One aggregate query finds them;
    a course alerted inside the window is skipped, so one spike raises one alert. Staff
    hear of each new alert once (``notified_at``), through the notifications app."""
    today = today or timezone.localdate()
    window = int(getattr(settings, "CULTURE_SPIKE_WINDOW_DAYS", 7))
    minimum = int(getattr(settings, "CULTURE_SPIKE_MIN_REVIEWS", 5))
    rise = float(getattr(settings, "CULTURE_SPIKE_MIN_RISE", 0.25))
    since = timezone.make_aware(datetime.combine(today - timedelta(days=window - 1), time.min))
    negative = Q(label=ReviewSentiment.Label.NEGATIVE)
    recent = Q(review__created_at__gte=since)
    already = SentimentAlert.objects.filter(
        course_id=OuterRef("review__course_id"), day__gt=today - timedelta(days=window)
    )
    spikes = (
        ReviewSentiment.objects.values("review__course_id")
        .annotate(
            recent=Count("pk", filter=recent),
            recent_negative=Count("pk", filter=recent & negative),
            before=Count("pk", filter=~recent),
            before_negative=Count("pk", filter=~recent & negative),
        )
        .filter(recent__gte=minimum)
        .annotate(
            recent_share=Cast(F("recent_negative"), FloatField()) / Cast(F("recent"), FloatField()),
            baseline_share=Case(
                When(before=0, then=Value(0.0)),
                default=Cast(F("before_negative"), FloatField()) / Cast(F("before"), FloatField()),
                output_field=FloatField(),
            ),
        )
        .filter(recent_share__gte=F("baseline_share") + rise)
        .exclude(Exists(already))
        .order_by("review__course_id")
    )
    SentimentAlert.objects.bulk_create(
        [
            SentimentAlert(
                course_id=row["review__course_id"],
                day=today,
                recent_reviews=row["recent"],
                recent_negative=row["recent_negative"],
                recent_share=round(row["recent_share"], 4),
                baseline_share=round(row["baseline_share"], 4),
            )
            for row in spikes
        ],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        pending = list(
            SentimentAlert.objects.select_for_update(skip_locked=True)
            .filter(notified_at__isnull=True)
            .select_related("course")
            .order_by("pk")
        )
        for alert in pending:
            sentiment_spike_raised.send(sender=SentimentAlert, alert=alert)
        SentimentAlert.objects.filter(pk__in=[alert.pk for alert in pending]).update(
            notified_at=timezone.now()
        )
    return pending
