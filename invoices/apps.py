from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Invoices and receipts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the outbox handlers of the invoice mails in web processes and workers, and
        # the refund receiver.
        from . import receivers, services  # noqa: F401
