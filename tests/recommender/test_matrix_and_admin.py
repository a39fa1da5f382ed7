"""Interaction sources, time decay and the admin pages of versions and segments."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from courses.models import Enrollment, Review
from recommender.matrix import build_interaction_matrix, catalog_course_ids, decay
from recommender.segments import describe_segment
from recommender.services import recommender_train
from tests.factories import CourseFactory, UserFactory

from .factories import planted_catalog, planted_learners

pytestmark = pytest.mark.django_db


def test_sources_are_summed_per_learner_and_course():
    # given: one enrollment and a 5-star review of the same course
    learner, course, other = UserFactory(), CourseFactory(), CourseFactory()
    Enrollment.objects.create(user=learner, course=course)
    Review.objects.create(user=learner, course=course, rating=5)

    # when
    data = build_interaction_matrix(course_ids=catalog_course_ids())

    # then
    assert data.user_ids.tolist() == [learner.pk]
    assert data.course_ids.tolist() == sorted([course.pk, other.pk])
    column = data.course_ids.tolist().index(course.pk)
    assert data.matrix[0, column] == pytest.approx(1.5, abs=1e-3)
    assert data.n_events == 2


def test_an_extra_source_is_one_function_returning_arrays():
    learner, course = UserFactory(), CourseFactory()

    def orders():
        return (
            np.array([learner.pk, learner.pk, 999_999]),
            np.array([course.pk, 424242, course.pk]),
            np.ones(3),
            np.zeros(3),
        )

    data = build_interaction_matrix(course_ids=catalog_course_ids(), sources=[orders])

    # Unknown courses are dropped; unknown learners still get a row (they may be customers).
    assert data.matrix.nnz == 2
    assert data.n_events == 2


def test_each_cell_keeps_its_first_known_time_for_the_sessions_model():
    # given: two sources see the same (learner, course) at different times; one has no time
    now = timezone.now().timestamp()
    learner, first, second = UserFactory(), CourseFactory(), CourseFactory()

    def enrollments():
        return (
            np.array([learner.pk, learner.pk]),
            np.array([first.pk, second.pk]),
            np.ones(2),
            np.array([now - 500.0, 0.0]),
        )

    def progress():
        return np.array([learner.pk]), np.array([first.pk]), np.ones(1), np.array([now - 900.0])

    # when
    data = build_interaction_matrix(course_ids=catalog_course_ids(), sources=[enrollments, progress])

    # then: the earliest time of the first course; the untimed cell has none
    columns = data.course_ids.tolist()
    assert data.first_seen[0, columns.index(first.pk)] == pytest.approx(now - 900.0)
    assert data.first_seen[0, columns.index(second.pk)] == 0
    assert data.first_seen.nnz == 1
    untimed = build_interaction_matrix(
        course_ids=catalog_course_ids(), sources=[lambda: (*enrollments()[:3], np.zeros(2))]
    )
    assert untimed.first_seen is None


def test_weights_halve_every_half_life():
    now = timezone.now()
    stamps = np.array([now.timestamp(), (now - timedelta(days=30)).timestamp(), 0.0])

    weights = decay(stamps, now=now, half_life_days=30)

    assert weights.tolist() == pytest.approx([1.0, 0.5, 1.0])


def test_staff_see_versions_and_segments_in_the_admin(client):
    planted_learners(planted_catalog(), n_users=40)
    version = recommender_train()
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)

    versions = client.get("/admin/recommender/modelversion/")
    segments = client.get("/admin/recommender/segment/")
    segment_page = client.get(f"/admin/recommender/segment/{version.segments.first().pk}/change/")

    assert versions.status_code == 200
    assert segments.status_code == 200
    assert segment_page.status_code == 200
    segment = version.segments.order_by("number").first()
    assert describe_segment(segment.profile, segment.dominant_level) in segments.content.decode()
    assert segment.description.startswith(
        ("Personal finance", "Travel photography", "Home cooking", "Interior")
    )
