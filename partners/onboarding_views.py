"""Public onboarding pages: the "become a partner" form and the invitation link that
lets an invited person join a partner (creating their account if they have none)."""

from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.services import user_signup
from core.exceptions import ApplicationError

from .forms import InvitationSignupForm, PartnerApplicationForm
from .services import partner_application_submit, partner_invitation_accept, partner_invitation_open


@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = PartnerApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partner_application_submit(language=translation.get_language(), **form.cleaned_data)
        return render(request, "partners/onboarding/applied.html", {"company": form.cleaned_data["company"]})
    status = 400 if request.method == "POST" else 200
    return render(request, "partners/onboarding/apply.html", {"form": form}, status=status)


def _portal_home() -> str:
    # The portal's URLs live on the top floor; this page only needs its address.
    return reverse("portal:dashboard")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = partner_invitation_open(token=token)
    except ApplicationError as exc:
        return render(
            request, "partners/onboarding/invitation_invalid.html", {"reason": exc.message}, status=404
        )
    context = {"invitation": invite}

    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                partner_invitation_accept(token=token, user=request.user)
            except ApplicationError as exc:
                context["error"] = exc.message
                return render(request, "partners/onboarding/invitation.html", context, status=exc.status_code)
            messages.success(
                request, _("Welcome to %(partner)s's partner portal.") % {"partner": invite.partner}
            )
            return HttpResponseRedirect(_portal_home())
        return render(request, "partners/onboarding/invitation.html", context)

    if User.objects.filter(email__iexact=invite.email).exists():
        # Their account exists: sign in, then this page offers to join.
        context["has_account"] = True
        return render(request, "partners/onboarding/invitation.html", context)

    form = InvitationSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction: an invitation revoked meanwhile leaves no stray account.
            with transaction.atomic():
                user = user_signup(
                    username=form.cleaned_data["username"],
                    email=invite.email,
                    password=form.cleaned_data["password1"],
                    preferred_language=translation.get_language(),
                )
                partner_invitation_accept(token=token, user=user)
        except ApplicationError as exc:
            context.update(form=form, error=exc.message)
            return render(request, "partners/onboarding/invitation.html", context, status=exc.status_code)
        login(request, user, backend="accounts.backends.AttemptLimitedModelBackend")
        # Owners set up their second factor next (accounts.middleware sends them there).
        return HttpResponseRedirect(_portal_home())
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "partners/onboarding/invitation.html", context, status=status)
