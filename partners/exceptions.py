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


class InvitationInvalid(ApplicationError):
    code = "invitation_invalid"

    def default_message(self) -> str:
        return str(_("This invitation link is not valid any more. Ask the partner's owner for a new one."))


class InvitationForAnotherEmail(ApplicationError):
    code = "invitation_other_email"
    status_code = 403

    def default_message(self) -> str:
        return str(_("This invitation was sent to another e-mail address. Sign out and open it again."))


class LastOwner(Conflict):
    code = "last_owner"

    def default_message(self) -> str:
        return str(_("A partner keeps at least one owner: make someone else owner first."))


class ApplicationNotPending(Conflict):
    code = "application_not_pending"

    def default_message(self) -> str:
        return str(_("This application was already decided."))
