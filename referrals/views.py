"""Referral pages: the link redirect ``/r/<code>/[<course>/]`` (outside the language prefix,
printed on posters) and, under ``/<lang>/referrals/``, the learner's earnings page (join,
code, withdrawals, "were you referred?"), a course's share page and payout statements."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from campaigns.services import new_visitor_id
from campaigns.views import VISITOR_COOKIE, VISITOR_COOKIE_MAX_AGE
from core.exceptions import ApplicationError

from . import selectors, services
from .exceptions import WithdrawalInvalid
from .forms import ClaimForm, ShareForm, WithdrawalForm
from .requests import address, device_id

PAGE_SIZE = 20


@never_cache
def referral_redirect(
    request: HttpRequest, code: str, slug: str | None = None, kind: str = "course"
) -> HttpResponse:
    """Record the visit and send the visitor to the course in its own language (the poster
    was in it), to the plan in the visitor's, or home in the visitor's."""
    visitor_id = device_id(request)
    is_new = not visitor_id
    visitor_id = visitor_id or new_visitor_id()
    _referrer, product = services.visit_record(
        code=code[:32],
        course_slug=slug if kind == "course" else None,
        plan_slug=slug if kind == "plan" else None,
        visitor_id=visitor_id,
        user=request.user,
        address=address(request),
    )
    if product is not None and kind == "plan":
        # A plan has no language of its own (its title is translated): the visitor's.
        with translation.override(translation.get_language_from_request(request)):
            target = reverse("plans:detail", kwargs={"slug": product.slug})
    elif product is not None:
        with translation.override(product.language):
            target = reverse("courses:detail", kwargs={"slug": product.slug})
    else:
        with translation.override(translation.get_language_from_request(request)):
            target = reverse("courses:home")
    response = HttpResponseRedirect(target)
    if is_new:
        response.set_cookie(
            VISITOR_COOKIE,
            visitor_id,
            max_age=VISITOR_COOKIE_MAX_AGE,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure(),
        )
    return response


@login_required
@require_GET
def earnings(request: HttpRequest) -> HttpResponse:
    referrer = selectors.referrer_for_user(user=request.user)
    context = {"referrer": referrer, "claim_form": ClaimForm(), "window_days": services.window_days()}
    if referrer is not None:
        services.device_remember(referrer=referrer, visitor_id=device_id(request))
        commissions = Paginator(selectors.commissions_for(referrer=referrer), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(
            link=selectors.link_url(referrer=referrer),
            earnings=selectors.earnings_for(referrer=referrer),
            commissions=commissions,
            withdrawals=selectors.withdrawals_for(referrer=referrer)[:PAGE_SIZE],
            withdrawal_form=WithdrawalForm(),
            courses=selectors.shareable_courses(user=request.user),
            plans=selectors.shareable_plans(),
        )
    return render(request, "referrals/earnings.html", context)


@login_required
@require_POST
def join(request: HttpRequest) -> HttpResponse:
    services.referrer_join(user=request.user, visitor_id=device_id(request))
    messages.success(request, _("You are a referrer now. Share your link to earn a commission."))
    return redirect("referrals:earnings")


@login_required
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    form = ClaimForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a referral code."))
        return redirect("referrals:earnings")
    try:
        services.code_claim(user=request.user, code=form.cleaned_data["code"], address=address(request))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Thank you: your referrer will be credited for your purchases."))
    return redirect("referrals:earnings")


@login_required
@require_POST
def withdraw(request: HttpRequest) -> HttpResponse:
    referrer = selectors.referrer_for_user(user=request.user)
    if referrer is None:
        return redirect("referrals:earnings")
    form = WithdrawalForm(request.POST)
    try:
        if not form.is_valid():
            raise WithdrawalInvalid()
        services.withdrawal_request(
            referrer=referrer, amount=form.cleaned_data["amount"], currency=form.cleaned_data["currency"]
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Withdrawal requested. Staff will pay it and send you a statement."))
    return redirect("referrals:earnings")


def _share_page(request: HttpRequest, *, kind: str, slug: str) -> HttpResponse:
    """The share page of a course or a plan (``kind``): the learner's link, code and poster.
    A course's poster is in the course's language; a plan's in the page's."""
    referrer = selectors.referrer_for_user(user=request.user)
    if referrer is None:
        return redirect("referrals:earnings")
    find = services.plan_for_link if kind == "plan" else services.course_for_link
    try:
        product = find(slug=slug)
    except ApplicationError:
        raise Http404(f"unknown {kind}") from None
    language = translation.get_language() if kind == "plan" else ""
    return render(
        request,
        "referrals/share.html",
        {
            "referrer": referrer,
            kind: product,
            "link": selectors.link_url(referrer=referrer, **{kind: product}),
            "poster_url": selectors.poster_path(**{kind: product}, language=language),
        },
    )


@login_required
@require_GET
def share(request: HttpRequest, slug: str) -> HttpResponse:
    return _share_page(request, kind="course", slug=slug)


@login_required
@require_GET
def share_plan(request: HttpRequest, slug: str) -> HttpResponse:
    return _share_page(request, kind="plan", slug=slug)


@login_required
@require_GET
def share_pick(request: HttpRequest) -> HttpResponse:
    form = ShareForm(request.GET)
    if not form.is_valid():
        return redirect("referrals:earnings")
    target = "referrals:share_plan" if form.kind == "plan" else "referrals:share"
    return redirect(target, slug=form.cleaned_data["course"])


@login_required
@require_GET
def statement(request: HttpRequest, number) -> HttpResponse:
    referrer = selectors.referrer_for_user(user=request.user)
    found = selectors.statement_for(referrer=referrer, number=number) if referrer else None
    if found is None:
        raise Http404("no such statement")
    return render(request, "referrals/statement.html", {"statement": found})
