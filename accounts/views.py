"""Account pages: sign up, sign in/out, password reset and the learner's profile.

``accounts`` stands on the lowest floor and imports nothing of ours: the interest choices
(catalog categories) are loaded by model name at run time."""

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.money import CURRENCY_SESSION_KEY

from .forms import ProfileForm, SignupForm
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


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and allowed else ""


def _interest_choices() -> list:
    category_model = apps.get_model("courses", "Category")
    categories = list(
        category_model.objects.select_related("parent").order_by("parent_id", "position", "slug")
    )
    children: dict[int, list] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    choices = []
    for top in (c for c in categories if c.parent_id is None):
        subs = children.get(top.pk, [])
        if subs:
            group = [(top.slug, _("All of %(category)s") % {"category": top.name})]
            choices.append((top.name, group + [(child.slug, child.name) for child in subs]))
        else:
            choices.append((top.slug, top.name))
    return choices


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
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to Zhiqiao, %(name)s!") % {"name": user.get_username()})
        response = HttpResponseRedirect(_safe_next(request) or reverse("courses:home"))
        return _with_language_cookie(response, language)
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request)})


class SignInView(auth_views.LoginView):
    """After signing in, the learner lands on the page they came for, in their preferred
    language."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        login(self.request, user)
        language = profile_get_or_create(user=user, language=translation.get_language()).preferred_language
        url = translate_url(self.get_success_url(), language)
        return _with_language_cookie(HttpResponseRedirect(url), language)


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("courses:home")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
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
    }
    form = ProfileForm(request.POST or None, initial=initial, interest_choices=_interest_choices())
    if request.method == "POST" and form.is_valid():
        updated = profile_update(user=request.user, **form.cleaned_data)
        language = updated.preferred_language
        if updated.preferred_currency:
            # The storefront shows prices in the chosen currency from now on.
            request.session[CURRENCY_SESSION_KEY] = updated.preferred_currency
        with translation.override(language):
            messages.success(request, _("Your profile has been saved."))
        url = translate_url(request.path, language)
        return _with_language_cookie(HttpResponseRedirect(url), language)
    return render(request, "accounts/profile.html", {"form": form, "profile": current})
