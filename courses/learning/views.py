"""Learning pages: My learning, the lesson page (mark complete, resume), the certificate
and its public verification, the review form posted from the course page and the wishlist. They read
through ``courses.learning.selectors`` and write through ``courses.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from core.input_guard import bad_request
from core.money import currency_for_request

from .. import services
from ..exceptions import InvalidAnswers
from ..models import Course, Lesson
from ..selectors import course_list
from . import certificate_pdf, media, selectors
from . import services as learning_services
from .forms import ProgressForm, ReviewForm, ReviewListForm

MY_LEARNING_PAGE_SIZE = 20
REVIEWS_PAGE_SIZE = 20


def _course_page(course: Course, anchor: str = "") -> HttpResponseRedirect:
    return redirect(reverse("courses:detail", kwargs={"slug": course.slug}) + anchor)


def _lesson_url(course: Course, lesson_id: int) -> str:
    return reverse("courses:lesson", kwargs={"slug": course.slug, "lesson_id": lesson_id})


def _learning_course(slug: str) -> Course:
    try:
        return selectors.course_for_learning(slug=slug)
    except Course.DoesNotExist as exc:
        raise Http404("course not found") from exc


def _page(paginator: Paginator, number: str | None):
    try:
        return paginator.page(number or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


@login_required
@require_GET
def my_learning(request: HttpRequest) -> HttpResponse:
    queryset = selectors.enrollment_list_for_user(user=request.user)
    page = _page(Paginator(queryset, MY_LEARNING_PAGE_SIZE), request.GET.get("page"))
    return render(
        request,
        "courses/learning/my_learning.html",
        {"page_obj": page, "enrollments": page.object_list},
    )


@login_required
@require_POST
def enroll_free(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Enroll free": the learner goes straight to the first lesson, with no payment step."""
    try:
        services.enrollment_enroll_free(user=request.user, course_slug=slug)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("courses:detail", slug=slug)
    messages.success(request, _("You are enrolled. Enjoy the course!"))
    return redirect("courses:course_resume", slug=slug)


@login_required
@require_GET
def course_resume(request: HttpRequest, slug: str) -> HttpResponse:
    """Continue where the learner left off (the first lesson the first time)."""
    course = _learning_course(slug)
    lessons = selectors.course_syllabus_lessons(course=course)
    enrollment = selectors.enrollment_active_get(user=request.user, course_id=course.pk)
    if enrollment is None or not lessons:
        return _course_page(course)
    known = {lesson.pk for lesson in lessons}
    target = enrollment.last_lesson_id if enrollment.last_lesson_id in known else lessons[0].pk
    return redirect(_lesson_url(course, target))


