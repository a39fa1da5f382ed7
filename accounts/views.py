"""Account pages: sign up, sign in/out, password reset and the learner's profile.

``accounts`` stands on the lowest floor and imports nothing of ours: the interest choices
(catalog categories) are loaded by model name at run time."""

import re
from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from core import ratelimit, vocabularies
from core.client_address import client_ip
from core.exceptions import ApplicationError
from core.money import CURRENCY_SESSION_KEY
from core.timezones import SESSION_KEY as TIME_ZONE_SESSION_KEY

from . import mfa, phone
from .exceptions import OtpInvalid, TooManyCodeAttempts
from .forms import MfaCodeForm, PhoneCodeForm, PhoneNumberForm, ProfileForm, SignupForm
from .lockout import lockout_response
from .models import PhoneCode
from .services import profile_get_or_create, profile_update, user_signup


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    """Pages outside ``/<lang>/`` (``/``, e-mail links) then open in the learner's language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        # The same flags as Django's own language cookie: Secure in production.
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


class _RefusedFormIs400:
    """A class-based form view whose refused form is shown again as a 400, like the
    function views and the portal's forms."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else ""


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("courses:home"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        language = translation.get_language()
        user = user_signup(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            preferred_language=language,
            marketing_consent=form.cleaned_data["marketing_consent"],
        )
        login(request, user, backend="accounts.backends.AttemptLimitedModelBackend")
        messages.success(request, _("Welcome to Zhiqiao, %(name)s!") % {"name": user.get_username()})
        response = HttpResponseRedirect(_safe_next(request) or reverse("courses:home"))
        return _with_language_cookie(response, language)
    # A refused form is shown again with its errors, as a 400 like the portal's forms.
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)}, status=status)


class SignInView(_RefusedFormIs400, auth_views.LoginView):
    """After signing in, the learner lands on the page they came for, in the language they
    were browsing, or in the one they chose in their profile."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "phone_sign_in": settings.PHONE_SIGN_IN_ENABLED}

    # Wrong credentials or a malformed form: the page again as a 400 (``_RefusedFormIs400``).
    # A lockout stays django-axes's answer: its middleware replaces this response (429).

    def form_valid(self, form):
        user = form.get_user()
        login(self.request, user)
        page_language = translation.get_language()
        profile = profile_get_or_create(user=user, language=page_language)
        # The language of the page signed in on, unless the learner chose one in the profile.
        language = profile.preferred_language if profile.language_chosen else page_language
        url = translate_url(self.get_success_url(), language)
        state = mfa.session_state(self.request)
        if state in mfa.PENDING:
            # The password was right; the second factor comes next, then the page asked for.
            with translation.override(language):
                target = reverse("accounts:mfa_verify" if state == mfa.VERIFY else "accounts:mfa_setup")
            url = f"{target}?{urlencode({'next': url})}"
        return _with_language_cookie(HttpResponseRedirect(url), language)


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("courses:home")


class PasswordResetView(_RefusedFormIs400, auth_views.PasswordResetView):
    """Limited per address by ``DoorThrottleMiddleware`` and per e-mail address here."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        rate = ratelimit.Rate.parse(settings.RATE_LIMITS["password_reset_email"])
        if not ratelimit.hit("password_reset_email", email, rate).allowed:
            # The same answer as a sent link: the page must not tell whether an address
            # has an account, nor that someone asked for it too often.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(_RefusedFormIs400, auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    current = profile_get_or_create(user=request.user, language=translation.get_language())
    initial = {
        "preferred_language": current.preferred_language,
        "country": current.country,
        "preferred_currency": current.preferred_currency,
        "interests": list(current.interests or []),
        "marketing_consent": current.marketing_consent,
        "time_zone": current.time_zone,
    }
    form = ProfileForm(
        request.POST or None, initial=initial, interest_choices=vocabularies.choices(vocabularies.INTERESTS)
    )
    if request.method == "POST" and form.is_valid():
        updated = profile_update(user=request.user, **form.cleaned_data)
        language = updated.preferred_language
        if updated.preferred_currency:
            # The storefront shows prices in the chosen currency from now on.
            request.session[CURRENCY_SESSION_KEY] = updated.preferred_currency
        # Times are shown in the chosen zone from the next page on (core.middleware).
        request.session[TIME_ZONE_SESSION_KEY] = updated.time_zone
        with translation.override(language):
            messages.success(request, _("Your profile has been saved."))
        url = translate_url(request.path, language)
        return _with_language_cookie(HttpResponseRedirect(url), language)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/profile.html", {"form": form, "profile": current}, status=status)


# --- Two-factor authentication ---------------------------------------------------------------


def _qr_svg(data: str) -> str:
    """The provisioning URL as an inline SVG QR code: paths in a viewBox, sized by CSS
    (the millimetre width qrcode writes is dropped)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return re.sub(r'\s(width|height)="[^"]*mm"', "", svg, count=2)


def _after_mfa(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(_safe_next(request) or reverse("courses:home"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app or a recovery code."""
    state = mfa.session_state(request)
    if state == mfa.ENROL:
        return HttpResponseRedirect(reverse("accounts:mfa_setup"))
    if state != mfa.VERIFY:
        return _after_mfa(request)
    user = request.user
    form = MfaCodeForm(request.POST or None)
    # A refused code (malformed or wrong) is a 400; too many tries a 429.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            logout(request)
            return lockout_response(request)
        try:
            device = mfa.mfa_code_check(user=user, token=form.cleaned_data["code"])
        except TooManyCodeAttempts as exc:
            form.add_error("code", str(exc.message))
            status = 429
        except OtpInvalid as exc:
            mfa.second_factor_failed(request, user)
            if getattr(request, "axes_locked_out", False):
                # django-axes answers with the lockout page; the half-signed-in session ends.
                logout(request)
                return lockout_response(request)
            form.add_error("code", str(exc.message))
        else:
            mfa.session_verified(request, device)
            if isinstance(device, StaticDevice):
                remaining = mfa.recovery_codes_remaining(user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(count)d code is left.",
                        "You signed in with a recovery code; %(count)d codes are left.",
                        remaining,
                    )
                    % {"count": remaining},
                )
            return _after_mfa(request)
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "accounts/mfa_verify.html", context, status=status)


