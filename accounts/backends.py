"""Password checks limited per account, exactly, whichever door they come through."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core import ratelimit

from .auth_cache import cached_user

ACCOUNT_SCOPE = "auth_account"


class AttemptLimitedModelBackend(ModelBackend):
    """Django's ModelBackend with a budget of failed password checks per username
    (``RATE_LIMITS["auth_account"]``).

    Each check is charged to the username in Redis before the password is looked at and
    given back when it succeeds, so the counter holds failures only and concurrent
    attempts from many addresses (a botnet, a rotating proxy) get exactly the budget
    between them. django-axes, which sees every authenticate() call first, keeps the
    longer lockout and its record in the admin; this is the part that holds under
    concurrency. A refused check sets ``request.account_attempts_exhausted`` (seconds to
    wait) so the door answers 429 instead of "wrong password"."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        # Case-folded: "Admin" and "admin" draw on one budget whatever the database allows.
        ident = "user:" + str(username).casefold()
        rate = ratelimit.Rate.parse(settings.RATE_LIMITS[ACCOUNT_SCOPE])
        hit = ratelimit.hit(ACCOUNT_SCOPE, ident, rate)
        if not hit.allowed:
            ratelimit.refund(ACCOUNT_SCOPE, ident)
            if request is not None:
                request.account_attempts_exhausted = hit.retry_after
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            ratelimit.refund(ACCOUNT_SCOPE, ident)
        return user

    def get_user(self, user_id):
        # Every signed-in request asks for the session's user: from the cache
        # (accounts.auth_cache, dropped on any save of the user), not a query each time.
        return cached_user(user_id, lambda: super(AttemptLimitedModelBackend, self).get_user(user_id))