@require_GET
def lesson_view(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    course = _learning_course(slug)
    lessons = selectors.course_syllabus_lessons(course=course)
    index = next((i for i, lesson in enumerate(lessons) if lesson.pk == lesson_id), None)
    if index is None:
        raise Http404("lesson not found")
    lesson = lessons[index]
    enrollment = selectors.enrollment_active_get(user=request.user, course_id=course.pk)
    progress = None
    if enrollment is None:
        if not course.is_published:
            raise Http404("course not found")
        if not lesson.is_preview:
            messages.info(request, _("Enroll in this course to open this lesson."))
            return _course_page(course)
        completed_ids: set[int] = set()
    opens_at = services.lesson_opens_at(lesson=lesson, section=lesson.section, enrollment=enrollment)
    if enrollment is not None:
        if opens_at is None:  # "resume" never lands on a lesson that is still locked
            services.enrollment_set_last_lesson(enrollment=enrollment, lesson=lesson)
        completed_ids = selectors.lesson_completed_ids(user=request.user, course_id=course.pk)
        progress = selectors.lesson_progress_get(user=request.user, lesson=lesson)

    sections = course.sections.all()
    context = {
        "course": course,
        "lesson": lesson,
        "sections": sections,
        "locked": selectors.lessons_mark_locked(sections=sections, enrollment=enrollment),
        "opens_at": opens_at,
        "media_src": (
            media.lesson_media_url(lesson=lesson, user=request.user)
            if lesson.media_file and opens_at is None
            else ""
        ),
        "resume_position": progress.position_seconds if progress else 0,
        "quizzes": selectors.quizzes_for_lesson_page(section=lesson.section) if enrollment else [],
        "enrollment": enrollment,
        "completed_ids": completed_ids,
        "is_completed": lesson.pk in completed_ids,
        "previous_lesson": lessons[index - 1] if index > 0 else None,
        "next_lesson": lessons[index + 1] if index + 1 < len(lessons) else None,
        "lesson_number": index + 1,
        "lesson_total": len(lessons),
        "completion_percent": (
            min(100, 100 * len(completed_ids) // len(lessons)) if enrollment is not None else 0
        ),
    }
    return render(request, "courses/learning/lesson.html", context)


@require_GET
def lesson_media(request: HttpRequest, token: str) -> HttpResponse:
    """The file of a lesson, for the learner the URL was signed for (see ``media``)."""
    data = media.lesson_media_token_read(token)
    if data is None:
        return HttpResponse(_("This media link has expired. Open the lesson again."), status=403)
    user_id = media._request_user_id(request)
    if data["u"] and data["u"] != user_id:
        return HttpResponse(_("This media link belongs to another account."), status=403)
    lesson = Lesson.objects.select_related("section__course").filter(pk=data["l"]).first()
    if lesson is None or not lesson.media_file:
        raise Http404("no media")
    if not media.lesson_media_playable(lesson=lesson, user_id=data["u"]):
        return HttpResponse(_("Enroll in this course to open this lesson."), status=403)
    return media.lesson_media_response(request, lesson)


@login_required
@require_POST
def lesson_progress(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    """Mark complete (and go on to the next lesson) or mark as not complete."""
    course = _learning_course(slug)
    lessons = selectors.course_syllabus_lessons(course=course)
    index = next((i for i, lesson in enumerate(lessons) if lesson.pk == lesson_id), None)
    if index is None:
        raise Http404("lesson not found")
    lesson = lessons[index]
    form = ProgressForm(request.POST)
    completed = form.is_valid() and form.cleaned_data["completed"]
    was_completed = selectors.certificate_for_user(user=request.user, course_id=course.pk) is not None
    try:
        enrollment = services.lesson_progress_set(user=request.user, lesson=lesson, completed=completed)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _course_page(course)
    if enrollment.completed_at and not was_completed:
        messages.success(request, _("You completed this course. Your certificate is ready."))
        return redirect("courses:certificate", slug=course.slug)
    if completed and index + 1 < len(lessons):
        return redirect(_lesson_url(course, lessons[index + 1].pk))
    return redirect(_lesson_url(course, lesson.pk))


@login_required
@require_GET
def certificate_view(request: HttpRequest, slug: str) -> HttpResponse:
    course = Course.objects.filter(slug=slug).only("id", "slug").first()
    if course is None:
        raise Http404("course not found")
    certificate = selectors.certificate_for_user(user=request.user, course_id=course.pk)
    if certificate is None:
        if selectors.enrollment_active_get(user=request.user, course_id=course.pk) is None:
            raise Http404("no certificate")
        messages.info(request, _("Complete every lesson of this course to get your certificate."))
        return redirect("courses:course_resume", slug=course.slug)
    verify_url = request.build_absolute_uri(
        reverse("courses:certificate_verify", kwargs={"verification_id": certificate.verification_id})
    )
    return render(
        request,
        "courses/learning/certificate.html",
        {"certificate": certificate, "course": certificate.course, "verify_url": verify_url},
    )


def _pdf_response(request: HttpRequest, certificate, *, inline: bool) -> HttpResponse:
    verify_url = request.build_absolute_uri(
        reverse("courses:certificate_verify", kwargs={"verification_id": certificate.verification_id})
    )
    body = certificate_pdf.certificate_pdf(certificate=certificate, verify_url=verify_url)
    response = HttpResponse(body, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{certificate.verification_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def certificate_pdf_view(request: HttpRequest, slug: str) -> HttpResponse:
    course = Course.objects.filter(slug=slug).only("id").first()
    certificate = course and selectors.certificate_for_user(user=request.user, course_id=course.pk)
    if not certificate:
        raise Http404("no certificate")
    return _pdf_response(request, certificate, inline=False)


@require_GET
def certificate_pdf_public(request: HttpRequest, verification_id: str) -> HttpResponse:
    """The PDF behind a shared verification link: public, like the verification page."""
    certificate = selectors.certificate_verify(verification_id=verification_id)
    if certificate is None:
        raise Http404("no certificate")
    return _pdf_response(request, certificate, inline=True)


def _quiz_answers(post, quiz) -> dict[str, list]:
    """The page's form (``q<question id>`` = choice ids) as the service's answers; ids that
    are not numbers are passed on as they are, for the service to refuse."""
    answers: dict[str, list] = {}
    for question in quiz.questions.all():
        picked = post.getlist(f"q{question.pk}")
        if picked:
            answers[str(question.pk)] = [int(value) if value.isdecimal() else value for value in picked]
    return answers


@login_required
def quiz_view(request: HttpRequest, slug: str, quiz_id: int) -> HttpResponse:
    """Take a quiz of an enrolled course; the result shows on the same page."""
    course = Course.objects.filter(slug=slug).first()
    if course is None or selectors.enrollment_active_get(user=request.user, course_id=course.pk) is None:
        raise Http404("not enrolled")
    quiz = selectors.quiz_for_taking(course=course, quiz_id=quiz_id)
    if quiz is None:
        raise Http404("quiz not found")
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    for question in quiz.questions.all():
        # Checkboxes where more than one choice is right, radio buttons otherwise.
        question.multiple = sum(choice.is_correct for choice in question.choices.all()) > 1
    attempt = None
    if request.method == "POST":
        try:
            attempt = learning_services.quiz_attempt_submit(
                user=request.user, quiz=quiz, answers=_quiz_answers(request.POST, quiz)
            )
        except InvalidAnswers as exc:
            return bad_request(request, str(exc.message))
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return _course_page(course)
    context = {
        "course": course,
        "quiz": quiz,
        "attempt": attempt,
        "best": attempt or selectors.quiz_best_attempt(user=request.user, quiz=quiz),
        "certificate": (
            selectors.certificate_for_user(user=request.user, course_id=course.pk)
            if attempt and attempt.passed
            else None
        ),
    }
    return render(request, "courses/learning/quiz.html", context)


@require_GET
def certificate_verify(request: HttpRequest, verification_id: str) -> HttpResponse:
    """Public: anyone holding a printed certificate can check that it is genuine."""
    certificate = selectors.certificate_verify(verification_id=verification_id)
    return render(
        request,
        "courses/learning/certificate_verify.html",
        {"certificate": certificate, "verification_id": verification_id},
        status=200 if certificate else 404,
    )


def _published_course_or_404(slug: str) -> Course:
    course = Course.objects.filter(slug=slug, is_published=True).first()
    if course is None:
        raise Http404("course not found")
    return course


@login_required
@require_POST
def review_submit(request: HttpRequest, slug: str) -> HttpResponse:
    course = _published_course_or_404(slug)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        # The page's stars cannot send this: a forged post, refused as a 400.
        return bad_request(request, _("Choose from 1 to 5 stars."))
    try:
        services.review_upsert(
            user=request.user,
            course=course,
            rating=form.cleaned_data["rating"],
            text=form.cleaned_data["text"],
            language=translation.get_language(),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you, your review is saved."))
    return _course_page(course, "#reviews")


@login_required
@require_POST
def review_remove(request: HttpRequest, slug: str) -> HttpResponse:
    course = _published_course_or_404(slug)
    if services.review_delete(user=request.user, course=course):
        messages.success(request, _("Your review is deleted."))
    return _course_page(course, "#reviews")


@login_required
@require_GET
def wishlist(request: HttpRequest) -> HttpResponse:
    courses = selectors.wishlist_courses(
        user=request.user, courses=course_list(currency=currency_for_request(request))
    )
    page = _page(Paginator(courses, MY_LEARNING_PAGE_SIZE), request.GET.get("page"))
    return render(request, "courses/learning/wishlist.html", {"page_obj": page, "courses": page.object_list})


@login_required
@require_POST
def wishlist_toggle(request: HttpRequest, slug: str) -> HttpResponse:
    """Save or unsave from the course page (``saved=1`` saves, anything else removes):
    the form says what it wants, so a double submit ends in the state the learner saw."""
    course = _published_course_or_404(slug)
    if request.POST.get("saved") == "1":
        services.wishlist_add(user=request.user, course=course)
        messages.success(request, _("Saved to your wishlist."))
    else:
        services.wishlist_remove(user=request.user, course=course)
        messages.success(request, _("Removed from your wishlist."))
    target = request.POST.get("next", "")
    if target == "wishlist":
        return redirect("courses:wishlist")
    return _course_page(course)


@require_GET
def course_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """Every review of a course, sorted and filtered by stars, a page at a time: four
    queries whatever the number of reviews."""
    course = _published_course_or_404(slug)
    form = ReviewListForm(request.GET)
    filters = form.filters()
    reviews = selectors.review_list_for_course(course=course, **filters)
    page = _page(Paginator(reviews, REVIEWS_PAGE_SIZE), request.GET.get("page"))
    counts = selectors.review_star_counts(course=course)
    total = sum(counts.values())
    stars = [
        {"stars": value, "count": count, "percent": round(100 * count / total) if total else 0}
        for value, count in counts.items()
    ]
    return render(
        request,
        "courses/reviews.html",
        {
            "course": course,
            "form": form,
            "filters": filters,
            "page_obj": page,
            "reviews": page.object_list,
            "stars": stars,
            "total": total,
        },
    )
