"""DRF throttles on the atomic counters of ``core.ratelimit``.

DRF's own ``SimpleRateThrottle`` reads the request history from the cache, decides, then
writes it back: concurrent requests all read the same history and all get through. It also
keys anonymous callers on the whole ``X-Forwarded-For`` header unless ``NUM_PROXIES`` is
set, so a new header per request is a new caller. These classes count with one atomic
increment per request and identify callers by ``core.client_address.client_ip``.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` by scope, as in DRF.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from core import ratelimit
from core.client_address import client_ip, rate_ident


class AtomicRateThrottle(BaseThrottle):
    """Counts every request of a caller in its scope's window; subclasses choose the
    caller (``get_ident``) and the scope."""

    scope: str = ""
    # A class may pin its own rates (tests do); by default the settings are read per
    # request, so ``override_settings`` applies.
    THROTTLE_RATES: dict[str, str] | None = None

    def __init__(self) -> None:
        self._hit: ratelimit.Hit | None = None

    def get_scope(self, view) -> str:
        return self.scope

    def get_rate(self, scope: str) -> ratelimit.Rate | None:
        rates = (
            self.THROTTLE_RATES if self.THROTTLE_RATES is not None else api_settings.DEFAULT_THROTTLE_RATES
        )
        text = rates.get(scope)
        return ratelimit.Rate.parse(text) if text else None

    def get_ident(self, request) -> str:
        django_request = getattr(request, "_request", request)
        return "ip:" + rate_ident(client_ip(django_request))

    def allow_request(self, request, view) -> bool:
        scope = self.get_scope(view)
        rate = self.get_rate(scope) if scope else None
        if rate is None:
            return True
        self._hit = ratelimit.hit(scope, self.get_ident(request), rate)
        return self._hit.allowed

    def wait(self) -> float | None:
        return float(self._hit.retry_after) if self._hit is not None else None


class AtomicScopedRateThrottle(AtomicRateThrottle):
    """``throttle_scope`` on the view names the rate, like DRF's ``ScopedRateThrottle``."""

    def get_scope(self, view) -> str:
        return getattr(view, "throttle_scope", "") or ""
