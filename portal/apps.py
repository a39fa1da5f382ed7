from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The partner portal (top floor): no models; pages, URLs, templates and the header tag."""

    name = "portal"
    verbose_name = _("Partner portal")

    def ready(self) -> None:
        from . import header_cache

        header_cache.connect()
