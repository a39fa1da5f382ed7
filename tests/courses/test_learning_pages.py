"""Web pages of learning under ``/<lang>/learn/``: My learning, lessons (mark complete,
resume, previews), certificates and the review form on the course page."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from courses.learning.selectors import certificate_verification_id
from courses.models import Enrollment, LessonProgress, Review
from courses.services import enrollment_grant, enrollment_revoke, lesson_progress_set, review_upsert
from tests.courses.learning_factories import course_with_lessons, enrolled_learner, review_rows
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(name: str, lang: str = "en", **kwargs) -> str:
    with translation.override(lang):
        return reverse(name, kwargs=kwargs)


def _lesson_url(course, lesson, lang: str = "en") -> str:
    return _url("courses:lesson", lang, slug=course.slug, lesson_id=lesson.pk)


def _complete_all(user, lessons) -> Enrollment:
    for lesson in lessons:
        enrollment = lesson_progress_set(user=user, lesson=lesson, completed=True)
    return enrollment


# --- My learning -------------------------------------------------------------------------


def test_my_learning_url_is_under_the_language_prefix():
    assert _url("courses:my_learning", "ja") == "/ja/learn/"
    assert _url("courses:lesson", "es", slug="tea", lesson_id=3) == "/es/learn/tea/lessons/3/"
    assert _url("courses:certificate", "zh-hans", slug="tea") == "/zh-hans/learn/tea/certificate/"


def test_my_learning_needs_sign_in(client):
    response = client.get(_url("courses:my_learning"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_my_learning_lists_courses_with_completion_and_resume_links(client):
    # given a learner half way through one course and new to another
    course, lessons = course_with_lessons(lessons=4, title_ja="茶道")
    fresh, fresh_lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    enrollment_grant(user=learner, course=fresh)
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    lesson_progress_set(user=learner, lesson=lessons[1], completed=True)
    client.force_login(learner)

    # when
    response = client.get(_url("courses:my_learning", "ja"))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "茶道" in html
    assert 'aria-valuenow="50"' in html
    assert 'aria-valuenow="0"' in html
    assert f'href="{_lesson_url(course, lessons[1], "ja")}" data-testid="resume"' in html
    assert f'href="{_lesson_url(fresh, fresh_lessons[0], "ja")}" data-testid="resume"' in html
    assert "{# recommender rail #}" not in html


def test_my_learning_shows_the_certificate_of_a_completed_course(client):
    course, lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    _complete_all(learner, lessons)
    client.force_login(learner)

    html = client.get(_url("courses:my_learning")).content.decode()

    assert _url("courses:certificate", slug=course.slug) in html


def test_my_learning_leaves_out_revoked_enrollments(client):
    course, _lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    enrollment_revoke(user=learner, course=course)
    client.force_login(learner)

    response = client.get(_url("courses:my_learning"))

    assert list(response.context["enrollments"]) == []
    assert 'data-testid="enrollment"' not in response.content.decode()


@pytest.mark.parametrize("size", [5, 30])
def test_my_learning_costs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    # given a learner with 5 or 30 enrollments, all on one page
    learner = UserFactory()
    for _ in range(size):
        course, lessons = course_with_lessons(lessons=2)
        enrollment_grant(user=learner, course=course)
        lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    client.force_login(learner)

    # when / then: session, user, count, one page of enrollments, base.html's
    # partner-portal link lookup, and the "next for you" rail of a learner with no stored
    # list yet, which falls back to fresh purchases, interests and segment (7, whatever the
    # page size), and the header's cart count
    with django_assert_num_queries(13):
        response = client.get(_url("courses:my_learning"), {"page": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert len(response.context["enrollments"]) == min(size, 20)


# --- Lessons -----------------------------------------------------------------------------


def test_an_enrolled_learner_reads_a_lesson_with_syllabus_and_neighbours(client):
    # given
    course, lessons = course_with_lessons(lessons=3, sections=2)
    lessons[1].media_url = "https://media.example.com/tea.mp4"
    lessons[1].body_en = "Warm the pot first."
    lessons[1].save()
    learner = enrolled_learner(course)
    client.force_login(learner)

    # when
    response = client.get(_lesson_url(course, lessons[1]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Warm the pot first." in html
    assert '<video controls preload="metadata" src="https://media.example.com/tea.mp4">' in html
    assert response.context["previous_lesson"] == lessons[0]
    assert response.context["next_lesson"] == lessons[2]
    for lesson in lessons:
        assert _lesson_url(course, lesson) in html
    assert 'data-testid="mark-complete"' in html
    # and the resume point follows the lesson opened
    assert Enrollment.objects.get(user=learner, course=course).last_lesson_id == lessons[1].pk


def test_the_lesson_page_costs_the_same_queries_for_a_short_and_a_long_course(
    client, django_assert_num_queries
):
    counts = []
    for size in (3, 30):
        course, lessons = course_with_lessons(lessons=size, sections=3)
        learner = enrolled_learner(course)
        _complete_all(learner, lessons[:2])
        client.force_login(learner)
        # course, sections, lessons, session, user, enrollment, resume point, progress,
        # the player's position, the quizzes to link, base.html's partner-portal link lookup,
        # the lesson's questions (questions app) and the header's cart count
        with django_assert_num_queries(13) as captured:
            assert client.get(_lesson_url(course, lessons[-1])).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_a_visitor_reads_a_free_preview_without_progress_controls(client):
    course, lessons = course_with_lessons(lessons=2, preview_first=True)

    response = client.get(_lesson_url(course, lessons[0]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="mark-complete"' not in html
    assert _lesson_url(course, lessons[1]) not in html


@pytest.mark.parametrize("who", ["anonymous", "not_enrolled", "revoked"])
def test_a_locked_lesson_sends_non_enrolled_visitors_to_the_course_page(client, who):
    course, lessons = course_with_lessons(lessons=2, preview_first=True)
    if who != "anonymous":
        user = UserFactory()
        if who == "revoked":
            enrollment_grant(user=user, course=course)
            enrollment_revoke(user=user, course=course)
        client.force_login(user)

    response = client.get(_lesson_url(course, lessons[1]))

    assert response.status_code == 302
    assert response["Location"] == _url("courses:detail", slug=course.slug)


def test_unknown_lessons_and_lessons_of_other_courses_are_404(client):
    course, _lessons = course_with_lessons(lessons=1)
    _other, other_lessons = course_with_lessons(lessons=1)
    client.force_login(enrolled_learner(course))

    assert client.get(_lesson_url(course, other_lessons[0])).status_code == 404
    assert client.get(_url("courses:lesson", slug=course.slug, lesson_id=999999)).status_code == 404
    assert client.get(_url("courses:lesson", slug="no-course", lesson_id=1)).status_code == 404


def test_an_unpublished_course_stays_open_to_its_learners_only(client):
    course, lessons = course_with_lessons(lessons=1, preview_first=True, is_published=False)

    assert client.get(_lesson_url(course, lessons[0])).status_code == 404
    client.force_login(enrolled_learner(course))
    assert client.get(_lesson_url(course, lessons[0])).status_code == 200


def test_mark_as_complete_moves_on_and_the_last_lesson_leads_to_the_certificate(client):
    # given
    course, lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    client.force_login(learner)
    progress_url = _url("courses:lesson_progress", slug=course.slug, lesson_id=lessons[0].pk)

    # when the first lesson is marked complete, the next lesson opens
    response = client.post(progress_url, {"completed": "on"})
    assert response.status_code == 302
    assert response["Location"] == _lesson_url(course, lessons[1])

    # when the last lesson is marked complete, the certificate opens
    response = client.post(
        _url("courses:lesson_progress", slug=course.slug, lesson_id=lessons[1].pk), {"completed": "on"}
    )
    assert response["Location"] == _url("courses:certificate", slug=course.slug)
    assert Enrollment.objects.get(user=learner, course=course).completed_at is not None

    # when a lesson is marked not complete, the course is reopened
    response = client.post(progress_url, {"completed": ""})
    assert response["Location"] == _lesson_url(course, lessons[0])
    enrollment = Enrollment.objects.get(user=learner, course=course)
    assert (enrollment.completed_lessons, enrollment.completed_at) == (1, None)


def test_mark_as_complete_by_a_non_enrolled_learner_changes_nothing(client):
    course, lessons = course_with_lessons(lessons=1, preview_first=True)
    client.force_login(UserFactory())

    response = client.post(
        _url("courses:lesson_progress", slug=course.slug, lesson_id=lessons[0].pk), {"completed": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("courses:detail", slug=course.slug)
    assert LessonProgress.objects.count() == 0


def test_mark_as_complete_only_accepts_post(client):
    course, lessons = course_with_lessons(lessons=1)
    client.force_login(enrolled_learner(course))

    response = client.get(_url("courses:lesson_progress", slug=course.slug, lesson_id=lessons[0].pk))

    assert response.status_code == 405


def test_resume_opens_the_last_lesson_or_the_first(client):
    course, lessons = course_with_lessons(lessons=3)
    learner = enrolled_learner(course)
    client.force_login(learner)
    resume_url = _url("courses:course_resume", slug=course.slug)

    assert client.get(resume_url)["Location"] == _lesson_url(course, lessons[0])
    client.get(_lesson_url(course, lessons[2]))
    assert client.get(resume_url)["Location"] == _lesson_url(course, lessons[2])


# --- Certificates ------------------------------------------------------------------------


def test_the_certificate_of_a_completed_course_is_printable_and_in_the_learners_language(client):
    # given a learner who completed a course
    course, lessons = course_with_lessons(lessons=2, title_ja="茶道入門")
    learner = enrolled_learner(course, first_name="Hana", last_name="Sato")
    enrollment = _complete_all(learner, lessons)
    client.force_login(learner)

    # when
    response = client.get(_url("courses:certificate", "ja", slug=course.slug))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zhiqiao" in html
    assert "知桥" in html
    assert "Hana Sato" in html
    assert "茶道入門" in html
    assert '<style media="print">' in html
    assert '<html lang="ja"' in html
    verification_id = certificate_verification_id(enrollment=enrollment)
    assert verification_id in html
    assert re.fullmatch(r"ZQ-[0-9A-Z]+-[A-Z2-7]{10}", verification_id)
    assert enrollment.completed_at.strftime("%Y-%m-%d") in html


def test_the_certificate_is_refused_until_the_course_is_complete(client):
    course, lessons = course_with_lessons(lessons=2)
    learner = enrolled_learner(course)
    lesson_progress_set(user=learner, lesson=lessons[0], completed=True)
    client.force_login(learner)

    response = client.get(_url("courses:certificate", slug=course.slug))

    assert response.status_code == 302
    assert response["Location"] == _url("courses:course_resume", slug=course.slug)


@pytest.mark.parametrize("who", ["anonymous", "stranger", "revoked"])
def test_no_certificate_for_others(client, who):
    course, lessons = course_with_lessons(lessons=1)
    owner = enrolled_learner(course)
    _complete_all(owner, lessons)
    if who == "stranger":
        client.force_login(UserFactory())
    if who == "revoked":
        enrollment_revoke(user=owner, course=course)
        client.force_login(owner)

    response = client.get(_url("courses:certificate", slug=course.slug))

    if who == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 404


def test_anyone_can_verify_a_genuine_certificate_and_a_forged_one_fails(client):
    course, lessons = course_with_lessons(lessons=1, title_en="Tea ceremony")
    learner = enrolled_learner(course, first_name="Hana", last_name="Sato")
    enrollment = _complete_all(learner, lessons)
    genuine = certificate_verification_id(enrollment=enrollment)

    ok = client.get(_url("courses:certificate_verify", verification_id=genuine))
    forged_id = genuine[:-1] + ("B" if genuine.endswith("A") else "A")
    other_enrollment = genuine.replace("ZQ-", "ZQ-1", 1)
    forged = client.get(_url("courses:certificate_verify", verification_id=forged_id))
    moved = client.get(_url("courses:certificate_verify", verification_id=other_enrollment))
    garbage = client.get(_url("courses:certificate_verify", verification_id="ZQ-!!-x"))

    assert ok.status_code == 200
    assert "Hana Sato" in ok.content.decode()
    assert "Tea ceremony" in ok.content.decode()
    assert forged.status_code == 404
    assert moved.status_code == 404
    assert "Hana Sato" not in forged.content.decode()
    assert garbage.status_code == 404


def test_a_certificate_stops_verifying_when_the_course_is_reopened(client):
    course, lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    verification_id = certificate_verification_id(enrollment=_complete_all(learner, lessons))
    lesson_progress_set(user=learner, lesson=lessons[0], completed=False)

    response = client.get(_url("courses:certificate_verify", verification_id=verification_id))

    assert response.status_code == 404


# --- Reviews on the course page ----------------------------------------------------------


def test_the_course_page_shows_reviews_and_the_form_for_enrolled_learners(client):
    # given a reviewed course
    course, _lessons = course_with_lessons(lessons=1)
    reviewer = enrolled_learner(course, first_name="Mei")
    review_upsert(user=reviewer, course=course, rating=4, text="Clear and calm.")
    detail_url = _url("courses:detail", slug=course.slug)

    # then a visitor sees the reviews but no form
    html = client.get(detail_url).content.decode()
    assert "Clear and calm." in html
    assert "Mei" in html
    assert 'data-testid="review-form"' not in html

    # and an enrolled learner sees the form
    client.force_login(enrolled_learner(course))
    html = client.get(detail_url).content.decode()
    assert 'data-testid="review-form"' in html


def test_posting_the_review_form_creates_then_edits_the_review(client):
    course, _lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    client.force_login(learner)
    submit_url = _url("courses:review_submit", "es", slug=course.slug)

    first = client.post(submit_url, {"rating": "5", "text": "¡Excelente!"})
    second = client.post(submit_url, {"rating": "2", "text": "Regular"})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == _url("courses:detail", "es", slug=course.slug) + "#reviews"
    review = Review.objects.get(user=learner, course=course)
    assert (review.rating, review.text, review.language) == (2, "Regular", "es")
    course.refresh_from_db()
    assert (course.rating_count, course.rating_sum, course.rating_average) == (1, 2, Decimal("2.00"))
    html = client.get(_url("courses:detail", "es", slug=course.slug)).content.decode()
    assert 'value="2" checked' in html or 'checked value="2"' in html or "Regular</textarea>" in html


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_a_bad_rating_from_the_form_changes_nothing(client, rating):
    course, _lessons = course_with_lessons(lessons=1)
    client.force_login(enrolled_learner(course))

    response = client.post(_url("courses:review_submit", slug=course.slug), {"rating": rating, "text": "x"})

    assert response.status_code == 400
    assert "Choose from 1 to 5 stars." in response.content.decode()
    assert Review.objects.count() == 0


def test_the_review_form_refuses_non_enrolled_learners(client):
    course, _lessons = course_with_lessons(lessons=1)
    client.force_login(UserFactory())

    response = client.post(_url("courses:review_submit", slug=course.slug), {"rating": "5", "text": "x"})

    assert response.status_code == 302
    assert Review.objects.count() == 0
    course.refresh_from_db()
    assert course.rating_count == 0


def test_the_review_form_needs_sign_in(client):
    course, _lessons = course_with_lessons(lessons=1)

    response = client.post(_url("courses:review_submit", slug=course.slug), {"rating": "5"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert Review.objects.count() == 0


def test_a_learner_deletes_their_review_from_the_course_page(client):
    course, _lessons = course_with_lessons(lessons=1)
    learner = enrolled_learner(course)
    review_upsert(user=learner, course=course, rating=3, text="ok")
    client.force_login(learner)

    response = client.post(_url("courses:review_delete", slug=course.slug))

    assert response.status_code == 302
    assert Review.objects.count() == 0


@pytest.mark.parametrize("size", [5, 30])
def test_the_reviews_include_costs_a_fixed_number_of_queries(django_assert_num_queries, rf, size):
    # given a course with 5 or 30 reviews, rendered for a signed-in learner
    from django.template.loader import render_to_string

    course = CourseFactory()
    review_rows(course, size)
    request = rf.get("/")
    request.user = enrolled_learner(course)

    # when / then: the latest reviews and the star counts, rendered once into the page's
    # shared cached pieces, then the learner's own review and enrollment per request
    from django.utils.safestring import mark_safe

    with django_assert_num_queries(2):
        shared = {
            f"review_{name}": mark_safe(render_to_string(f"courses/_reviews_{name}.html", {"course": course}))
            for name in ("summary", "list")
        }
    with django_assert_num_queries(2):
        html = render_to_string(
            "courses/_reviews.html",
            {"course": course, "request": request, "user": request.user, "fragments": shared},
        )
    assert html.count('class="learn-review"') == min(size, 10)


@pytest.mark.parametrize("size", [5, 30])
def test_the_course_page_with_reviews_costs_a_fixed_number_of_queries(
    client, django_assert_num_queries, size
):
    course, _lessons = course_with_lessons(lessons=3)
    review_rows(course, size)

    # 8 for the page with its reviews, plus 1 for the stored "similar courses" rail
    with django_assert_num_queries(9) as captured:
        response = client.get(_url("courses:detail", slug=course.slug))

    assert response.status_code == 200, [q["sql"] for q in captured.captured_queries]
    assert response.content.decode().count('class="learn-review"') == min(size, 10)
