"""Sign in with WeChat and Google through django-allauth's socialaccount part only.

Our own pages keep the password doors (``/<lang>/accounts/login/``, ``signup/``, password
reset: throttled, locked out, two-factor); allauth runs with ``SOCIALACCOUNT_ONLY`` under
``/accounts/social/``, which leaves it no password form of its own, only the provider
hand-shakes. The prefix carries no language so each provider gets one callback URL to
register (``/accounts/social/google/login/callback/``, ``/accounts/social/weixin/login/callback/``).

Linking to an existing account happens only by an e-mail address the provider says it
VERIFIED (``SOCIALACCOUNT_EMAIL_AUTHENTICATION`` with auto-connect; allauth wipes the
password of a local account whose own address was never verified, so whoever typed
someone else's address at sign-up loses the account to its real owner). An unverified
address never links: the learner is asked for another address instead. WeChat hands out
no e-mail at all, so a WeChat sign-in makes a new account or finds the one it was
connected to before."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.utils import translation

from .services import profile_get_or_create

# The session's user is loaded by our backend (cached); allauth would otherwise pick the
# first backend with get_user(), django-axes's, which finds nobody.
SESSION_BACKEND = "accounts.backends.AttemptLimitedModelBackend"


class AccountAdapter(DefaultAccountAdapter):
    def login(self, request, user) -> None:
        user.backend = SESSION_BACKEND
        super().login(request, user)

    def is_open_for_signup(self, request) -> bool:
        # Only the provider hand-shake can sign up here (SOCIALACCOUNT_ONLY): our own
        # sign-up page keeps its doors.
        return True


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        # Like a sign-up on our own page: the learner's profile in the page's language.
        profile_get_or_create(user=user, language=translation.get_language() or settings.LANGUAGE_CODE)
        return user


def wechat_openid(*, user, appid: str) -> str:
    """The learner's openid from the WeChat sign-in, for paying inside WeChat (JSAPI), or
    "". An openid belongs to one WeChat app: WeChat Pay takes it only with the app it was
    issued by, so it is given only when the sign-in app (``WEIXIN_APP_ID``) is ``appid``,
    the payment's app (an official account signing learners in inside WeChat)."""
    sign_in_app = (getattr(settings, "SOCIAL_LOGIN_CREDENTIALS", {}).get("weixin") or ("", ""))[0]
    if not appid or sign_in_app != appid or not getattr(user, "pk", None):
        return ""
    return (
        SocialAccount.objects.filter(user=user, provider="weixin").values_list("uid", flat=True).first() or ""
    )
