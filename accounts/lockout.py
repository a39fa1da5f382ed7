"""The answer django-axes gives a locked-out client (``AXES_LOCKOUT_CALLABLE``): the API
error shape on API paths, a page elsewhere, 429 with Retry-After either way, in the
language of the request."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def _cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message(seconds: int | None = None) -> str:
    seconds = _cool_off_seconds() if seconds is None else seconds
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None, *, retry_after: int | None = None
) -> HttpResponse:
    """``retry_after``: seconds until the attempt budget that refused the request reopens;
    django-axes's own lockouts last the cool-off."""
    seconds = _cool_off_seconds() if retry_after is None else retry_after
    message = lockout_message(seconds)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "locked_out", "detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(request, "accounts/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def lockout_username(request, credentials=None) -> str:
    """The username django-axes records, cut to the length of a username: its column holds
    255 characters, and a longer one posted to a sign-in form would fail the insert (500)."""
    source = credentials if credentials is not None else getattr(request, "POST", {})
    return str(source.get("username") or "")[:150]
