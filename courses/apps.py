from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from . import catalog_cache

        catalog_cache.connect()
