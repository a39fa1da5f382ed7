"""Questions and answers on lessons: who may take part, bad input changes nothing, one
upvote per person even when clicks race, the best answer, reports and moderation, the
per-address limit, and lists at a fixed number of queries."""

import threading

import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from courses.models import Enrollment
from questions import services
from questions.models import Answer, AnswerUpvote, Question, Report
from tests.factories import CourseFactory, InstructorFactory, LessonFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def setting(db):
    teacher = UserFactory(username="teacher")
    course = CourseFactory(instructor=InstructorFactory(user=teacher))
    lesson = LessonFactory(section=SectionFactory(course=course))
    asker = UserFactory(username="asker")
    other = UserFactory(username="other")
    for user in (asker, other):
        Enrollment.objects.create(user=user, course=course)
    return {"course": course, "lesson": lesson, "teacher": teacher, "asker": asker, "other": other}


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_an_enrolled_learner_asks_and_others_answer(setting):
    lesson = setting["lesson"]
    response = api(setting["asker"]).post(
        f"/api/v1/lessons/{lesson.pk}/questions/",
        {"title": "What is a closure?", "body": "In line 3."},
        format="json",
    )
    assert response.status_code == 201, response.content
    question_id = response.json()["id"]

    for user in (setting["other"], setting["teacher"]):
        answered = api(user).post(
            f"/api/v1/questions/{question_id}/answers/", {"body": "A function with its scope."}, format="json"
        )
        assert answered.status_code == 201

    listed = api(setting["other"]).get(f"/api/v1/lessons/{lesson.pk}/questions/").json()
    assert listed["count"] == 1
    [question] = listed["results"]
    assert (question["title"], question["answer_count"], len(question["answers"])) == (
        "What is a closure?",
        2,
        2,
    )


@pytest.mark.django_db
def test_outsiders_cannot_read_or_write_and_nothing_changes(setting):
    lesson = setting["lesson"]
    stranger = UserFactory(username="stranger")
    question = services.question_ask(user=setting["asker"], lesson=lesson, title="Q")

    assert api().get(f"/api/v1/lessons/{lesson.pk}/questions/").status_code in (401, 403)
    refused = api(stranger).post(f"/api/v1/lessons/{lesson.pk}/questions/", {"title": "Spam"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_enrolled"
    assert (
        api(stranger)
        .post(f"/api/v1/questions/{question.pk}/answers/", {"body": "x"}, format="json")
        .status_code
        == 403
    )
    assert Question.objects.count() == 1 and Answer.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": ["a list"]},
        {"title": "ok", "body": "y" * 5001},
    ],
)
def test_bad_input_is_a_400_in_the_error_shape_and_changes_nothing(setting, body):
    response = api(setting["asker"]).post(
        f"/api/v1/lessons/{setting['lesson'].pk}/questions/?lang=es", body, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "detail"}
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_the_error_message_is_in_the_caller_language(setting):
    response = api(setting["asker"]).post(
        f"/api/v1/lessons/{setting['lesson'].pk}/questions/?lang=ja", {"title": "x" * 201}, format="json"
    )
    assert response.status_code == 400
    refused = api(setting["asker"]).post("/api/v1/questions/0/answers/?lang=es", {"body": "x"}, format="json")
    assert (refused.status_code, refused.json()) == (
        404,
        {"code": "question_not_found", "detail": "Esta pregunta no existe."},
    )
    with translation.override("ja"):
        with pytest.raises(services.InvalidQuestionInput) as error:
            services.question_ask(user=setting["asker"], lesson=setting["lesson"], title="   ")
        assert str(error.value.message) == "タイトルを入力してください。"
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_best_answer_by_the_asker_or_the_instructor_only(setting):
    question = services.question_ask(user=setting["asker"], lesson=setting["lesson"], title="Q")
    answer = services.answer_post(user=setting["other"], question=question, body="A")

    refused = api(setting["other"]).post(f"/api/v1/answers/{answer.pk}/best/")
    assert refused.status_code == 403
    assert Question.objects.get().best_answer_id is None

    assert api(setting["asker"]).post(f"/api/v1/answers/{answer.pk}/best/").json()["best_answer"] == answer.pk
    second = services.answer_post(user=setting["teacher"], question=question, body="B")
    assert (
        api(setting["teacher"]).post(f"/api/v1/answers/{second.pk}/best/").json()["best_answer"] == second.pk
    )


