"""Nightly jobs (queue "nightly": their names match ``*.nightly_*``). Both are reruns-safe:
mining keeps staff decisions and rewrites the same proposals; sentiment rescoring rewrites
each review's one row and a spike raises one alert."""

from celery import shared_task


@shared_task(name="culture.nightly_mine_themes", acks_late=True)
def nightly_mine_themes() -> dict:
    # Imported here: mining pulls in scikit-learn and the segmenters, web processes must not.
    from .services import themes_mine

    return themes_mine()


@shared_task(name="culture.nightly_review_sentiment", acks_late=True)
def nightly_review_sentiment() -> dict:
    from .services import sentiment_spikes_detect, sentiment_train_and_score

    run = sentiment_train_and_score()
    alerts = sentiment_spikes_detect()
    return {"run": run.pk, "metrics": run.metrics, "alerts": [alert.pk for alert in alerts]}
