from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Floor 5: reads campaigns, commerce and courses (its SQL joins their tables); nothing
    below imports it. Celery finds ``analytics.tasks`` through ``autodiscover_tasks``."""

    name = "analytics"
    verbose_name = _("Campaign analytics")
