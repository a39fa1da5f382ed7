"""Errors of campaigns and discount codes; ``code`` values are part of the API contract."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError, Conflict


class CampaignNotEditable(Conflict):
    code = "campaign_not_editable"

    def default_message(self):
        return _("Only draft campaigns can be edited.")


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def default_message(self):
        return _("The campaign cannot move to that status from its current one.")


class CampaignIncomplete(ApplicationError):
    code = "campaign_incomplete"


class CampaignInvalid(ApplicationError):
    code = "invalid"


class CodeInvalid(ApplicationError):
    code = "code_invalid"

    def default_message(self):
        return _("This discount code is not valid.")


class CodeExpired(ApplicationError):
    code = "code_expired"

    def default_message(self):
        return _("This discount code has expired.")


class CodeExhausted(Conflict):
    code = "code_exhausted"

    def default_message(self):
        return _("This discount code has been used up.")


class CodeLimitReached(Conflict):
    code = "code_limit_reached"

    def default_message(self):
        return _("You have already used this discount code.")


class CodeNotApplicable(ApplicationError):
    code = "code_not_applicable"

    def default_message(self):
        return _("This discount code does not apply to these courses.")


class CampaignNotRunning(ApplicationError):
    code = "campaign_not_running"

    def default_message(self):
        return _("The campaign of this discount code is not running.")


class TooManyAttempts(ApplicationError):
    code = "too_many_attempts"
    status_code = 429

    def default_message(self):
        return _("Too many wrong discount codes. Please try again later.")


class AudienceInvalid(ApplicationError):
    """A campaign's audience names something it may not: ``code`` says what (one of
    ``audience_segment_unknown``, ``audience_customer_unknown``, ``audience_customer_withdrawn``,
    ``audience_too_many_customers``)."""

    code = "audience_invalid"


class PlanGrantNotAvailable(ApplicationError):
    code = "plan_grant_not_available"
    status_code = 404

    def default_message(self):
        return _("This campaign gives no membership to its partners' customers.")


class PlanGrantRefused(ApplicationError):
    code = "plan_grant_refused"
    status_code = 403

    def default_message(self):
        return _(
            "We could not match you with a customer of this campaign's partners who agreed to share data "
            "with Zhiqiao, or the membership was already claimed."
        )


class PlanGrantCustomerRefused(PlanGrantRefused):
    """The partner's side of ``plan_grant_refused``: the id names none of its pushed
    customers with consent."""

    def default_message(self):
        return _(
            "None of your pushed customers has this id with their consent (unknown id, or consent withdrawn)."
        )
