"""A learner's data-sharing consents with partners (account area)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError
from partners import selectors
from partners.forms import ConsentGrantForm
from partners.services import partner_consent_grant, partner_consent_withdraw


def _safe_next(request: HttpRequest) -> str:
    """Where to go after linking (e.g. back to a campaign page), only on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@require_GET
@login_required
def consent_list(request: HttpRequest) -> HttpResponse:
    context = {
        "consents": list(selectors.learner_consent_list(user=request.user)),
        "linkable": list(selectors.partner_linkable_list(user=request.user)),
    }
    return render(request, "partners/account/consent_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def consent_grant(request: HttpRequest, slug: str) -> HttpResponse:
    partner = selectors.partner_get_active(slug=slug)
    if partner is None:
        raise Http404
    consent_text = selectors.consent_text_current()
    active = selectors.learner_active_consent(user=request.user, partner=partner)
    form = ConsentGrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                partner_consent_grant(user=request.user, partner=partner, language=translation.get_language())
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("You are now linked to %(partner)s.") % {"partner": partner.name})
                return redirect(_safe_next(request) or "partners:consent_list")
        status = 400
    context = {
        "partner": partner,
        "consent_text": consent_text,
        "active": active,
        "form": form,
        "next": _safe_next(request),
    }
    return render(request, "partners/account/consent_grant.html", context, status=status)


@require_POST
@login_required
def consent_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    # Any status: a paused partner must not keep a learner who wants out.
    partner = selectors.partner_get(slug=slug)
    if partner is None:
        raise Http404
    if partner_consent_withdraw(user=request.user, partner=partner) is not None:
        messages.success(
            request,
            _("You withdrew your data-sharing consent with %(partner)s. They no longer see you.")
            % {"partner": partner.name},
        )
    return redirect("partners:consent_list")
