from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CultureConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "culture"
    verbose_name = _("Cultural themes and market sentiment")

    def ready(self) -> None:
        from . import tasks  # noqa: F401 -- registers the Celery tasks with the app
