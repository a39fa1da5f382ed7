"""What the referral program reads off a request: the device (the first-party visitor
cookie the campaigns set, or an ``X-Device-Id`` header from a mobile client) and the
client address the burst rule counts."""

from django.http import HttpRequest

from campaigns.services import visitor_id_clean
from campaigns.views import VISITOR_COOKIE
from core.client_address import client_ip, rate_ident


def device_id(request: HttpRequest) -> str:
    return (
        visitor_id_clean(request.COOKIES.get(VISITOR_COOKIE))
        or visitor_id_clean(request.headers.get("X-Device-Id"))
        or ""
    )


def address(request: HttpRequest) -> str:
    return rate_ident(client_ip(request))[:64]
