from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "campaigns"
    verbose_name = _("Co-branded campaigns")

    def ready(self) -> None:
        from . import landing_cache, webhook_events

        landing_cache.connect()
        webhook_events.connect()
