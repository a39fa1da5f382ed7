"""Accepted cultural themes are item side features of the content model: two courses staff
tagged with the same theme move closer, a proposal nobody accepted changes nothing, and
``RECOMMENDER_THEME_WEIGHT=0`` turns the feature off (the before/after of train_recommender)."""

import numpy as np
import pytest

from culture.models import Theme, ThemeProposal
from recommender.content import item_features, load_catalog
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def _similarity(features, i, j) -> float:
    return float(features[i].multiply(features[j]).sum())


@pytest.fixture
def courses():
    return [
        CourseFactory(title_en="Oolong afternoons", description_en="Leaves and water."),
        CourseFactory(title_en="Gaiwan practice", description_en="Porcelain cups."),
        CourseFactory(title_en="Index funds", description_en="Low fees."),
    ]


def test_an_accepted_theme_brings_its_courses_closer(courses, settings):
    settings.RECOMMENDER_THEME_WEIGHT = 0.5
    tea = Theme.objects.create(slug="tea", name="tea")
    before = item_features(load_catalog())
    ThemeProposal.objects.create(course=courses[0], theme=tea, score=1, status="proposed")
    ThemeProposal.objects.create(course=courses[1], theme=tea, score=1, status="proposed")
    undecided = item_features(load_catalog())
    ThemeProposal.objects.update(status="accepted")
    catalog = load_catalog()
    after = item_features(catalog)

    assert catalog.themes.shape == (3, 1)
    assert _similarity(undecided, 0, 1) == pytest.approx(_similarity(before, 0, 1))
    assert _similarity(after, 0, 1) > _similarity(before, 0, 1) + 0.1
    assert _similarity(after, 0, 2) <= _similarity(before, 0, 2) + 1e-6
    # rows stay unit length: the content model's cosine is a dot product
    assert np.allclose(np.sqrt(after.multiply(after).sum(axis=1)).A.ravel(), 1.0, atol=1e-5)
    # and weight 0 is the text features alone
    assert (item_features(catalog, theme_weight=0) != before).nnz == 0
