"""Partner-portal pages of the team: members and their roles, invitations. Everyone sees
the team; only owners invite, change roles and remove (a partner keeps one owner)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from partners import selectors
from partners.forms import MemberInviteForm, MemberRoleForm
from partners.services import partner_invitation_create, partner_member_remove, partner_member_set_role

from .access import is_portal_owner, portal_member_required


def _members_page(
    request: HttpRequest, form: MemberInviteForm | None = None, status: int = 200
) -> HttpResponse:
    partner = request.portal_partner
    context = {
        "members": selectors.partner_member_list(partner=partner),
        "invitations": selectors.partner_open_invitations(partner=partner),
        "form": form or MemberInviteForm(),
        "role_form": MemberRoleForm(),
        "can_manage": is_portal_owner(request),
        "me": request.portal_member,
    }
    return render(request, "portal/partners/members.html", context, status=status)


@require_GET
@portal_member_required
def member_list(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


@require_POST
@portal_member_required(owner_only=True)
def member_invite(request: HttpRequest) -> HttpResponse:
    form = MemberInviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, form, status=400)
    partner_invitation_create(
        partner=request.portal_partner,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=request.user,
        language=translation.get_language(),
    )
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    return redirect("portal:member_list")


@require_POST
@portal_member_required(owner_only=True)
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        return _members_page(request, status=400)
    try:
        partner_member_set_role(partner=request.portal_partner, member_id=pk, role=form.cleaned_data["role"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _members_page(request, status=exc.status_code)
    messages.success(request, _("Role changed."))
    return redirect("portal:member_list")


@require_POST
@portal_member_required(owner_only=True)
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        partner_member_remove(partner=request.portal_partner, member_id=pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _members_page(request, status=exc.status_code)
    messages.success(request, _("Member removed."))
    return redirect("portal:member_list")
