from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError


class ProductNotAvailable(ApplicationError):
    code = "product_not_available"
    status_code = 404

    def default_message(self):
        return _("This bundle or membership plan is not on sale.")
