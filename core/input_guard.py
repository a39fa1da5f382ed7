"""Refuses requests whose text cannot be stored, before any view sees them.

PostgreSQL refuses a NUL character in any text or JSON value, so a NUL that reaches a query
(a URL segment looked up by slug or token, a query parameter, a form value used as a lookup)
fails inside the database driver as a 500. Checking each view would miss the next one;
checking once here, for the URL, the query string and the pages' form bodies, turns every such
request into a 400 in the caller's language. API bodies are checked by
``core.api.parsers.JSONParser``; uploaded files are checked by whoever reads them."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

NUL = "\x00"


def _has_nul(query_dict) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in query_dict.lists())


def request_has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    if _has_nul(request.GET):
        return True
    # Form bodies of the pages. API bodies are left to the API's parsers (JSON, refusing NUL):
    # parsing a multipart body here would consume the stream that a webhook view reads as
    # request.body.
    return request.method == "POST" and not request.path.startswith("/api/") and _has_nul(request.POST)


def bad_request(request: HttpRequest, detail: str) -> HttpResponse:
    """A 400 in the API's error shape under /api/, the site's 400 page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "invalid", "detail": detail}, status=400)
    return render(request, "400.html", {"detail": detail}, status=400)


class RejectNulCharacterMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_has_nul(request):
            return bad_request(
                request, gettext("The request contains a NUL character, which is not allowed.")
            )
        return self.get_response(request)
