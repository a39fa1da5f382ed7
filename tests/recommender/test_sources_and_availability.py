"""Purchases feed the portrait; sold-out live classes are never recommended."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.models import Order
from courses.models import Course
from recommender.content import load_catalog
from recommender.matrix import build_interaction_matrix, catalog_course_ids
from recommender.models import ModelVersion, PopularCourse, Recommendation, SegmentCourse, SimilarCourse
from recommender.services import recommender_train
from tests.commerce.factories import OrderFactory, OrderLineFactory
from tests.factories import CourseFactory, LiveSessionFactory, UserFactory

from .factories import planted_catalog, planted_learners

pytestmark = pytest.mark.django_db


def _order(user, course, status):
    paid_at = timezone.now() if status != Order.Status.PENDING else None
    order = OrderFactory(user=user, status=status, paid_at=paid_at)
    OrderLineFactory(order=order, course=course)


def test_a_paid_purchase_is_an_interaction_and_an_unpaid_or_refunded_one_is_not():
    # given: one paid, one pending and one fully refunded order, no enrollments
    buyer, browser, refunded = UserFactory(), UserFactory(), UserFactory()
    course = CourseFactory()
    _order(buyer, course, Order.Status.PAID)
    _order(browser, course, Order.Status.PENDING)
    _order(refunded, course, Order.Status.REFUNDED)

    # when
    data = build_interaction_matrix(course_ids=catalog_course_ids())

    # then: only the buyer has a row, with the purchase weight
    assert data.user_ids.tolist() == [buyer.pk]
    assert data.matrix[0, data.course_ids.tolist().index(course.pk)] == pytest.approx(0.5, abs=1e-3)


def test_live_classes_without_an_upcoming_free_seat_are_not_available():
    # given
    sold_out = LiveSessionFactory(capacity=3, seats_taken=3).course
    bookable = LiveSessionFactory(capacity=3, seats_taken=2).course
    LiveSessionFactory(course=sold_out, starts_at=timezone.now() - timedelta(days=1), seats_taken=0)
    only_past = LiveSessionFactory(starts_at=timezone.now() - timedelta(days=1)).course
    video = CourseFactory(format=Course.Format.VIDEO)
    for course in (sold_out, bookable, only_past, video):
        Course.objects.filter(pk=course.pk).update(is_published=True)

    # when
    catalog = load_catalog()

    # then
    available = dict(zip(catalog.course_ids.tolist(), catalog.is_available.tolist(), strict=True))
    assert available == {sold_out.pk: False, bookable.pk: True, only_past.pk: False, video.pk: True}


def test_a_sold_out_live_class_is_in_no_stored_list():
    # given: a popular planted course becomes a sold-out live class
    planted = planted_learners(planted_catalog(), n_users=60)
    course = planted.courses["finance"][1]
    Course.objects.filter(pk=course.pk).update(format=Course.Format.LIVE)
    LiveSessionFactory(course=course, capacity=2, seats_taken=2)

    # when
    version = recommender_train()

    # then
    assert version.status == ModelVersion.Status.ACTIVE, version.note
    assert Recommendation.objects.filter(model_version=version).exists()
    assert not Recommendation.objects.filter(course=course).exists()
    assert not SimilarCourse.objects.filter(similar=course).exists()
    assert not PopularCourse.objects.filter(course=course).exists()
    assert not SegmentCourse.objects.filter(course=course).exists()
