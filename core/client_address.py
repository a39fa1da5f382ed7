"""The client's address, as far as the deployment can vouch for it.

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each proxy appends the address it received
the connection from to ``X-Forwarded-For``; the last ``TRUSTED_PROXY_COUNT - 1`` entries are
therefore our own proxies and the one before them is the client, whatever a client wrote
in front. Entries further left are the client's own words and are never read, so a new
header per request cannot buy a new identity. With ``TRUSTED_PROXY_COUNT = 0`` (the
default: gunicorn or runserver faces the clients) the header is ignored altogether.

Rate limits count IPv6 clients by their /64 network: one subscriber usually owns a whole
/64 and could otherwise rotate through 2^64 addresses.
"""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

# The address of the request being served, for limits counted deep inside services
# (wrong discount codes at checkout) without threading it through every signature.
_current: ContextVar[str] = ContextVar("client_address", default="")


def _valid(candidate: str) -> str:
    candidate = candidate.strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""


def client_ip(request: HttpRequest) -> str:
    """The client's address: the peer, or the entry our outermost trusted proxy wrote."""
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        # Fewer entries than proxies: the request did not come through all of them, so
        # the header is not ours to believe; the peer is the only address we know.
        return remote
    return _valid(hops[-proxies]) or remote


def rate_ident(address: str) -> str:
    """The identity a rate limit counts an address under: itself, or its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    if parsed.version == 6:
        return str(parsed.ipv4_mapped)
    return str(parsed)


def current_client_ip() -> str:
    """The address of the request this thread is serving; empty outside a request."""
    return _current.get()


class ClientAddressMiddleware:
    """Makes the request's address available to services through ``current_client_ip``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = _current.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
