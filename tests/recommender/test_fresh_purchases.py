"""Session-based "for you": a course bought after the active version read its data steers
the list at once (its similar courses), with no retraining."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from courses.models import Enrollment
from recommender import reranking
from recommender.models import ModelVersion, Recommendation, SimilarCourse
from recommender.selectors import recommendations_for_user
from recommender.services import recommender_train
from tests.factories import UserFactory

from .factories import planted_catalog, planted_learners

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/recommendations/"
PAY = {"provider": "sandbox", "token": "tok_success"}


@pytest.fixture
def trained():
    planted = planted_learners(planted_catalog(), n_users=40)
    version = recommender_train()
    assert version.is_active, version.note
    return planted


def _buy(client: APIClient, slug: str, key: str) -> None:
    response = client.post(
        "/api/v1/checkout/",
        {"items": [{"course": slug, "live_session": None}], "currency": "CNY", "payment": PAY},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.content
    assert response.json()["order"]["status"] == "paid"


def _similar_slugs(slug: str) -> list[str]:
    return list(
        SimilarCourse.objects.filter(model_version__is_active=True, course__slug=slug)
        .order_by("rank")
        .values_list("similar__slug", flat=True)
    )


def test_a_new_buyer_sees_courses_similar_to_what_they_just_bought(
    trained, django_assert_num_queries, django_capture_on_commit_callbacks
):
    # given: a brand-new learner, no history, no declared interests, signed in with a token
    buyer = UserFactory(username="new-buyer", password="pass-1234-word")
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/", {"username": "new-buyer", "password": "pass-1234-word"}, format="json"
    ).json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    before = [r["course"]["slug"] for r in api.get(ME, {"k": 4}).json()["results"]]
    versions = ModelVersion.objects.count()
    similar = _similar_slugs("cooking-3")
    assert len(similar) >= 4
    # the cold-start list did not already show them: the change below is the purchase's
    assert before[:4] != similar[:4]

    # when: they buy a cooking course through the checkout (and it commits)
    with django_capture_on_commit_callbacks(execute=True):
        _buy(api, "cooking-3", "fresh-1")

    # then: "for you" (API) leads with that course's similar courses, explained by it,
    # and nothing was retrained
    results = api.get(ME, {"k": 4}).json()["results"]
    assert [r["course"]["slug"] for r in results] == [s for s in similar if s != "cooking-3"][:4]
    assert {r["reason_code"] for r in results} == {reranking.REASON_BECAUSE_YOU_TOOK}
    assert results[0]["reason"] == "Because you took Home cooking 3"
    assert ModelVersion.objects.count() == versions
    assert Enrollment.objects.filter(user=buyer, course__slug="cooking-3", is_active=True).exists()

    # and the home page's rail shows them too, in the reader's language
    web = Client()
    web.force_login(buyer)
    with translation.override("zh-hans"):
        html = web.get(reverse("courses:home")).content.decode()
    rail = html.split('data-testid="rail-for-you"', 1)[1]
    for slug in similar[:3]:
        assert f"/courses/{slug}/" in rail
    assert "家常菜3" in rail


def test_a_learner_with_a_stored_list_gets_half_fresh_half_stored(trained):
    # given: a trained learner of the finance taste
    learner = next(u for u in trained.users if trained.tastes[u.pk] == "finance")
    stored = [item.course.slug for item in recommendations_for_user(user=learner, k=6)]
    owned = set(Enrollment.objects.filter(user=learner).values_list("course__slug", flat=True))
    bought = next(c.slug for c in trained.courses["design"] if c.slug not in owned and c.slug not in stored)
    api = APIClient()
    api.force_authenticate(learner)

    # when: they buy a design course
    _buy(api, bought, "fresh-2")

    # then: the first three slots come from it, the stored list follows (without repeats)
    items = recommendations_for_user(user=learner, k=6)
    fresh = [s for s in _similar_slugs(bought) if s not in owned][:3]
    assert [item.course.slug for item in items[:3]] == fresh
    assert all(item.reason_code == reranking.REASON_BECAUSE_YOU_TOOK for item in items[:3])
    assert [item.course.slug for item in items[3:]] == [s for s in stored if s not in fresh][:3]


def test_purchases_the_model_already_knows_do_not_count_as_fresh(trained):
    # given: a learner whose courses were all read by the active version
    learner = trained.users[0]
    stored = [item.course.slug for item in recommendations_for_user(user=learner, k=6)]

    # when: a new version trains after a purchase, which is then part of its data
    api = APIClient()
    api.force_authenticate(learner)
    owned = set(Enrollment.objects.filter(user=learner).values_list("course__slug", flat=True))
    bought = next(s for s in stored if s not in owned)
    _buy(api, bought, "fresh-3")
    assert recommendations_for_user(user=learner, k=6)[0].reason_code == reranking.REASON_BECAUSE_YOU_TOOK
    version = recommender_train(force_activate=True)
    assert version.is_active and version.data_until is not None

    # then: the list is the stored one again (no fresh part)
    items = recommendations_for_user(user=learner, k=6)

    assert [item.course.slug for item in items] == list(
        Recommendation.objects.filter(user=learner, model_version=version)
        .exclude(course__slug__in=owned | {bought})
        .order_by("rank")
        .values_list("course__slug", flat=True)[:6]
    )


def test_a_refunded_purchase_no_longer_steers_the_list(trained):
    buyer = UserFactory()
    api = APIClient()
    api.force_authenticate(buyer)
    _buy(api, "travel-2", "fresh-4")
    assert recommendations_for_user(user=buyer, k=3)[0].reason_code == reranking.REASON_BECAUSE_YOU_TOOK

    Enrollment.objects.filter(user=buyer).update(is_active=False)

    items = recommendations_for_user(user=buyer, k=3)
    assert all(item.reason_code != reranking.REASON_BECAUSE_YOU_TOOK for item in items)
