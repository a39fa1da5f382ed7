"""Error codes of the partners app (stable: partner systems switch on them)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError, Conflict, NotFound


class CustomerPushRejected(ApplicationError):
    """A customer batch with at least one bad entry; nothing of the batch is stored.
    ``extra["errors"]`` lists ``{"index", "code", "detail"}`` per bad entry."""

    code = "invalid_customers"

    def default_message(self) -> str:
        return str(_("Some customers were rejected; nothing was stored."))


class InvalidScope(ApplicationError):
    code = "invalid_scope"


class NoCurrentConsentText(Conflict):
    code = "no_consent_text"

    def default_message(self) -> str:
        return str(_("There is no current data-sharing consent text."))


class PartnerNotFound(NotFound):
    code = "partner_not_found"
