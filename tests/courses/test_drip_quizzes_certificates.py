"""Drip release per section, quizzes (pass mark, required for the certificate), the
certificate PDF in every language, and the ``certificate_issued`` signal."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from courses.learning import media
from courses.learning.selectors import certificate_for_user
from courses.learning.services import quiz_attempt_submit
from courses.models import Choice, Enrollment, Question, Quiz, QuizAttempt, Section
from courses.services import lesson_progress_set
from courses.signals import certificate_issued
from demo.steps.media import tone_wav
from tests.courses.learning_factories import course_with_lessons, enrolled_learner
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _quiz(course, *, section=None, pass_mark=50, required=True):
    quiz = Quiz.objects.create(
        course=course,
        section=section,
        title_en="Quiz",
        pass_mark=pass_mark,
        required_for_certificate=required,
    )
    single = Question.objects.create(quiz=quiz, text_en="One right", position=1)
    right = Choice.objects.create(question=single, text_en="yes", is_correct=True)
    wrong = Choice.objects.create(question=single, text_en="no", is_correct=False)
    many = Question.objects.create(quiz=quiz, text_en="Two right", position=2)
    a = Choice.objects.create(question=many, text_en="a", is_correct=True)
    b = Choice.objects.create(question=many, text_en="b", is_correct=True)
    c = Choice.objects.create(question=many, text_en="c", is_correct=False)
    return quiz, {"single": single, "right": right, "wrong": wrong, "many": many, "a": a, "b": b, "c": c}


# --- Drip ------------------------------------------------------------------------------------


def _dripped_course(days=3):
    course, lessons = course_with_lessons(lessons=2, sections=2)
    Section.objects.filter(pk=lessons[1].section_id).update(release_after_days=days)
    return course, lessons


def test_a_dripped_lesson_is_refused_until_it_opens_on_page_api_and_media(api_client):
    course, lessons = _dripped_course()
    locked = lessons[1]
    locked.media_kind, locked.media_seconds = "audio", 1
    locked.media_file.save("t.wav", ContentFile(tone_wav(seconds=1)), save=True)
    learner = enrolled_learner(course)
    client = Client()
    client.force_login(learner)

    page = client.get(reverse("courses:lesson", args=[course.slug, locked.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="lesson-locked"' in html
    assert "/learn/media/" not in html and "Lesson text." not in html
    syllabus = client.get(reverse("courses:lesson", args=[course.slug, lessons[0].pk])).content.decode()
    assert 'data-testid="locked-lesson"' in syllabus

    api_client.force_authenticate(learner)
    detail = api_client.get(f"/api/v1/courses/{course.slug}/lessons/{locked.pk}/").json()
    assert detail["locked"] is True and detail["body"] is None and detail["media"] is None
    opens_at = Enrollment.objects.get(user=learner).created_at + timedelta(days=3)
    assert detail["opens_at"].startswith(opens_at.date().isoformat())

    response = api_client.post("/api/v1/me/progress/", {"lesson": locked.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "lesson_locked" and "opens_at" in response.json()
    response = api_client.post(f"/api/v1/me/lessons/{locked.pk}/position/", {"position": 1}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "lesson_locked"
    url = media.lesson_media_url(lesson=locked, user=learner)
    assert client.get(url).status_code == 403

    # three days later it is open everywhere
    Enrollment.objects.filter(user=learner).update(created_at=timezone.now() - timedelta(days=3, minutes=1))
    detail = api_client.get(f"/api/v1/courses/{course.slug}/lessons/{locked.pk}/").json()
    assert detail["locked"] is False and detail["media"]["kind"] == "audio"
    assert client.get(url).status_code == 200
    assert api_client.post("/api/v1/me/progress/", {"lesson": locked.pk}, format="json").status_code == 200


def test_a_fixed_release_date_locks_until_that_date():
    course, lessons = course_with_lessons(lessons=2, sections=2)
    Section.objects.filter(pk=lessons[1].section_id).update(release_at=timezone.now() + timedelta(days=1))
    learner = enrolled_learner(course)
    client = Client()
    client.force_login(learner)
    page = client.get(reverse("courses:lesson", args=[course.slug, lessons[1].pk])).content.decode()
    assert 'data-testid="lesson-locked"' in page
    Section.objects.filter(pk=lessons[1].section_id).update(release_at=timezone.now() - timedelta(minutes=1))
    page = client.get(reverse("courses:lesson", args=[course.slug, lessons[1].pk])).content.decode()
    assert 'data-testid="lesson-locked"' not in page


# --- Quizzes ---------------------------------------------------------------------------------


def test_scoring_needs_exactly_the_right_choices():
    course, _lessons = course_with_lessons(lessons=1)
    quiz, q = _quiz(course, pass_mark=100)
    learner = enrolled_learner(course)
    half = quiz_attempt_submit(
        user=learner,
        quiz=quiz,
        answers={str(q["single"].pk): [q["right"].pk], str(q["many"].pk): [q["a"].pk]},
    )
    assert (half.score, half.passed) == (50, False)
    full = quiz_attempt_submit(
        user=learner,
        quiz=quiz,
        answers={str(q["single"].pk): q["right"].pk, str(q["many"].pk): [q["b"].pk, q["a"].pk]},
    )
    assert (full.score, full.passed) == (100, True)


def test_a_required_quiz_holds_the_certificate_until_passed_and_the_signal_fires_once(
    django_capture_on_commit_callbacks,
):
    course, lessons = course_with_lessons(lessons=1)
    quiz, q = _quiz(course, section=Section.objects.get(course=course), pass_mark=100)
    learner = enrolled_learner(course)
    received = []

    def receiver(sender, enrollment_id, **kwargs):
        received.append(enrollment_id)

    certificate_issued.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
        assert certificate_for_user(user=learner, course_id=course.pk) is None
        assert received == []
        with django_capture_on_commit_callbacks(execute=True):
            quiz_attempt_submit(user=learner, quiz=quiz, answers={str(q["single"].pk): [q["wrong"].pk]})
        assert certificate_for_user(user=learner, course_id=course.pk) is None
        with django_capture_on_commit_callbacks(execute=True):
            quiz_attempt_submit(
                user=learner,
                quiz=quiz,
                answers={str(q["single"].pk): [q["right"].pk], str(q["many"].pk): [q["a"].pk, q["b"].pk]},
            )
            quiz_attempt_submit(
                user=learner,
                quiz=quiz,
                answers={str(q["single"].pk): [q["right"].pk], str(q["many"].pk): [q["a"].pk, q["b"].pk]},
            )
    finally:
        certificate_issued.disconnect(receiver)
    assert certificate_for_user(user=learner, course_id=course.pk) is not None
    assert received == [Enrollment.objects.get(user=learner, course=course).pk]


def test_an_optional_quiz_does_not_hold_the_certificate():
    course, lessons = course_with_lessons(lessons=1)
    _quiz(course, required=False)
    learner = enrolled_learner(course)
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    assert certificate_for_user(user=learner, course_id=course.pk) is not None


@pytest.mark.parametrize(
    "answers",
    [
        "not a dict",
        ["list"],
        {"abc": [1]},
        {"999999": [1]},
        {"QUESTION": ["x"]},
        {"QUESTION": [True]},
        {"QUESTION": [999999]},
        {"QUESTION": {"nested": 1}},
    ],
)
def test_bad_answers_are_a_400_in_the_json_shape_and_store_nothing(api_client, answers):
    course, _lessons = course_with_lessons(lessons=1)
    quiz, q = _quiz(course)
    if isinstance(answers, dict) and "QUESTION" in answers:
        answers = {str(q["single"].pk): answers["QUESTION"]}
    learner = enrolled_learner(course)
    api_client.force_authenticate(learner)
    url = reverse("api:course-quiz-attempts", kwargs={"slug": course.slug, "quiz_id": quiz.pk})
    response = api_client.post(url, {"answers": answers}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "detail"}
    assert not QuizAttempt.objects.exists()


def test_quiz_api_hides_the_answers_and_scores_an_attempt(api_client):
    course, _lessons = course_with_lessons(lessons=1)
    quiz, q = _quiz(course)
    url = reverse("api:course-quiz", kwargs={"slug": course.slug, "quiz_id": quiz.pk})
    api_client.force_authenticate(UserFactory())
    assert api_client.get(url).json()["code"] == "not_enrolled"
    api_client.force_authenticate(enrolled_learner(course))
    body = api_client.get(url).json()
    assert [len(question["choices"]) for question in body["questions"]] == [2, 3]
    assert "is_correct" not in str(body)
    attempts = reverse("api:course-quiz-attempts", kwargs={"slug": course.slug, "quiz_id": quiz.pk})
    response = api_client.post(attempts, {"answers": {str(q["single"].pk): [q["right"].pk]}}, format="json")
    assert response.status_code == 201
    assert response.json() == {
        "id": QuizAttempt.objects.get().pk,
        "score": 50,
        "passed": True,
        "pass_mark": 50,
        "course_completed": False,
    }
    missing = reverse("api:course-quiz", kwargs={"slug": course.slug, "quiz_id": 999999})
    assert api_client.get(missing).json()["code"] == "quiz_not_found"


def test_the_quiz_page_takes_an_attempt_and_refuses_forged_choices():
    course, _lessons = course_with_lessons(lessons=1)
    quiz, q = _quiz(course)
    client = Client()
    client.force_login(enrolled_learner(course))
    url = reverse("courses:quiz", args=[course.slug, quiz.pk])
    page = client.get(url).content.decode()
    assert f'type="radio" name="q{q["single"].pk}"' in page
    assert f'type="checkbox" name="q{q["many"].pk}"' in page
    response = client.post(
        url, {f"q{q['single'].pk}": [q["right"].pk], f"q{q['many'].pk}": [q["a"].pk, q["b"].pk]}
    )
    assert response.status_code == 200
    assert 'data-passed="true"' in response.content.decode()
    assert client.post(url, {f"q{q['single'].pk}": ["abc"]}).status_code == 400
    assert client.post(url, {f"q{q['single'].pk}": [q["a"].pk]}).status_code == 400
    assert QuizAttempt.objects.count() == 1


# --- Certificate PDF -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans", "ja", "es", "ar"])
def test_the_certificate_pdf_embeds_a_font_for_every_language(language):
    course, lessons = course_with_lessons(
        lessons=1, title_en="Tea", title_zh_hans="茶道入门", title_ja="茶道入門"
    )
    learner = enrolled_learner(course, first_name="Ana", last_name="Núñez 山田")
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    client = Client()
    client.force_login(learner)
    response = client.get(f"/{language}/learn/{course.slug}/certificate.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf  # the TrueType font is embedded (subset)
    assert b"/ToUnicode" in pdf  # text stays searchable and copyable in every script


def _embedded_glyph_names(pdf: bytes) -> set[str]:
    """The glyph names of every font subset embedded in the PDF."""
    names: set[str] = set()
    for font in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"].values():
        for descendant in font.get_object().get("/DescendantFonts", []):
            data = descendant.get_object()["/FontDescriptor"]["/FontFile2"].get_data()
            names.update(TTFont(io.BytesIO(data)).getGlyphOrder())
    return names


@pytest.mark.parametrize("language", ["ar", "en"])
def test_arabic_on_a_certificate_is_shaped_into_joined_letters(language):
    # An Arabic title and name: on the Arabic certificate and on an English one alike the
    # letters take their joined forms (initial, medial, final: U+FE70-FEFF), not the
    # isolated ones that an unshaped PDF would show.
    course, lessons = course_with_lessons(lessons=1, title_en="Tea", title_ar="طريق الشاي")
    learner = enrolled_learner(course, first_name="محمد", last_name="علي")
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    client = Client()
    client.force_login(learner)

    response = client.get(f"/{language}/learn/{course.slug}/certificate.pdf")

    assert response.status_code == 200
    joined = {name for name in _embedded_glyph_names(response.content) if name.startswith("uniFE")}
    # The learner's name: م of محمد and ع of علي in their initial forms, ي of علي final.
    assert {"uniFEE3", "uniFECB", "uniFEF2"} <= joined
    if language == "ar":
        # The Arabic title: ش of الشاي, initial.
        assert "uniFEB7" in joined


def test_the_shared_link_verifies_and_serves_the_pdf_publicly_but_not_a_forged_id():
    course, lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    certificate = certificate_for_user(user=learner, course_id=course.pk)
    client = Client()
    client.force_login(learner)
    page = client.get(reverse("courses:certificate", args=[course.slug])).content.decode()
    verify = reverse("courses:certificate_verify", args=[certificate.verification_id])
    assert 'data-testid="certificate-share"' in page and verify in page
    anonymous = Client()
    assert anonymous.get(verify).status_code == 200
    pdf = anonymous.get(reverse("courses:certificate_pdf_public", args=[certificate.verification_id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    forged = certificate.verification_id[:-1] + ("A" if certificate.verification_id[-1] != "A" else "B")
    assert anonymous.get(reverse("courses:certificate_pdf_public", args=[forged])).status_code == 404
    assert anonymous.get(reverse("courses:certificate_pdf", args=[course.slug])).status_code == 302


def test_certificate_api_gives_the_share_and_pdf_links(api_client):
    course, lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    api_client.force_authenticate(learner)
    url = reverse("api:course-certificate", kwargs={"slug": course.slug})
    assert api_client.get(url).json()["code"] == "certificate_not_found"
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    body = api_client.get(url).json()
    assert body["verify_url"].endswith(f"/learn/certificates/{body['verification_id']}/")
    assert body["pdf_url"].endswith("/pdf/")


# --- Admin -----------------------------------------------------------------------------------


def test_staff_edit_quizzes_with_inlines_and_lesson_media_and_drip_on_the_section(client):
    course, lessons = course_with_lessons(lessons=1)
    quiz, q = _quiz(course)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    quiz_page = client.get(f"/admin/courses/quiz/{quiz.pk}/change/").content.decode()
    assert 'name="questions-0-text_en"' in quiz_page and 'name="pass_mark"' in quiz_page
    question_page = client.get(f"/admin/courses/question/{q['many'].pk}/change/").content.decode()
    assert 'name="choices-0-is_correct"' in question_page and 'name="choices-2-text_ja"' in question_page
    section_page = client.get(f"/admin/courses/section/{lessons[0].section_id}/change/").content.decode()
    assert 'name="lessons-0-media_file"' in section_page and 'type="file"' in section_page
    assert 'name="release_after_days"' in section_page and 'name="release_at_0"' in section_page
    assert client.get("/admin/courses/quizattempt/").status_code == 200
    assert client.get("/admin/courses/quiz/add/").status_code == 200


def test_quiz_api_costs_the_same_queries_for_few_and_many_questions(api_client, django_assert_num_queries):
    counts = []
    for extra in (0, 10):
        course, _lessons = course_with_lessons(lessons=1)
        quiz, _q = _quiz(course)
        for n in range(extra):
            question = Question.objects.create(quiz=quiz, text_en=f"Q{n}", position=10 + n)
            Choice.objects.create(question=question, text_en="x", is_correct=True)
        api_client.force_authenticate(enrolled_learner(course))
        url = reverse("api:course-quiz", kwargs={"slug": course.slug, "quiz_id": quiz.pk})
        # course, enrollment, quiz (with its section), questions, choices
        with django_assert_num_queries(5) as captured:
            assert api_client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
