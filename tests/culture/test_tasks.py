"""The nightly culture jobs are registered Celery tasks on beat, routed to the nightly queue,
and a rerun changes nothing."""

import pytest
from django.conf import settings

from config.celery import app
from culture.models import SentimentAlert, Theme, ThemeProposal
from culture.tasks import nightly_mine_themes, nightly_review_sentiment
from tests.culture.test_themes import catalog  # noqa: F401 -- the ten-course fixture

pytestmark = pytest.mark.django_db


def test_both_jobs_are_on_beat_and_in_the_nightly_queue():
    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"culture.nightly_mine_themes", "culture.nightly_review_sentiment"} <= tasks
    for name in ("culture.nightly_mine_themes", "culture.nightly_review_sentiment"):
        assert name in app.tasks
        assert app.amqp.router.route({}, name)["queue"].name == settings.CELERY_TASK_QUEUE_NIGHTLY


def test_a_rerun_of_the_night_changes_nothing(catalog, settings):  # noqa: F811
    settings.CULTURE_MINING = {"max_share": 0.5}
    first = nightly_mine_themes.apply().get()
    snapshot = sorted(ThemeProposal.objects.values_list("course_id", "theme_id", "score", "status"))
    second = nightly_mine_themes.apply().get()

    assert first["themes"] == second["themes"] == Theme.objects.count() > 0
    assert sorted(ThemeProposal.objects.values_list("course_id", "theme_id", "score", "status")) == snapshot
    result = nightly_review_sentiment.apply().get()
    assert result["alerts"] == [] and SentimentAlert.objects.count() == 0
