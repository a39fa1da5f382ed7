"""The forms of the questions section on the lesson page. Each POST is counted against
the client's address (``core.ratelimit``, scope "questions"); a refused form is a 400 in
the reader's language and changes nothing; a broken rule comes back as a message."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.middleware import throttled_response
from core import ratelimit
from core.client_address import client_ip, rate_ident
from core.exceptions import ApplicationError
from core.input_guard import bad_request

from . import selectors, services
from .forms import AnswerForm, QuestionForm, ReportForm


def _lesson_url(lesson, anchor: str = "questions") -> str:
    url = reverse("courses:lesson", kwargs={"slug": lesson.section.course.slug, "lesson_id": lesson.pk})
    return f"{url}#{anchor}"


def _throttled(request: HttpRequest) -> HttpResponse | None:
    rate = ratelimit.Rate.parse(settings.RATE_LIMITS["questions"])
    hit = ratelimit.hit("questions", "ip:" + rate_ident(client_ip(request)), rate)
    return None if hit.allowed else throttled_response(request, hit.retry_after)


def _form_error(request: HttpRequest, form) -> HttpResponse:
    first = next(iter(form.errors.values()))[0]
    return bad_request(request, str(first))


def _run(request: HttpRequest, back: str, action, success: str) -> HttpResponse:
    try:
        action()
    except ApplicationError as exc:
        if exc.status_code == 400:
            return bad_request(request, str(exc.message))
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(back)


def _guarded(view):
    """Sign-in, POST only, not-found as 404 and the per-address limit, for every form."""

    @wraps(view)
    @login_required
    @require_POST
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        refused = _throttled(request)
        if refused is not None:
            return refused
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            if exc.status_code == 404:
                raise Http404(str(exc.message)) from exc
            raise

    return wrapper


@_guarded
def question_ask(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = selectors.lesson_get(lesson_id=lesson_id)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    return _run(
        request,
        _lesson_url(lesson),
        lambda: services.question_ask(user=request.user, lesson=lesson, **form.cleaned_data),
        _("Your question is posted. The instructor has been told."),
    )


@_guarded
def answer_post(request: HttpRequest, question_id: int) -> HttpResponse:
    question = selectors.question_for_write(question_id=question_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    return _run(
        request,
        _lesson_url(question.lesson, f"question-{question.pk}"),
        lambda: services.answer_post(user=request.user, question=question, body=form.cleaned_data["body"]),
        _("Your answer is posted."),
    )


@_guarded
def answer_best(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = selectors.answer_for_write(answer_id=answer_id)
    return _run(
        request,
        _lesson_url(answer.question.lesson, f"question-{answer.question_id}"),
        lambda: services.answer_mark_best(user=request.user, answer=answer),
        _("Marked as the best answer."),
    )


@_guarded
def answer_upvote(request: HttpRequest, answer_id: int) -> HttpResponse:
    answer = selectors.answer_for_write(answer_id=answer_id)
    undo = request.POST.get("undo") == "1"
    return _run(
        request,
        _lesson_url(answer.question.lesson, f"answer-{answer.pk}"),
        (lambda: services.answer_unvote(user=request.user, answer=answer))
        if undo
        else (lambda: services.answer_upvote(user=request.user, answer=answer)),
        _("Upvote taken back.") if undo else _("Thank you for your upvote."),
    )


@_guarded
def report(request: HttpRequest, kind: str, item_id: int) -> HttpResponse:
    if kind == "question":
        question, answer = selectors.question_for_write(question_id=item_id), None
        lesson = question.lesson
    else:
        question, answer = None, selectors.answer_for_write(answer_id=item_id)
        lesson = answer.question.lesson
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _form_error(request, form)
    return _run(
        request,
        _lesson_url(lesson),
        lambda: services.content_report(
            user=request.user, question=question, answer=answer, **form.cleaned_data
        ),
        _("Thank you. Our staff will look at your report."),
    )
