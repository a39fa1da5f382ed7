from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError, Conflict, NotFound


class StatementNotFound(NotFound):
    code = "statement_not_found"

    def default_message(self):
        return _("This statement does not exist.")


class PayoutInvalid(ApplicationError):
    code = "payout_invalid"

    def default_message(self):
        return _("This payout cannot be recorded.")


class PayoutExceedsBalance(Conflict):
    code = "payout_exceeds_balance"


class PayoutMonthClosed(Conflict):
    code = "payout_month_closed"


class PayoutDuplicate(Conflict):
    code = "payout_duplicate"

    def default_message(self):
        return _("A payout with this bank transfer reference is already recorded.")