def _recovery_codes_page(request: HttpRequest, codes: list[str]) -> HttpResponse:
    # Rendered, not redirected: the codes are shown once and never travel in a URL.
    return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": _safe_next(request)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app (QR code, then a code to prove it works), or manage it
    once it is set up: new recovery codes, or turning it off where it is not required."""
    state = mfa.session_state(request)
    if state == mfa.VERIFY:
        # An app is set up but this session has not given a code: no changes before that.
        target = reverse("accounts:mfa_verify")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
    user = request.user
    device = mfa.totp_device_confirmed(user)
    if device is not None:
        action = request.POST.get("action") if request.method == "POST" else ""
        if action == "recovery_codes":
            return _recovery_codes_page(request, mfa.recovery_codes_regenerate(user=user))
        if action == "disable" and not mfa.mfa_required(user):
            mfa.mfa_disable(user=user)
            mfa.session_state_set(request, mfa.NONE)
            messages.success(request, _("Two-factor authentication is off."))
            return HttpResponseRedirect(reverse("accounts:mfa_setup"))
        context = {
            "device": device,
            "remaining": mfa.recovery_codes_remaining(user),
            "required": mfa.mfa_required(user),
        }
        return render(request, "accounts/mfa_manage.html", context)

    pending = mfa.totp_device_start(user=user)
    form = MfaCodeForm(request.POST or None)
    # A refused code (malformed or wrong) is a 400; too many tries a 429.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            confirmed, codes = mfa.totp_device_confirm(user=user, token=form.cleaned_data["code"])
        except TooManyCodeAttempts as exc:
            form.add_error("code", str(exc.message))
            status = 429
        except OtpInvalid as exc:
            form.add_error("code", str(exc.message))
        else:
            mfa.session_verified(request, confirmed)
            return _recovery_codes_page(request, codes)
    context = {
        "form": form,
        "qr_svg": _qr_svg(pending.config_url),
        "secret": b32encode(pending.bin_key).decode(),
        "required": state == mfa.ENROL,
        "next": _safe_next(request),
    }
    return render(request, "accounts/mfa_setup.html", context, status=status)


# --- Signing in (or linking a number) with a text-message code ---------------------------

PHONE_SESSION_KEY = "accounts_phone_number"


def _phone_enabled() -> None:
    if not settings.PHONE_SIGN_IN_ENABLED:
        raise Http404


@require_http_methods(["GET", "POST"])
def phone_start(request: HttpRequest) -> HttpResponse:
    """Ask for a code: to sign in (visitors) or to add the number to the account (signed in)."""
    _phone_enabled()
    form = PhoneNumberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            linking = request.user.is_authenticated
            try:
                row = phone.phone_code_request(
                    number=form.cleaned_data["number"],
                    purpose=PhoneCode.Purpose.LINK if linking else PhoneCode.Purpose.SIGN_IN,
                    client_ip=client_ip(request),
                    user=request.user if linking else None,
                )
            except ApplicationError as exc:
                form.add_error("number", str(exc.message))
                status = exc.status_code
            else:
                request.session[PHONE_SESSION_KEY] = row.number
                target = reverse("accounts:phone_verify")
                next_url = _safe_next(request)
                return HttpResponseRedirect(
                    f"{target}?{urlencode({'next': next_url})}" if next_url else target
                )
    return render(
        request, "accounts/phone_start.html", {"form": form, "next": _safe_next(request)}, status=status
    )


@require_http_methods(["GET", "POST"])
def phone_verify(request: HttpRequest) -> HttpResponse:
    _phone_enabled()
    number = request.session.get(PHONE_SESSION_KEY)
    if not number:
        return HttpResponseRedirect(reverse("accounts:phone"))
    form = PhoneCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if request.user.is_authenticated:
                    phone.phone_link(user=request.user, number=number, code=form.cleaned_data["code"])
                else:
                    user = phone.phone_sign_in(
                        number=number, code=form.cleaned_data["code"], language=translation.get_language()
                    )
            except ApplicationError as exc:
                form.add_error("code", str(exc.message))
                status = exc.status_code
            else:
                request.session.pop(PHONE_SESSION_KEY, None)
                if request.user.is_authenticated:
                    messages.success(request, _("Your mobile number is added to your account."))
                    return HttpResponseRedirect(reverse("accounts:profile"))
                login(request, user, backend="accounts.backends.AttemptLimitedModelBackend")
                url = _safe_next(request) or reverse("courses:home")
                state = mfa.session_state(request)
                if state in mfa.PENDING:
                    target = reverse("accounts:mfa_verify" if state == mfa.VERIFY else "accounts:mfa_setup")
                    url = f"{target}?{urlencode({'next': url})}"
                return HttpResponseRedirect(url)
    context = {"form": form, "number": number, "next": _safe_next(request)}
    return render(request, "accounts/phone_verify.html", context, status=status)
