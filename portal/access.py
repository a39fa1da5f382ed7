"""Who may open a partner-portal page (every page of ``portal/`` goes through it).

Anonymous visitors are sent to sign in; a signed-in user without a partner membership
(a learner, or staff acting outside the admin) gets the 403 page; an analyst who tries
an owner-only action gets the 403 page too. On success the view sees
``request.portal_member`` (the PartnerMember) and ``request.portal_partner`` (its Partner),
and must scope every query to ``request.portal_partner`` so another partner's object is a 404.

Function views::

    @portal_member_required
    def my_page(request): ...

    @portal_member_required(owner_only=True)
    def my_write(request): ...
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerMember
from partners.selectors import partner_member_for_user

FORBIDDEN_TEMPLATE = "portal/partners/forbidden.html"


def portal_forbidden(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, FORBIDDEN_TEMPLATE, {"reason": reason}, status=403)


def _check(request: HttpRequest, *, owner_only: bool) -> HttpResponse | None:
    """None when the request may go on; otherwise the response that refuses it."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    member = partner_member_for_user(request.user)
    if member is None:
        return portal_forbidden(request, str(_("The partner portal is for partner admins only.")))
    request.portal_member = member
    request.portal_partner = member.partner
    if owner_only and member.role != PartnerMember.Role.OWNER:
        return portal_forbidden(request, str(_("Only the partner's owner can do this.")))
    return None


def portal_member_required(view: Callable | None = None, *, owner_only: bool = False):
    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            refused = _check(request, owner_only=owner_only)
            return refused if refused is not None else func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def is_portal_owner(request: HttpRequest) -> bool:
    member = getattr(request, "portal_member", None)
    return member is not None and member.role == PartnerMember.Role.OWNER
