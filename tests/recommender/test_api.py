"""Recommendation endpoints: stored lists, cold start, exact query counts, bad input."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from accounts.models import LearnerProfile
from courses.models import Enrollment
from recommender import reranking
from recommender.services import recommender_train
from tests.factories import UserFactory

from .factories import planted_catalog, planted_learners

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/recommendations/"


@pytest.fixture
def trained():
    planted = planted_learners(planted_catalog(), n_users=40)
    version = recommender_train()
    assert version.is_active, version.note
    return planted


def test_a_learner_gets_the_stored_list_in_two_queries(api_client, trained, django_assert_num_queries):
    # given
    learner = trained.users[0]
    api_client.force_authenticate(learner)

    # when: the stored list, and the similar courses of purchases made after training
    with django_assert_num_queries(2):
        short = api_client.get(ME, {"k": 2})
    with django_assert_num_queries(2):
        response = api_client.get(ME, {"k": 10})

    # then
    assert short.status_code == 200
    assert len(short.json()["results"]) == 2
    results = response.json()["results"]
    assert len(results) == 10
    assert set(results[0]) == {"course", "score", "reason", "reason_code"}
    assert set(results[0]["course"]) >= {"slug", "title", "category", "format", "url"}
    owned = set(Enrollment.objects.filter(user=learner).values_list("course__slug", flat=True))
    assert not owned & {r["course"]["slug"] for r in results}


def test_a_course_bought_after_training_disappears_from_the_list(api_client, trained):
    learner = trained.users[0]
    api_client.force_authenticate(learner)
    first = api_client.get(ME, {"k": 1}).json()["results"][0]["course"]["slug"]

    Enrollment.objects.create(
        user=learner, course=trained.courses[first.rsplit("-", 1)[0]][int(first.rsplit("-", 1)[1])]
    )

    slugs = [r["course"]["slug"] for r in api_client.get(ME, {"k": 10}).json()["results"]]
    assert first not in slugs


def test_a_new_learner_gets_an_interest_and_segment_list_at_once(
    api_client, trained, django_assert_num_queries
):
    # given: no history, one declared interest
    newcomer = UserFactory()
    LearnerProfile.objects.create(user=newcomer, interests=["travel"])
    api_client.force_authenticate(newcomer)

    # when
    with django_assert_num_queries(7):
        response = api_client.get(ME, {"k": 5})
    with django_assert_num_queries(7):
        api_client.get(ME, {"k": 20})

    # then
    results = response.json()["results"]
    assert len(results) == 5
    codes = {r["reason_code"] for r in results}
    assert codes <= {reranking.REASON_INTEREST, reranking.REASON_SEGMENT}
    interest = [r for r in results if r["reason_code"] == reranking.REASON_INTEREST]
    assert interest and all(r["course"]["category"]["slug"] == "travel" for r in interest)
    assert interest[0]["reason"] == "Popular in Travel photography, one of your interests"


def test_without_any_model_a_learner_gets_popular_courses(api_client, django_assert_num_queries):
    planted_catalog(per_topic=2)
    api_client.force_authenticate(UserFactory())

    with django_assert_num_queries(7):
        response = api_client.get(ME, {"k": 3})

    results = response.json()["results"]
    assert len(results) == 3
    assert {r["reason_code"] for r in results} == {reranking.REASON_POPULAR}
    assert results[0]["reason"] == "Popular on Zhiqiao"


@pytest.mark.parametrize("k", ["abc", "0", "-3", "1.5"])
def test_a_bad_k_answers_400_with_a_code(api_client, trained, k):
    api_client.force_authenticate(trained.users[0])

    response = api_client.get(ME, {"k": k})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_k"


def test_a_huge_k_is_capped(api_client, trained):
    api_client.force_authenticate(trained.users[0])

    response = api_client.get(ME, {"k": 1000})

    assert response.status_code == 200
    assert len(response.json()["results"]) <= 50


def test_recommendations_need_a_signed_in_learner(api_client):
    response = api_client.get(ME)

    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("not_authenticated", "authentication_failed", "permission_denied")


def test_similar_courses_cost_two_queries_whatever_k(api_client, trained, django_assert_num_queries):
    url = "/api/v1/courses/finance-0/similar/"

    with django_assert_num_queries(2):
        short = api_client.get(url, {"k": 1})
    with django_assert_num_queries(2):
        response = api_client.get(url, {"k": 10})

    assert len(short.json()["results"]) == 1
    results = response.json()["results"]
    assert len(results) == 10
    assert "finance-0" not in {r["course"]["slug"] for r in results}
    # Same-taste learners take finance courses together: the nearest ones are finance.
    assert results[0]["course"]["category"]["slug"] == "finance"
    assert results[0]["reason"] in ("Learners who took this course also took it", "On a similar topic")


def test_similar_courses_of_an_unknown_course_answer_404(api_client):
    response = api_client.get("/api/v1/courses/nope/similar/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_similar_courses_bad_k_answers_400(api_client):
    response = api_client.get("/api/v1/courses/nope/similar/", {"k": "abc"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_k"


def test_reasons_render_in_the_request_language(api_client, trained):
    api_client.force_authenticate(trained.users[0])

    results = api_client.get(ME, {"k": 20, "lang": "zh-hans"}).json()["results"]

    because = [r for r in results if r["reason_code"] == reranking.REASON_BECAUSE_YOU_TOOK]
    assert because
    # The course title comes in the reader's language (the sentence once the .po is compiled).
    assert any(title in because[0]["reason"] for title in ("个人理财", "旅行摄影", "家常菜", "室内设计"))


def test_template_rails_render_reasons(trained):
    request = RequestFactory().get("/")
    request.user = trained.users[0]

    html = Template("{% load recommender_tags %}{% recommended_for_you 4 %}{% next_for_you 2 %}").render(
        Context({"request": request})
    )
    similar = Template("{% load recommender_tags %}{% similar_courses_rail course 3 %}").render(
        Context({"course": trained.courses["finance"][0]})
    )

    assert html.count('data-testid="recommended-course"') == 6
    assert 'data-testid="rail-for-you"' in html and 'data-testid="rail-next-for-you"' in html
    assert similar.count('data-testid="recommended-course"') == 3


def test_rails_render_nothing_for_anonymous_visitors(trained):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with translation.override("en"):
        html = Template("{% load recommender_tags %}{% recommended_for_you %}").render(
            Context({"request": request})
        )

    assert html.strip() == ""


def test_without_a_model_similar_courses_are_popular_ones_of_the_same_category(
    api_client, django_assert_num_queries
):
    catalog = planted_catalog(per_topic=4)

    with django_assert_num_queries(2):
        response = api_client.get("/api/v1/courses/travel-0/similar/", {"k": 10})

    slugs = [r["course"]["slug"] for r in response.json()["results"]]
    assert sorted(slugs) == ["travel-1", "travel-2", "travel-3"]
    assert {r["reason_code"] for r in response.json()["results"]} == {reranking.REASON_SIMILAR_CONTENT}
    assert catalog.categories["travel"].slug == "travel"


def test_the_similar_courses_rail_costs_one_query(trained, django_assert_num_queries):
    course = trained.courses["finance"][0]

    with django_assert_num_queries(1):
        html = Template("{% load recommender_tags %}{% similar_courses_rail course 4 %}").render(
            Context({"course": course})
        )

    assert html.count('data-testid="recommended-course"') == 4


@pytest.mark.parametrize(
    ("language", "title", "similar_title"),
    [
        ("en", "Recommended for you", "Similar courses"),
        ("zh-hans", "为你推荐", "相似课程"),
        ("ja", "おすすめ", "似ているコース"),
        ("es", "Recomendado para ti", "Cursos similares"),
    ],
)
def test_rails_render_titles_and_reasons_in_every_language(trained, language, title, similar_title):
    from django.utils.html import escape

    from recommender.selectors import recommendations_for_user

    request = RequestFactory().get("/")
    request.user = trained.users[0]

    with translation.override(language):
        html = Template("{% load recommender_tags %}{% recommended_for_you 4 %}").render(
            Context({"request": request})
        )
        similar = Template("{% load recommender_tags %}{% similar_courses_rail course 3 %}").render(
            Context({"course": trained.courses["finance"][0]})
        )
        reasons = [item.reason for item in recommendations_for_user(user=trained.users[0], k=4)]

    assert f"<h2>{title}</h2>" in html
    assert f"<h2>{similar_title}</h2>" in similar
    assert len(reasons) == 4
    for reason in reasons:
        assert escape(reason) in html
