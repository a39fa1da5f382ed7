from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError, Conflict, NotFound


class NotAReferrer(NotFound):
    code = "not_a_referrer"

    def default_message(self):
        return _("Join the referral program first.")


class ReferralCodeUnknown(ApplicationError):
    code = "referral_code_unknown"

    def default_message(self):
        return _("No referrer has this code.")


class ReferralCodeOwn(ApplicationError):
    code = "referral_code_own"

    def default_message(self):
        return _("You cannot enter your own referral code.")


class CourseUnknown(NotFound):
    code = "course_not_found"

    def default_message(self):
        return _("This course does not exist.")


class PlanUnknown(NotFound):
    code = "plan_not_found"

    def default_message(self):
        return _("This membership plan does not exist.")


class WithdrawalInvalid(ApplicationError):
    code = "withdrawal_invalid"

    def default_message(self):
        return _("Enter a positive amount in a currency you have earned.")


class WithdrawalExceedsBalance(Conflict):
    code = "withdrawal_exceeds_balance"

    def default_message(self):
        return _("The amount is more than your available balance.")


class WithdrawalNotRequested(Conflict):
    code = "withdrawal_not_requested"

    def default_message(self):
        return _("This withdrawal has already been decided.")
