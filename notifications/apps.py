from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The receivers subscribe to the events of the apps below us; the outbox handler
        # registers with core. Neither is imported by anyone else.
        from . import receivers, services  # noqa: F401
