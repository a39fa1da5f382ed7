"""The web doors: attempt limits per client address, and the second-factor gate.

``DoorThrottleMiddleware`` counts every POST to a door (sign-in on the site and in the
admin, the second-factor code, sign-up, password reset) against the client's address
before the view runs, atomically in Redis (``core.ratelimit``), and answers 429 past the
limit without looking at the password. The API's token door uses the same "auth"
counter through its DRF throttle, so the doors share one budget per address.

``MfaMiddleware`` keeps a session whose second factor is due (``accounts.mfa``) on the
code pages: other pages redirect there, API calls made with the session answer 403.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import ratelimit
from core.client_address import client_ip, rate_ident

from . import mfa
from .lockout import lockout_response

# URL name -> the RATE_LIMITS entry its POSTs are counted under.
DOORS = {
    "accounts:login": "auth",
    "admin:login": "auth",
    "accounts:mfa_verify": "auth",
    # Text-message codes: each try also counts against the code's own attempts.
    "accounts:phone_verify": "auth",
    "accounts:signup": "signup",
    "accounts:password_reset": "password_reset",
    "partner_onboarding:apply": "partner_application",
    "partner_onboarding:invitation": "signup",
}
# What a session with a pending second factor may still open.
MFA_OPEN_VIEWS = frozenset(
    {
        "accounts:mfa_verify",
        "accounts:mfa_setup",
        "accounts:logout",
        "admin:logout",
        "set_language",
        "healthz",
        "readyz",
        "javascript-catalog",
    }
)


def throttled_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    minutes = max(1, -(-retry_after // 60))
    response = render(request, "accounts/throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class DoorThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        exhausted = getattr(request, "account_attempts_exhausted", None)
        if exhausted is not None:
            # The username's budget of failed checks is spent (accounts.backends): the
            # door answers like a lockout, not like a wrong password.
            return lockout_response(request, retry_after=exhausted)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match is None:
            return None
        scope = DOORS.get(request.resolver_match.view_name)
        if scope is None:
            return None
        rate = ratelimit.Rate.parse(settings.RATE_LIMITS[scope])
        hit = ratelimit.hit(scope, "ip:" + rate_ident(client_ip(request)), rate)
        if not hit.allowed:
            return throttled_response(request, hit.retry_after)
        return None


class MfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not hasattr(request, "session") or not request.user.is_authenticated:
            return None
        state = mfa.session_state(request)
        if state is None:
            # A session from before this gate (or from another sign-in path): decide once.
            state = mfa.mfa_state_for(request.user)
            mfa.session_state_set(request, state)
        if state not in mfa.PENDING:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in MFA_OPEN_VIEWS:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "mfa_required",
                    "detail": _("Finish signing in with your second factor on the website first."),
                },
                status=403,
                json_dumps_params={"ensure_ascii": False},
            )
        target = reverse("accounts:mfa_verify" if state == mfa.VERIFY else "accounts:mfa_setup")
        next_url = request.get_full_path() if request.method == "GET" else ""
        if next_url:
            target = f"{target}?{urlencode({'next': next_url})}"
        return HttpResponseRedirect(target)
