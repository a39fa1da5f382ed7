"""A lost database connection during training is not bad data: nothing is recorded under
the night's run key, so the task's retry trains that night's version (a FAILED version of
the key would answer every retry)."""

from unittest import mock

import pytest
from django.db import OperationalError

from recommender import services
from recommender.models import ModelVersion
from recommender.services import recommender_train

from .factories import planted_catalog, planted_learners

pytestmark = pytest.mark.django_db


def test_a_lost_connection_while_reading_records_nothing_and_the_retry_trains():
    planted_learners(planted_catalog(per_topic=4), n_users=24)

    with (
        mock.patch.object(
            services, "build_interaction_matrix", side_effect=OperationalError("server closed")
        ),
        pytest.raises(OperationalError),
    ):
        recommender_train(run_key="night-x")
    assert not ModelVersion.objects.filter(run_key="night-x").exists()

    version = recommender_train(run_key="night-x")

    assert version.status == ModelVersion.Status.ACTIVE


def test_other_errors_while_reading_still_record_a_failed_version():
    planted_learners(planted_catalog(per_topic=4), n_users=24)

    with mock.patch.object(services, "build_interaction_matrix", side_effect=ValueError("bad row")):
        version = recommender_train(run_key="night-y")

    assert version.status == ModelVersion.Status.FAILED
    assert "bad row" in version.note


def test_a_lost_connection_while_writing_gives_the_lease_up_for_the_retry():
    planted_learners(planted_catalog(per_topic=4), n_users=24)

    with (
        mock.patch.object(services, "_write_similar", side_effect=OperationalError("server closed")),
        pytest.raises(OperationalError),
    ):
        recommender_train(run_key="night-z")
    stuck = ModelVersion.objects.get(run_key="night-z")
    assert stuck.status == ModelVersion.Status.WRITING

    version = recommender_train(run_key="night-z")

    assert version.pk == stuck.pk and version.status == ModelVersion.Status.ACTIVE