@pytest.mark.django_db
def test_upvotes_once_per_person_and_not_on_your_own_answer(setting):
    question = services.question_ask(user=setting["asker"], lesson=setting["lesson"], title="Q")
    answer = services.answer_post(user=setting["other"], question=question, body="A")

    client = api(setting["asker"])
    assert client.post(f"/api/v1/answers/{answer.pk}/upvote/").json() == {"upvote_count": 1, "upvoted": True}
    assert client.post(f"/api/v1/answers/{answer.pk}/upvote/").json() == {"upvote_count": 1, "upvoted": True}
    own = api(setting["other"]).post(f"/api/v1/answers/{answer.pk}/upvote/")
    assert (own.status_code, own.json()["code"]) == (400, "own_answer")
    assert client.delete(f"/api/v1/answers/{answer.pk}/upvote/").json() == {
        "upvote_count": 0,
        "upvoted": False,
    }
    assert client.delete(f"/api/v1/answers/{answer.pk}/upvote/").json()["upvote_count"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_upvotes_by_one_person_count_once(setting):
    question = services.question_ask(user=setting["asker"], lesson=setting["lesson"], title="Q")
    answer = services.answer_post(user=setting["other"], question=question, body="A")
    voters = [setting["asker"], setting["teacher"]]
    barrier = threading.Barrier(8)

    def click(user):
        try:
            barrier.wait()
            services.answer_upvote(user=user, answer=Answer.objects.get(pk=answer.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(voters[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    answer.refresh_from_db()
    assert AnswerUpvote.objects.filter(answer=answer).count() == 2
    assert answer.upvote_count == 2


@pytest.mark.django_db
def test_reports_once_per_person_and_hidden_items_leave_the_list(setting):
    question = services.question_ask(
        user=setting["asker"], lesson=setting["lesson"], title="Buy cheap watches"
    )
    client = api(setting["other"])
    bad = client.post(f"/api/v1/questions/{question.pk}/report/", {"reason": "because"}, format="json")
    assert bad.status_code == 400 and Report.objects.count() == 0

    for _ in range(2):
        assert (
            client.post(
                f"/api/v1/questions/{question.pk}/report/", {"reason": "spam"}, format="json"
            ).status_code
            == 201
        )
    assert Report.objects.count() == 1

    services.questions_set_hidden(question_ids=[question.pk], hidden=True)
    assert (
        api(setting["asker"]).get(f"/api/v1/lessons/{setting['lesson'].pk}/questions/").json()["count"] == 0
    )
    assert (
        client.post(f"/api/v1/questions/{question.pk}/answers/", {"body": "x"}, format="json").status_code
        == 404
    )


@pytest.mark.django_db
def test_the_admin_hides_reported_items_and_resolves_reports(setting, admin_client):
    question = services.question_ask(user=setting["asker"], lesson=setting["lesson"], title="Rude")
    report = services.content_report(user=setting["other"], question=question, reason="offensive")

    response = admin_client.post(
        "/admin/questions/report/", {"action": "hide_and_resolve", "_selected_action": [report.pk]}
    )
    assert response.status_code == 302
    assert Question.objects.get().is_hidden is True
    assert Report.objects.get().resolved_at is not None
    assert admin_client.get("/admin/questions/report/").status_code == 200
    assert admin_client.get(f"/admin/questions/question/{question.pk}/change/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("questions", [1, 6])
def test_the_lesson_list_costs_a_fixed_number_of_queries(setting, django_assert_num_queries, questions):
    for i in range(questions):
        question = services.question_ask(user=setting["asker"], lesson=setting["lesson"], title=f"Q{i}")
        for _ in range(3):
            answer = services.answer_post(user=setting["other"], question=question, body="A")
        services.answer_upvote(user=setting["asker"], answer=answer)
    client = api(setting["asker"])

    # the lesson, the enrollment check, the count, the questions, their answers
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/lessons/{setting['lesson'].pk}/questions/")
    assert response.json()["count"] == questions


@pytest.mark.django_db
def test_the_lesson_page_shows_the_section_and_its_forms_work(setting, client):
    lesson, course = setting["lesson"], setting["course"]
    client.force_login(setting["asker"])
    url = f"/en/learn/{course.slug}/lessons/{lesson.pk}/"

    page = client.get(url).content.decode()
    assert 'data-testid="lesson-questions"' in page and "Ask a question" in page

    response = client.post(f"/en/questions/lessons/{lesson.pk}/ask/", {"title": "How do I start?"})
    assert response.status_code == 302 and response["Location"].endswith("#questions")
    question = Question.objects.get()
    client.force_login(setting["other"])
    client.post(f"/en/questions/{question.pk}/answer/", {"body": "Open lesson 1."})
    page = client.get(url).content.decode()
    assert "How do I start?" in page and "Open lesson 1." in page

    refused = client.post(f"/es/questions/{question.pk}/answer/", {"body": ""})
    assert refused.status_code == 400
    assert Answer.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.redis
def test_question_forms_are_limited_per_address(setting, client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "questions": "2/min"}
    client.force_login(setting["asker"])
    url = f"/en/questions/lessons/{setting['lesson'].pk}/ask/"
    codes = [client.post(url, {"title": f"Q{i}"}, REMOTE_ADDR="203.0.113.9").status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert Question.objects.count() == 2
