"""The inbox page, marking read, e-mail preferences and the one-click unsubscribe."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import ApplicationError
from core.input_guard import bad_request

from . import selectors, services
from .models import Kind

PAGE_SIZE = 20


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.inbox_for_user(user=request.user), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        page = paginator.page(1)
    return render(request, "notifications/inbox.html", {"page_obj": page, "notifications": page.object_list})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    if request.POST.get("open") == "1" and url_has_allowed_host_and_scheme(
        notification.link, allowed_hosts=None
    ):
        return redirect(notification.link or "notifications:inbox")
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("Every notification is marked as read."))
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        wanted = set(request.POST.getlist("email"))
        unknown = wanted - set(Kind.values)
        if unknown:
            return bad_request(request, _("This kind of notification does not exist."))
        for item in selectors.preferences_for_user(user=request.user):
            services.preference_set(user_id=request.user.pk, kind=item["kind"], email=item["kind"] in wanted)
        messages.success(request, _("Your e-mail preferences are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"preferences": selectors.preferences_for_user(user=request.user)},
    )


# Mail clients POST here without a session or a CSRF token (RFC 8058 one-click); the signed
# token is the credential. A GET only shows the button: link scanners must not unsubscribe.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = services.unsubscribe_token_read(token)
    if found is None:
        return bad_request(request, _("This unsubscribe link is not valid."))
    user_id, kind = found
    done = False
    if request.method == "POST":
        services.preference_set(user_id=user_id, kind=kind, email=False)
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"kind_label": Kind(kind).label, "done": done, "token": token},
    )
