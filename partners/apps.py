from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # Registers the Api-Key security scheme with drf-spectacular.
        from partners.api import schema  # noqa: F401
